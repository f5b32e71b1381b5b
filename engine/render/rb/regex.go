package rb

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// The regular expression functions take the pattern in RE2 syntax, as
// engine/migrate writes a template's Ruby regexp literal in it; they give
// Ruby's results: =~ the character offset of the match or nil, gsub's
// replacement read as Ruby reads it (\1, \0, \&, \k<name>, \` and \'),
// split without the trailing empty strings.

var (
	reMu    sync.Mutex
	reCache = map[string]*regexp.Regexp{}
)

// compiled compiles p once (templates render for every node).
func compiled(method, p string) (*regexp.Regexp, error) {
	reMu.Lock()
	defer reMu.Unlock()
	if re, ok := reCache[p]; ok {
		return re, nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("%s: bad pattern %q: %v", method, p, err)
	}
	if len(reCache) >= 256 {
		clear(reCache)
	}
	reCache[p] = re
	return re, nil
}

// reArgs checks that v is a string and compiles p.
func reArgs(method string, v any, p string) (string, *regexp.Regexp, error) {
	s, ok := norm(v).(string)
	if !ok {
		return "", nil, fmt.Errorf("undefined method '%s' for %s", method, typeName(v))
	}
	re, err := compiled(method, p)
	return s, re, err
}

// rbMatch is v =~ /p/: the character offset of the first match, or nil
// (nil =~ /p/ is nil too).
func rbMatch(v any, p string) (any, error) {
	if v == nil {
		return nil, nil
	}
	s, re, err := reArgs("=~", v, p)
	if err != nil {
		return nil, err
	}
	loc := re.FindStringIndex(s)
	if loc == nil {
		return nil, nil
	}
	return int64(utf8.RuneCountInString(s[:loc[0]])), nil
}

// rbReSub is gsub (all) or sub (count 1) with a regexp.
func rbReSub(method string, all bool) func(v any, p string, rep any) (string, error) {
	return func(v any, p string, rep any) (string, error) {
		s, re, err := reArgs(method, v, p)
		if err != nil {
			return "", err
		}
		r, ok := norm(rep).(string)
		if !ok {
			return "", fmt.Errorf("no implicit conversion of %s into String", typeName(rep))
		}
		n := 1
		if all {
			n = -1
		}
		var b strings.Builder
		last := 0
		for _, m := range re.FindAllStringSubmatchIndex(s, n) {
			b.WriteString(s[last:m[0]])
			rubyExpand(&b, r, s, m, re)
			last = m[1]
		}
		b.WriteString(s[last:])
		return b.String(), nil
	}
}

// rubyExpand writes Ruby's reading of the replacement r for the match m.
func rubyExpand(b *strings.Builder, r, s string, m []int, re *regexp.Regexp) {
	group := func(g int) {
		if g >= 0 && 2*g < len(m) && m[2*g] >= 0 {
			b.WriteString(s[m[2*g]:m[2*g+1]])
		}
	}
	for i := 0; i < len(r); i++ {
		if r[i] != '\\' || i+1 == len(r) {
			b.WriteByte(r[i])
			continue
		}
		i++
		switch c := r[i]; {
		case c >= '0' && c <= '9':
			group(int(c - '0'))
		case c == '&':
			group(0)
		case c == '`':
			b.WriteString(s[:m[0]])
		case c == '\'':
			b.WriteString(s[m[1]:])
		case c == '\\':
			b.WriteByte('\\')
		case c == 'k' && i+1 < len(r) && r[i+1] == '<' && strings.IndexByte(r[i:], '>') > 0:
			end := strings.IndexByte(r[i:], '>')
			group(re.SubexpIndex(r[i+2 : i+end]))
			i += end
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
}

// rbReSplit is split with a regexp: the groups' strings between the
// pieces, an empty match splitting after a character, no trailing empty
// strings.
func rbReSplit(v any, p string) ([]any, error) {
	s, re, err := reArgs("split", v, p)
	if err != nil {
		return nil, err
	}
	out := []any{}
	beg := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		if m[0] == m[1] && m[0] == beg {
			continue // an empty match where the piece starts
		}
		out = append(out, s[beg:m[0]])
		for g := 1; 2*g < len(m); g++ {
			if m[2*g] >= 0 {
				out = append(out, s[m[2*g]:m[2*g+1]])
			}
		}
		beg = m[1]
	}
	out = append(out, s[beg:])
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out, nil
}

// rbScan is scan: the matches, or each match's groups (nil for a group
// that did not take part) when the pattern has groups.
func rbScan(v any, p string) ([]any, error) {
	s, re, err := reArgs("scan", v, p)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		if re.NumSubexp() == 0 {
			out = append(out, s[m[0]:m[1]])
			continue
		}
		gs := make([]any, re.NumSubexp())
		for g := range gs {
			if m[2*g+2] >= 0 {
				gs[g] = s[m[2*g+2]:m[2*g+3]]
			}
		}
		out = append(out, gs)
	}
	return out, nil
}
