package policy

import (
	"strconv"
	"strings"
)

// lexer turns source text into tokens. Statements end at a newline, except
// where a statement obviously goes on: after
// a token that needs a right-hand side (`,` `=` `||` `&&` `|` `&` `!` a
// comparison, `if`, `else`), or when the next line starts with one of
// `,` `||` `&&` `|` `&` or `else`. So long rules wrap naturally:
//
//	allow socket if domain == AF_UNIX
//	             || domain == AF_INET
type lexer struct {
	file     string
	src      string
	off      int
	line     int
	lineOff  int // offset of the current line's first byte
	tokens   []token
	comments []Comment
	errs     *errorSink
}

func lex(file string, src []byte, errs *errorSink) ([]token, []Comment) {
	lx := &lexer{file: file, src: string(src), line: 1, errs: errs}
	lx.run()
	return lx.tokens, lx.comments
}

func (lx *lexer) pos() Pos { return Pos{File: lx.file, Line: lx.line, Col: lx.off - lx.lineOff + 1} }

func (lx *lexer) emit(k tokenKind, text string, p Pos) {
	lx.tokens = append(lx.tokens, token{Kind: k, Text: text, Pos: p})
}

// continues reports whether the last token asks for more on the next line.
func (lx *lexer) continues() bool {
	if len(lx.tokens) == 0 {
		return true // nothing yet: blank lines at the top
	}
	t := lx.tokens[len(lx.tokens)-1]
	switch t.Kind {
	case tNewline, tComma, tAssign, tOrOr, tAndAnd, tPipe, tAmp, tNot, tMinus, tTilde,
		tEq, tNe, tLt, tLe, tGt, tGe, tColon:
		return true
	case tIdent:
		return t.Text == "if" || t.Text == "else" || t.Text == "in"
	}
	return false
}

// nextLineContinues reports whether the next line holding a token starts
// with a continuation token.
func (lx *lexer) nextLineContinues() bool {
	s := lx.src[lx.off:]
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if strings.HasPrefix(s, "#") {
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return false
			}
			s = s[i:]
			continue
		}
		break
	}
	for _, p := range []string{",", "||", "&&", "|", "&"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	if strings.HasPrefix(s, "else") && (len(s) == 4 || !isIdentByte(s[4])) {
		return true
	}
	return false
}

func isLetter(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isIdentByte(c byte) bool {
	return isLetter(c) || isDigit(c)
}

// identEnd returns the end of an identifier starting at i: letters, digits,
// `_`, and `-` when a letter or digit follows (kill-process, @basic-io).
func identEnd(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if isIdentByte(c) || c == '-' && i+1 < len(s) && isIdentByte(s[i+1]) {
			i++
			continue
		}
		break
	}
	return i
}

func (lx *lexer) run() {
	for lx.off < len(lx.src) {
		if lx.errs.full() {
			break
		}
		c := lx.src[lx.off]
		p := lx.pos()
		switch {
		case c == '\n':
			if !lx.continues() && !lx.nextLineContinues() {
				lx.emit(tNewline, "\n", p)
			}
			lx.off++
			lx.line++
			lx.lineOff = lx.off
		case c == ' ' || c == '\t' || c == '\r':
			lx.off++
		case c == '#':
			end := strings.IndexByte(lx.src[lx.off:], '\n')
			if end < 0 {
				end = len(lx.src) - lx.off
			}
			lx.comments = append(lx.comments, Comment{Pos: p, Text: strings.TrimRight(lx.src[lx.off:lx.off+end], " \t\r")})
			lx.off += end
		case isLetter(c):
			end := identEnd(lx.src, lx.off)
			lx.emit(tIdent, lx.src[lx.off:end], p)
			lx.off = end
		case c == '@':
			end := identEnd(lx.src, lx.off+1)
			if end == lx.off+1 {
				lx.errs.add(&Error{Pos: p, Msg: "'@' must start a group name", Expected: "a group such as @basic-io"})
				lx.emit(tIllegal, "@", p)
				lx.off++
				continue
			}
			lx.emit(tGroup, lx.src[lx.off:end], p)
			lx.off = end
		case isDigit(c):
			end := lx.off
			for end < len(lx.src) && (isIdentByte(lx.src[end])) {
				end++
			}
			text := lx.src[lx.off:end]
			if _, err := strconv.ParseUint(text, 0, 64); err != nil {
				msg := "malformed number " + strconv.Quote(text)
				if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
					msg = "number " + text + " does not fit in 64 bits"
				}
				lx.errs.add(&Error{Pos: p, Msg: msg, Expected: "a decimal, 0x hex, 0o octal or 0b binary number"})
				lx.emit(tIllegal, text, p)
			} else {
				lx.emit(tNumber, text, p)
			}
			lx.off = end
		case c == '"':
			lx.lexString(p)
		default:
			lx.lexPunct(p)
		}
	}
	// The end of the input is reported at the end of the last line that
	// has text, where the caret has something to point after.
	end := lx.pos()
	if lx.off == lx.lineOff && lx.line > 1 {
		prev := strings.LastIndexByte(lx.src[:lx.off-1], '\n') + 1
		end = Pos{File: lx.file, Line: lx.line - 1, Col: lx.off - prev}
	}
	if n := len(lx.tokens); n > 0 && lx.tokens[n-1].Kind != tNewline {
		lx.emit(tNewline, "", end)
	}
	lx.emit(tEOF, "", end)
}

func (lx *lexer) lexString(p Pos) {
	i := lx.off + 1
	for i < len(lx.src) && lx.src[i] != '"' && lx.src[i] != '\n' {
		if lx.src[i] == '\\' && i+1 < len(lx.src) && lx.src[i+1] != '\n' {
			i++
		}
		i++
	}
	if i >= len(lx.src) || lx.src[i] != '"' {
		lx.errs.add(&Error{Pos: p, Msg: "unterminated string", Expected: "a closing '\"' on the same line"})
		lx.emit(tIllegal, lx.src[lx.off:i], p)
		lx.off = i
		return
	}
	raw := lx.src[lx.off : i+1]
	s, err := strconv.Unquote(raw)
	if err != nil {
		lx.errs.add(&Error{Pos: p, Msg: "malformed string " + raw, Expected: `a string with Go escapes (\" \\ \t \n)`})
		lx.emit(tIllegal, raw, p)
	} else {
		lx.emit(tString, s, p)
	}
	lx.off = i + 1
}

var punct2 = map[string]tokenKind{"||": tOrOr, "&&": tAndAnd, "==": tEq, "!=": tNe, "<=": tLe, ">=": tGe}
var punct1 = map[byte]tokenKind{
	',': tComma, '=': tAssign, '(': tLParen, ')': tRParen, '[': tLBrack, ']': tRBrack, ':': tColon,
	'!': tNot, '|': tPipe, '&': tAmp, '-': tMinus, '~': tTilde, '<': tLt, '>': tGt,
}

func (lx *lexer) lexPunct(p Pos) {
	if lx.off+2 <= len(lx.src) {
		if k, ok := punct2[lx.src[lx.off:lx.off+2]]; ok {
			lx.emit(k, lx.src[lx.off:lx.off+2], p)
			lx.off += 2
			return
		}
	}
	c := lx.src[lx.off]
	if k, ok := punct1[c]; ok {
		lx.emit(k, string(c), p)
		lx.off++
		return
	}
	// One whole (possibly multi-byte) character.
	r := []rune(lx.src[lx.off:min(len(lx.src), lx.off+4)])
	text := string(r[:1])
	if len(r) == 0 || r[0] == '\uFFFD' {
		text = lx.src[lx.off : lx.off+1]
	}
	lx.errs.add(&Error{Pos: p, Msg: "unexpected character " + strconv.Quote(text)})
	lx.emit(tIllegal, text, p)
	lx.off += len(text)
}
