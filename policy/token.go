package policy

import (
	"fmt"
	"strconv"
)

// Pos is a position in a policy file: 1-based line and column (in bytes).
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	s := strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
	if p.File == "" {
		return s
	}
	return p.File + ":" + s
}

// IsValid reports whether p names a place in a file.
func (p Pos) IsValid() bool { return p.Line > 0 }

// before orders positions by file, line and column.
func (p Pos) before(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// tokenKind is the lexical class of a token.
type tokenKind uint8

const (
	tEOF     tokenKind = iota
	tNewline           // end of a statement
	tIdent             // read, O_RDONLY, kill-process, arg0
	tGroup             // @basic-io
	tNumber            // 42, 0x2a, 0o52, 0b101010
	tString            // "base.policy"
	tComma             // ,
	tAssign            // =
	tLParen            // (
	tRParen            // )
	tLBrack            // [
	tRBrack            // ]
	tColon             // :
	tOrOr              // ||
	tAndAnd            // &&
	tNot               // !
	tPipe              // |
	tAmp               // &
	tMinus             // -
	tTilde             // ~
	tEq                // ==
	tNe                // !=
	tLt                // <
	tLe                // <=
	tGt                // >
	tGe                // >=
	tIllegal           // a character the language does not use
)

var tokenNames = [...]string{
	tEOF: "end of file", tNewline: "end of line", tIdent: "name", tGroup: "group",
	tNumber: "number", tString: "string", tComma: "','", tAssign: "'='",
	tLParen: "'('", tRParen: "')'", tLBrack: "'['", tRBrack: "']'", tColon: "':'",
	tOrOr: "'||'", tAndAnd: "'&&'", tNot: "'!'", tPipe: "'|'", tAmp: "'&'",
	tMinus: "'-'", tTilde: "'~'", tEq: "'=='", tNe: "'!='", tLt: "'<'", tLe: "'<='",
	tGt: "'>'", tGe: "'>='", tIllegal: "illegal character",
}

func (k tokenKind) String() string {
	if int(k) < len(tokenNames) {
		return tokenNames[k]
	}
	return fmt.Sprintf("token(%d)", uint8(k))
}

// token is one lexeme. Text is the source text (for strings: the unquoted value).
type token struct {
	Kind tokenKind
	Text string
	Pos  Pos
}

// describe names a token in an error message: `"opnat"`, `end of line`.
func (t token) describe() string {
	switch t.Kind {
	case tEOF, tNewline:
		return t.Kind.String()
	case tString:
		return fmt.Sprintf("string %q", t.Text)
	case tIllegal:
		return fmt.Sprintf("illegal character %q", t.Text)
	case tIdent, tGroup, tNumber:
		return fmt.Sprintf("%q", t.Text)
	}
	return t.Kind.String()
}

// Comment is a `#` comment, kept so Format can write it back.
type Comment struct {
	Pos  Pos
	Text string // including the leading '#'
}
