package recipe

import (
	"fmt"
	"regexp"
	"strings"
)

// A search query is the subset of Lucene's syntax Chef's search takes:
//
//	field:value            the field has the value; a value may hold the
//	                       globs * and ?, "a quoted value" is literal
//	field:*                the field has any value
//	*:*                    everything
//	a AND b, a && b        both
//	a OR b, a || b         either
//	NOT a, !a, -a          not a (+a is a)
//	( ... )                grouping; field:(a OR b) gives a field to bare values
//
// Operators are upper case, as in Lucene; NOT binds tightest, then AND,
// then OR. A backslash escapes the character after it (recipe:apache2\:\:ssl).
// Ranges ([a TO b]), fuzzy (~) and boosts (^) are not supported.

// queryNode is a parsed query.
type queryNode interface {
	match(f searchFields) bool
}

// searchFields are what a query matches against: a field's values as text.
type searchFields map[string][]string

type (
	queryAll  struct{}
	queryNot  struct{ x queryNode }
	queryAnd  struct{ l, r queryNode }
	queryOr   struct{ l, r queryNode }
	queryTerm struct {
		field string
		any   bool           // field:* (the field has a value)
		re    *regexp.Regexp // the value, anchored
	}
)

func (queryAll) match(searchFields) bool     { return true }
func (q queryNot) match(f searchFields) bool { return !q.x.match(f) }
func (q queryAnd) match(f searchFields) bool { return q.l.match(f) && q.r.match(f) }
func (q queryOr) match(f searchFields) bool  { return q.l.match(f) || q.r.match(f) }

func (q queryTerm) match(f searchFields) bool {
	vals := f[q.field]
	if q.any {
		return len(vals) > 0
	}
	for _, v := range vals {
		if q.re.MatchString(v) {
			return true
		}
	}
	return false
}

// queryHelp says what a query is, for an error about one.
const queryHelp = `a query is field:value terms joined with AND, OR, NOT and parentheses, for example "role:web AND chef_environment:prod"; values may hold * and ?, "quoted values" are literal, and "*:*" matches everything`

// parseQuery reads a search query.
func parseQuery(text string) (queryNode, error) {
	p := &queryParser{src: text}
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf(`the query is empty; use "*:*" for everything`)
	}
	q, err := p.or("")
	if err != nil {
		return nil, err
	}
	p.blanks()
	if p.pos < len(p.src) {
		if p.src[p.pos] == ')' {
			return nil, fmt.Errorf("a ')' at column %d closes no '('", p.pos+1)
		}
		return nil, fmt.Errorf("unexpected %q at column %d", p.rest(), p.pos+1)
	}
	return q, nil
}

type queryParser struct {
	src string
	pos int
}

func (p *queryParser) blanks() {
	for p.pos < len(p.src) && strings.ContainsRune(" \t\r\n", rune(p.src[p.pos])) {
		p.pos++
	}
}

// rest is the text left, shortened for an error.
func (p *queryParser) rest() string {
	s := p.src[p.pos:]
	if len(s) > 20 {
		s = s[:20] + "..."
	}
	return s
}

// keyword reports whether the operator op is next (a word operator must
// end there), and consumes it.
func (p *queryParser) keyword(ops ...string) bool {
	p.blanks()
	for _, op := range ops {
		if !strings.HasPrefix(p.src[p.pos:], op) {
			continue
		}
		end := p.pos + len(op)
		if op[0] >= 'A' && op[0] <= 'Z' && end < len(p.src) && !strings.ContainsRune(" \t\r\n()", rune(p.src[end])) {
			continue
		}
		p.pos = end
		return true
	}
	return false
}

// or is a OR b ...; field is the field bare values take inside
// field:( ... ), "" elsewhere.
func (p *queryParser) or(field string) (queryNode, error) {
	l, err := p.and(field)
	if err != nil {
		return nil, err
	}
	for p.keyword("OR", "||") {
		r, err := p.and(field)
		if err != nil {
			return nil, err
		}
		l = queryOr{l, r}
	}
	return l, nil
}

func (p *queryParser) and(field string) (queryNode, error) {
	l, err := p.unary(field)
	if err != nil {
		return nil, err
	}
	for {
		if p.keyword("AND", "&&") {
			r, err := p.unary(field)
			if err != nil {
				return nil, err
			}
			l = queryAnd{l, r}
			continue
		}
		p.blanks()
		if p.pos < len(p.src) && p.src[p.pos] != ')' && !p.atKeyword("OR", "||") {
			return nil, fmt.Errorf("%q at column %d follows a term without AND or OR; join terms with AND or OR", p.rest(), p.pos+1)
		}
		return l, nil
	}
}

func (p *queryParser) atKeyword(ops ...string) bool {
	save := p.pos
	ok := p.keyword(ops...)
	p.pos = save
	return ok
}

func (p *queryParser) unary(field string) (queryNode, error) {
	p.blanks()
	if p.pos >= len(p.src) {
		return nil, fmt.Errorf("the query ends where a term is wanted (after an AND, OR or NOT?)")
	}
	if p.keyword("NOT") || p.keyword("!") || p.keyword("-") {
		x, err := p.unary(field)
		if err != nil {
			return nil, err
		}
		return queryNot{x}, nil
	}
	if p.keyword("+") {
		return p.unary(field)
	}
	if p.atKeyword("AND", "OR", "&&", "||") {
		return nil, fmt.Errorf("%q at column %d has no term before it", p.rest(), p.pos+1)
	}
	if p.src[p.pos] == '(' {
		return p.group(field)
	}
	return p.term(field)
}

// group is ( ... ) at p.pos, its terms of field when they name none.
func (p *queryParser) group(field string) (queryNode, error) {
	open := p.pos
	p.pos++
	x, err := p.or(field)
	if err != nil {
		return nil, err
	}
	p.blanks()
	if p.pos >= len(p.src) || p.src[p.pos] != ')' {
		return nil, fmt.Errorf("the '(' at column %d is not closed; add a ')'", open+1)
	}
	p.pos++
	return x, nil
}

// term is field:value, or a bare value inside field:( ... ).
func (p *queryParser) term(field string) (queryNode, error) {
	start := p.pos
	name, err := p.word(true)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.src) && p.src[p.pos] == ':' {
		p.pos++
		if name.text == "" {
			return nil, fmt.Errorf("the ':' at column %d has no field before it", p.pos)
		}
		if name.glob && name.text == "*" && strings.HasPrefix(p.src[p.pos:], "*") && p.endsAt(p.pos+1) {
			p.pos++
			return queryAll{}, nil
		}
		if name.glob {
			return nil, fmt.Errorf("field %q holds a glob; only values may hold * and ?", name.text)
		}
		if p.pos < len(p.src) && p.src[p.pos] == '(' {
			return p.group(name.text)
		}
		return p.value(name.text)
	}
	if field == "" {
		return nil, fmt.Errorf("%q at column %d has no field; write field:value, for example name:%s (or \"*:*\" for everything)", p.src[start:p.pos], start+1, p.src[start:p.pos])
	}
	p.pos = start
	return p.value(field)
}

// endsAt reports whether a term ends at i.
func (p *queryParser) endsAt(i int) bool {
	return i >= len(p.src) || strings.ContainsRune(" \t\r\n)", rune(p.src[i]))
}

func (p *queryParser) value(field string) (queryNode, error) {
	if p.pos >= len(p.src) || strings.ContainsRune(" \t\r\n)", rune(p.src[p.pos])) {
		return nil, fmt.Errorf("%s: has no value; write %s:VALUE (%s:* for any value)", field, field, field)
	}
	switch p.src[p.pos] {
	case '[', '{':
		return nil, fmt.Errorf("%s:%s: ranges are not supported; match values with globs (%s:1*) or list them with OR", field, p.rest(), field)
	}
	v, err := p.word(false)
	if err != nil {
		return nil, err
	}
	if v.glob && v.re == ".*" {
		return queryTerm{field: field, any: true}, nil
	}
	return queryTerm{field: field, re: regexp.MustCompile(`^(?s:` + v.re + `)$`)}, nil
}

// word is a run of characters up to a blank, a parenthesis or (in a
// field) a ':'; a quoted part is literal, a backslash escapes one
// character, and * and ? elsewhere are globs.
type queryWord struct {
	text string // unescaped
	re   string // as a regular expression
	glob bool
}

func (p *queryParser) word(isField bool) (queryWord, error) {
	var w queryWord
	var text, re strings.Builder
	for p.pos < len(p.src) {
		ch := p.src[p.pos]
		switch {
		case strings.ContainsRune(" \t\r\n()", rune(ch)):
			w.text, w.re = text.String(), re.String()
			return w, nil
		case ch == ':' && isField:
			w.text, w.re = text.String(), re.String()
			return w, nil
		case ch == '\\':
			if p.pos+1 >= len(p.src) {
				return w, fmt.Errorf("the query ends with a '\\' that escapes nothing")
			}
			c := p.src[p.pos+1 : p.pos+2]
			text.WriteString(c)
			re.WriteString(regexp.QuoteMeta(c))
			p.pos += 2
		case ch == '"':
			end := p.pos + 1
			var lit strings.Builder
			for end < len(p.src) && p.src[end] != '"' {
				if p.src[end] == '\\' && end+1 < len(p.src) {
					end++
				}
				lit.WriteByte(p.src[end])
				end++
			}
			if end >= len(p.src) {
				return w, fmt.Errorf("the quote at column %d is not closed; add a '\"'", p.pos+1)
			}
			text.WriteString(lit.String())
			re.WriteString(regexp.QuoteMeta(lit.String()))
			p.pos = end + 1
		case ch == '*':
			w.glob = true
			text.WriteByte(ch)
			re.WriteString(".*")
			p.pos++
		case ch == '?':
			w.glob = true
			text.WriteByte(ch)
			re.WriteString(".")
			p.pos++
		case ch == '~' || ch == '^':
			return w, fmt.Errorf("%q at column %d: fuzzy (~) and boosted (^) terms are not supported", p.rest(), p.pos+1)
		default:
			text.WriteByte(ch)
			re.WriteString(regexp.QuoteMeta(string(ch)))
			p.pos++
		}
	}
	w.text, w.re = text.String(), re.String()
	return w, nil
}
