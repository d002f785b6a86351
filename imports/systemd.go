package imports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Systemd imports the SystemCallFilter=, SystemCallErrorNumber=,
// SystemCallArchitectures= and SystemCallLog= lines of a systemd unit (or a
// bare list of such lines). Other keys and sections are ignored.
func Systemd(name string, src []byte) (*seccomp.Policy, []Warning, error) {
	s := &systemd{src: sources{}, set: map[string]*seccomp.Action{}, logs: map[string]bool{}}
	s.src.add(name, src)
	if err := s.run(name, string(src)); err != nil {
		return nil, s.warns, err
	}
	return s.policy(name), s.warns, nil
}

type systemd struct {
	src      sources
	warns    []Warning
	mode     int // 0 unset, +1 allowlist, -1 denylist
	set      map[string]*seccomp.Action
	errno    *seccomp.Action
	arches   []syscalls.Arch
	archSet  bool
	logs     map[string]bool
	sawAny   bool
	firstPos policy.Pos
}

type sdWord struct {
	text string
	pos  policy.Pos
}

func (s *systemd) warnf(pos policy.Pos, format string, args ...any) {
	s.warns = append(s.warns, Warning{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (s *systemd) run(name, src string) error {
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\r")
		start := i
		// A trailing backslash joins the next line (systemd replaces it by a space).
		var words []sdWord
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' || trimmed[0] == '[' {
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			col := len(line) - len(trimmed) + 1
			return s.src.errorf(policy.Pos{File: name, Line: i + 1, Col: col}, "expected KEY=VALUE, found %q", trimmed)
		}
		key := strings.TrimSpace(line[:eq])
		segStart := eq + 1
		for {
			seg := line[segStart:]
			cont := strings.HasSuffix(seg, "\\")
			if cont {
				seg = seg[:len(seg)-1]
			}
			words = append(words, splitWords(seg, name, i+1, segStart+1)...)
			if !cont || i+1 >= len(lines) {
				break
			}
			i++
			line = strings.TrimRight(lines[i], "\r")
			segStart = 0
		}
		keyPos := policy.Pos{File: name, Line: start + 1, Col: len(lines[start]) - len(strings.TrimLeft(lines[start], " \t")) + 1}
		var err error
		switch key {
		case "SystemCallFilter":
			err = s.filter(words, keyPos)
		case "SystemCallErrorNumber":
			err = s.errnoNumber(words, keyPos)
		case "SystemCallArchitectures":
			s.architectures(words)
		case "SystemCallLog":
			err = s.log(words, keyPos)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func splitWords(seg, file string, line, col0 int) []sdWord {
	var out []sdWord
	for i := 0; i < len(seg); {
		if seg[i] == ' ' || seg[i] == '\t' {
			i++
			continue
		}
		j := i
		for j < len(seg) && seg[j] != ' ' && seg[j] != '\t' {
			j++
		}
		out = append(out, sdWord{seg[i:j], policy.Pos{File: file, Line: line, Col: col0 + i}})
		i = j
	}
	return out
}

// filter applies one SystemCallFilter= assignment.
func (s *systemd) filter(words []sdWord, keyPos policy.Pos) error {
	if len(words) == 0 {
		s.mode, s.set = 0, map[string]*seccomp.Action{}
		return nil
	}
	s.sawAny = true
	invert := false
	if strings.HasPrefix(words[0].text, "~") {
		invert = true
		words[0].text = words[0].text[1:]
		words[0].pos.Col++
		if words[0].text == "" {
			words = words[1:]
		}
	}
	if s.mode == 0 {
		s.firstPos = keyPos
		if invert {
			s.mode = -1
		} else {
			s.mode = +1
			def, _ := syscalls.Group("@default")
			for _, n := range def {
				s.set[n] = nil
			}
		}
	}
	// add: the entry joins the set; otherwise it leaves it.
	add := (s.mode == +1) != invert
	for _, w := range words {
		if strings.HasPrefix(w.text, "~") {
			return s.src.errorf(w.pos, "'~' inverts a whole SystemCallFilter= line; put %s on its own ~ line", w.text)
		}
		nameText, errText, hasErrno := strings.Cut(w.text, ":")
		var override *seccomp.Action
		if hasErrno {
			errPos := w.pos
			errPos.Col += len(nameText) + 1
			a, err := s.parseErrno(errText, errPos)
			if err != nil {
				return err
			}
			if !add || s.mode != -1 {
				s.warnf(errPos, "an errno after ':' only applies to denied calls; %s is ignored here", errText)
			} else {
				override = &a
			}
		}
		var names []string
		if strings.HasPrefix(nameText, "@") {
			g, ok := syscalls.Group(nameText)
			if !ok {
				e := s.src.errorf(w.pos, "unknown syscall group %s", nameText)
				e.Suggest = suggestion(nameText, syscalls.GroupNames())
				return e
			}
			names = g
		} else {
			if !syscalls.Known(nameText) {
				s.warnf(w.pos, "unknown syscall %q is skipped (as systemd does)", nameText)
				continue
			}
			names = []string{nameText}
		}
		for _, n := range names {
			if add {
				s.set[n] = override
			} else {
				delete(s.set, n)
			}
		}
	}
	return nil
}

// parseErrno reads an errno name or number, or kill / log (systemd 253+).
func (s *systemd) parseErrno(text string, pos policy.Pos) (seccomp.Action, error) {
	switch text {
	case "kill":
		return seccomp.KillProcess, nil
	case "log":
		return seccomp.Log, nil
	}
	if v, ok := syscalls.ErrnoValue(text); ok {
		return seccomp.Errno(v), nil
	}
	if n, err := strconv.ParseUint(text, 10, 32); err == nil && n <= seccomp.MaxErrno {
		return seccomp.Errno(uint16(n)), nil
	}
	e := s.src.errorf(pos, "invalid errno %q (a name such as EPERM, a number 0..%d, kill or log)", text, seccomp.MaxErrno)
	e.Suggest = suggestion(text, syscalls.ErrnoNames())
	return seccomp.Action{}, e
}

func (s *systemd) errnoNumber(words []sdWord, keyPos policy.Pos) error {
	if len(words) == 0 {
		s.errno = nil
		return nil
	}
	if len(words) > 1 {
		return s.src.errorf(words[1].pos, "SystemCallErrorNumber= takes one value")
	}
	a, err := s.parseErrno(words[0].text, words[0].pos)
	if err != nil {
		return err
	}
	s.errno = &a
	return nil
}

var systemdArches = map[string]syscalls.Arch{
	"x86-64": syscalls.ArchX86_64, "x86": syscalls.ArchI386, "x32": syscalls.ArchX32,
	"arm64": syscalls.ArchAArch64, "arm": syscalls.ArchARM, "riscv64": syscalls.ArchRISCV64,
	"native": syscalls.Native,
}

func (s *systemd) architectures(words []sdWord) {
	if len(words) == 0 {
		s.arches, s.archSet = nil, false
		return
	}
	s.archSet = true
	for _, w := range words {
		a, ok := systemdArches[w.text]
		if !ok {
			s.warnf(w.pos, "architecture %q has no ringfence tables and is not admitted", w.text)
			continue
		}
		dup := false
		for _, x := range s.arches {
			dup = dup || x == a
		}
		if !dup {
			s.arches = append(s.arches, a)
		}
	}
}

func (s *systemd) log(words []sdWord, keyPos policy.Pos) error {
	if len(words) == 0 {
		s.logs = map[string]bool{}
		return nil
	}
	if strings.HasPrefix(words[0].text, "~") {
		s.warnf(keyPos, "SystemCallLog=~ (log every call but these) is not imported: nothing is logged")
		return nil
	}
	for _, w := range words {
		if strings.HasPrefix(w.text, "@") {
			g, ok := syscalls.Group(w.text)
			if !ok {
				e := s.src.errorf(w.pos, "unknown syscall group %s", w.text)
				e.Suggest = suggestion(w.text, syscalls.GroupNames())
				return e
			}
			for _, n := range g {
				s.logs[n] = true
			}
			continue
		}
		if !syscalls.Known(w.text) {
			s.warnf(w.pos, "unknown syscall %q is skipped (as systemd does)", w.text)
			continue
		}
		s.logs[w.text] = true
	}
	return nil
}

func (s *systemd) policy(name string) *seccomp.Policy {
	p := &seccomp.Policy{Default: seccomp.Allow}
	if s.archSet {
		p.Arches = s.arches
		if len(p.Arches) == 0 {
			p.Arches = []syscalls.Arch{syscalls.Native}
		}
	} else {
		p.Arches = append([]syscalls.Arch{syscalls.Native}, syscalls.Native.CompanionArches()...)
	}
	deny := seccomp.KillProcess
	if s.errno != nil {
		deny = *s.errno
	}
	src := s.firstPos.String()
	names := make([]string, 0, len(s.set))
	for n := range s.set {
		names = append(names, n)
	}
	sort.Strings(names)
	switch s.mode {
	case 0:
		if !s.sawAny {
			s.warnf(policy.Pos{File: name, Line: 1, Col: 1}, "no SystemCallFilter= line: every call is allowed")
		}
	case +1:
		p.Default = deny
		for _, n := range names {
			p.Rules = append(p.Rules, seccomp.Rule{Syscall: n, Action: seccomp.Allow, Source: src})
		}
	case -1:
		for _, n := range names {
			a := deny
			if o := s.set[n]; o != nil {
				a = *o
			}
			p.Rules = append(p.Rules, seccomp.Rule{Syscall: n, Action: a, Source: src})
		}
	}
	logs := make([]string, 0, len(s.logs))
	for n := range s.logs {
		logs = append(logs, n)
	}
	sort.Strings(logs)
	for _, n := range logs {
		p.Rules = append(p.Rules, seccomp.Rule{Syscall: n, Action: seccomp.Log, Source: src})
	}
	return p
}
