package oci

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// The profile is read in two steps: JSON text -> a tree of values that
// remember their byte offsets (this file), then tree -> Profile with a path
// for every value (profile.go). encoding/json alone reports neither the
// position of a wrong-typed value inside an array nor the path of a value it
// accepted but we reject (an unknown action), and it silently takes the last
// of duplicate keys and drops unknown ones; the tree lets every message name
// both the path and line:col.

type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindObject
	kindArray
	kindString
	kindNumber
	kindBool
)

var kindNames = [...]string{kindNull: "null", kindObject: "an object", kindArray: "an array", kindString: "a string", kindNumber: "a number", kindBool: "a boolean"}

func (k nodeKind) String() string { return kindNames[k] }

type member struct {
	key    string
	keyOff int
	val    *node
}

// node is one JSON value and the byte offset where it starts.
type node struct {
	kind    nodeKind
	off     int
	text    string // string value, or the number as written
	boolean bool
	members []member // objects, in input order
	elems   []*node  // arrays
}

// maxDepth bounds nesting; no profile comes near it.
const maxDepth = 64

type treeParser struct {
	data []byte
	dec  *json.Decoder
}

// parseTree parses one JSON document. Errors are *Error with a position.
func parseTree(data []byte) (*node, error) {
	p := &treeParser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if off := p.valueStart(); off < len(data) {
		return nil, p.errAt(off, "unexpected data after the end of the profile: a profile is a single JSON object")
	}
	return n, nil
}

// valueStart is the offset of the next token: after the last token, skipping
// white space and the separators ':' and ',' that Token consumes silently.
func (p *treeParser) valueStart() int {
	off := int(p.dec.InputOffset())
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\n', '\r', ':', ',':
			off++
			continue
		}
		break
	}
	return off
}

func (p *treeParser) errAt(off int, format string, args ...any) *Error {
	line, col := lineCol(p.data, off)
	return &Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// syntaxErr positions a syntax error. The offsets json.Decoder reports lag
// behind the offending byte, so the document is scanned again with
// json.Unmarshal, whose SyntaxError.Offset is just past it.
func (p *treeParser) syntaxErr(err error, start int) error {
	var se *json.SyntaxError
	var x any
	if uerr := json.Unmarshal(p.data, &x); errors.As(uerr, &se) {
		if int(se.Offset) >= len(p.data) && strings.Contains(se.Error(), "end of JSON input") {
			return p.errAt(len(p.data), "unexpected end of input: the JSON is cut short (a missing '}' or ']'?)")
		}
		return p.errAt(max(int(se.Offset)-1, 0), "JSON syntax error: %s", se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return p.errAt(len(p.data), "unexpected end of input: the JSON is cut short (a missing '}' or ']'?)")
	}
	if errors.As(err, &se) {
		return p.errAt(int(se.Offset), "JSON syntax error: %s", se.Error())
	}
	return p.errAt(start, "JSON error: %v", err)
}

func (p *treeParser) value(depth int) (*node, error) {
	if depth > maxDepth {
		return nil, p.errAt(p.valueStart(), "JSON nested deeper than %d levels", maxDepth)
	}
	start := p.valueStart()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntaxErr(err, start)
	}
	n := &node{off: start}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = kindObject
			for p.dec.More() {
				koff := p.valueStart()
				ktok, err := p.dec.Token()
				if err != nil {
					return nil, p.syntaxErr(err, koff)
				}
				key, ok := ktok.(string)
				if !ok {
					return nil, p.errAt(koff, "JSON syntax error: object key must be a string")
				}
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.members = append(n.members, member{key: key, keyOff: koff, val: v})
			}
		case '[':
			n.kind = kindArray
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
		default:
			return nil, p.errAt(start, "JSON syntax error: unexpected %q", rune(t))
		}
		end := p.valueStart()
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, p.syntaxErr(err, end)
		}
	case string:
		n.kind, n.text = kindString, t
	case json.Number:
		n.kind, n.text = kindNumber, string(t)
	case bool:
		n.kind, n.boolean = kindBool, t
	case nil:
		n.kind = kindNull
	}
	return n, nil
}

// lineCol converts a byte offset to a 1-based line and a 1-based column
// counted in characters.
func lineCol(data []byte, off int) (line, col int) {
	return newLineIndex(data).lineCol(data, off)
}

// lineIndex holds the offset where each line starts, so that positioning
// many values costs a binary search each.
type lineIndex []int

func newLineIndex(data []byte) lineIndex {
	idx := lineIndex{0}
	for i, b := range data {
		if b == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

func (idx lineIndex) lineCol(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	line = sort.Search(len(idx), func(i int) bool { return idx[i] > off }) // first line starting after off
	return line, 1 + utf8.RuneCount(data[idx[line-1]:off])
}
