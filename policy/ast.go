package policy

// File is one parsed policy file: its statements in source order and its
// comments. Every node records where it starts.
type File struct {
	Name     string
	Stmts    []Stmt
	Comments []Comment

	src []byte // for the caret lines of resolver errors
}

// Stmt is a top-level statement.
type Stmt interface {
	Pos() Pos
	// End is the line of the statement's last token.
	End() int
}

// stmtBase carries a statement's start and last line.
type stmtBase struct {
	At      Pos
	EndLine int
}

// Pos implements Stmt.
func (s *stmtBase) Pos() Pos { return s.At }

// End implements Stmt.
func (s *stmtBase) End() int { return s.EndLine }

// HeaderStmt is `policy "name" [version N]`.
type HeaderStmt struct {
	stmtBase
	Name    string
	Version string // the number's text, "" when absent
}

// DefaultStmt is `default ACTION`.
type DefaultStmt struct {
	stmtBase
	Action *Action
}

// ArchStmt is `arch NAME, ...`.
type ArchStmt struct {
	stmtBase
	Arches []*Name
}

// HotStmt is `hot NAME, ...`: syscalls the compiled filter tests first, most
// frequent first (learn mode writes it). It changes the program's layout,
// never a decision.
type HotStmt struct {
	stmtBase
	Names []*Name
}

// BadArchStmt is `bad-arch ACTION`.
type BadArchStmt struct {
	stmtBase
	Action *Action
}

// UnknownStmt is `unknown ACTION`.
type UnknownStmt struct {
	stmtBase
	Action *Action
}

// IncludeStmt is `include "path"`.
type IncludeStmt struct {
	stmtBase
	Path string
}

// DefineStmt is `define NAME = VALUE`: a set of syscalls (a List, a group or
// a syscall name), a constant expression, or a condition. Which one is decided
// by the resolver from the value's shape and names.
type DefineStmt struct {
	stmtBase
	Name  *Name
	Value Expr
}

// RuleStmt is `ACTION[ARCH, ...] TARGET, ... [if COND [else ACTION]]`.
type RuleStmt struct {
	stmtBase
	Action  *Action
	Arches  []*Name // the arch guard; nil when absent
	Targets []Expr  // *Ident (syscall or set name) or *GroupRef
	Cond    Expr    // nil when unconditional
	Else    *Action // the action when Cond does not hold; nil when absent
}

// Action is `allow`, `errno(EPERM)`, `trace(7)`, ...
type Action struct {
	At   Pos
	Name string // allow, log, notify, trap, kill-process, kill-thread, errno, trace
	Arg  Expr   // errno and trace only
}

// Name is a bare identifier with a position (arch names, define names).
type Name struct {
	At   Pos
	Name string
}

// Expr is a value or condition expression.
type Expr interface{ Pos() Pos }

// Ident is a name in an expression: an argument (with an optional width
// override such as `flags:u32`), a constant, an errno, or a define.
type Ident struct {
	At    Pos
	Name  string
	Width string // "u32", "s32", "u64", "s64" or ""
}

// GroupRef is `@name`.
type GroupRef struct {
	At   Pos
	Name string // with the '@'
}

// Number is a numeric literal as written.
type Number struct {
	At   Pos
	Text string
}

// Unary is `!X`, `-X` or `~X`.
type Unary struct {
	At Pos
	Op Op
	X  Expr
}

// Binary is `X op Y` for || && | & the comparisons and `in`.
type Binary struct {
	At   Pos // the operator's position
	Op   Op
	X, Y Expr
}

// Paren is `(X)`.
type Paren struct {
	At Pos
	X  Expr
}

// List is `X, Y, ...` (the value of a define naming a set of syscalls).
type List struct {
	At    Pos
	Items []Expr
}

// Op is an operator of the expression syntax.
type Op uint8

const (
	OpOrOr Op = iota + 1
	OpAndAnd
	OpNot
	OpEq
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpIn
	OpBitOr
	OpBitAnd
	OpNeg
	OpCompl
)

var opText = [...]string{OpOrOr: "||", OpAndAnd: "&&", OpNot: "!", OpEq: "==", OpNe: "!=", OpLt: "<",
	OpLe: "<=", OpGt: ">", OpGe: ">=", OpIn: "in", OpBitOr: "|", OpBitAnd: "&", OpNeg: "-", OpCompl: "~"}

func (o Op) String() string {
	if int(o) < len(opText) && opText[o] != "" {
		return opText[o]
	}
	return "?"
}

func (o Op) isCompare() bool { return o >= OpEq && o <= OpIn }

// Pos implementations.
func (e *Ident) Pos() Pos    { return e.At }
func (e *GroupRef) Pos() Pos { return e.At }
func (e *Number) Pos() Pos   { return e.At }
func (e *Unary) Pos() Pos    { return e.At }
func (e *Binary) Pos() Pos   { return e.X.Pos() }
func (e *Paren) Pos() Pos    { return e.At }
func (e *List) Pos() Pos     { return e.At }
