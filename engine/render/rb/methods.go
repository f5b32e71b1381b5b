package rb

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/converge-cm/converge/engine/keyorder"
)

const rubySpace = " \t\n\v\f\r\x00"

func pick(c bool, a, b any) any {
	if c {
		return a
	}
	return b
}

func rbStr(parts ...any) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(rbToS(p))
	}
	return b.String()
}

func rbEq(a, b any) bool {
	a, b = norm(a), norm(b)
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y
		}
		return false
	case float64:
		switch y := b.(type) {
		case int64:
			return x == float64(y)
		case float64:
			return x == y
		}
		return false
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !rbEq(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !rbEq(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

func rbCmp(a, b any) (int, error) {
	a, b = norm(a), norm(b)
	fa, aNum := num(a)
	fb, bNum := num(b)
	if aNum && bNum {
		if ia, ok := a.(int64); ok {
			if ib, ok := b.(int64); ok {
				return cmp3(ia < ib, ia > ib), nil
			}
		}
		return cmp3(fa < fb, fa > fb), nil
	}
	if sa, ok := a.(string); ok {
		if sb, ok := b.(string); ok {
			return strings.Compare(sa, sb), nil
		}
	}
	if la, ok := a.([]any); ok {
		if lb, ok := b.([]any); ok {
			for i := 0; i < len(la) && i < len(lb); i++ {
				c, err := rbCmp(la[i], lb[i])
				if err != nil || c != 0 {
					return c, err
				}
			}
			return cmp3(len(la) < len(lb), len(la) > len(lb)), nil
		}
	}
	return 0, fmt.Errorf("comparison of %s with %s failed", typeName(a), rbInspect(b))
}

func cmp3(lt, gt bool) int {
	switch {
	case lt:
		return -1
	case gt:
		return 1
	}
	return 0
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func arith(op string, a, b any, ints func(x, y int64) (any, error), floats func(x, y float64) any) (any, error) {
	a, b = norm(a), norm(b)
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			return ints(x, y)
		}
	}
	fa, aNum := num(a)
	fb, bNum := num(b)
	if aNum && bNum {
		return floats(fa, fb), nil
	}
	return nil, fmt.Errorf("undefined method '%s' for %s with %s", op, typeName(a), typeName(b))
}

func rbAdd(a, b any) (any, error) {
	switch x := norm(a).(type) {
	case string:
		y, ok := norm(b).(string)
		if !ok {
			return nil, fmt.Errorf("no implicit conversion of %s into String", typeName(b))
		}
		return x + y, nil
	case []any:
		y, ok := norm(b).([]any)
		if !ok {
			return nil, fmt.Errorf("no implicit conversion of %s into Array", typeName(b))
		}
		return append(append([]any{}, x...), y...), nil
	}
	return arith("+", a, b, func(x, y int64) (any, error) { return x + y, nil }, func(x, y float64) any { return x + y })
}

func rbSub(a, b any) (any, error) {
	if x, ok := norm(a).([]any); ok {
		y, ok := norm(b).([]any)
		if !ok {
			return nil, fmt.Errorf("no implicit conversion of %s into Array", typeName(b))
		}
		var out []any
	outer:
		for _, el := range x {
			for _, d := range y {
				if rbEq(el, d) {
					continue outer
				}
			}
			out = append(out, el)
		}
		return append([]any{}, out...), nil
	}
	return arith("-", a, b, func(x, y int64) (any, error) { return x - y, nil }, func(x, y float64) any { return x - y })
}

func rbMul(a, b any) (any, error) {
	switch x := norm(a).(type) {
	case string:
		n, ok := norm(b).(int64)
		if !ok || n < 0 || n > 1<<20 {
			return nil, fmt.Errorf("String * %s: want a small non-negative Integer", typeName(b))
		}
		return strings.Repeat(x, int(n)), nil
	case []any:
		if sep, ok := norm(b).(string); ok {
			return rbJoin(x, sep)
		}
		n, ok := norm(b).(int64)
		if !ok || n < 0 || n > 1<<20 {
			return nil, fmt.Errorf("Array * %s: want a small non-negative Integer", typeName(b))
		}
		out := []any{}
		for i := int64(0); i < n; i++ {
			out = append(out, x...)
		}
		return out, nil
	}
	return arith("*", a, b, func(x, y int64) (any, error) { return x * y, nil }, func(x, y float64) any { return x * y })
}

func rbDiv(a, b any) (any, error) {
	return arith("/", a, b, func(x, y int64) (any, error) {
		if y == 0 {
			return nil, fmt.Errorf("divided by 0")
		}
		q := x / y
		if (x%y != 0) && ((x < 0) != (y < 0)) {
			q--
		}
		return q, nil
	}, func(x, y float64) any { return x / y })
}

func rbMod(a, b any) (any, error) {
	return arith("%", a, b, func(x, y int64) (any, error) {
		if y == 0 {
			return nil, fmt.Errorf("divided by 0")
		}
		m := x % y
		if m != 0 && ((m < 0) != (y < 0)) {
			m += y
		}
		return m, nil
	}, func(x, y float64) any {
		m := math.Mod(x, y)
		if m != 0 && ((m < 0) != (y < 0)) {
			m += y
		}
		return m
	})
}

// rbIndex is Ruby's [] on arrays (negative indexes, nil when out of
// range), hashes (nil when missing) and strings (one character).
func rbIndex(v, k any) (any, error) {
	switch x := norm(v).(type) {
	case []any:
		i, ok := norm(k).(int64)
		if !ok {
			return nil, fmt.Errorf("no implicit conversion of %s into Integer", typeName(k))
		}
		if i < 0 {
			i += int64(len(x))
		}
		if i < 0 || i >= int64(len(x)) {
			return nil, nil
		}
		return x[i], nil
	case map[string]any:
		return x[rbToS(k)], nil
	case string:
		i, ok := norm(k).(int64)
		if !ok {
			return nil, fmt.Errorf("no implicit conversion of %s into Integer", typeName(k))
		}
		r := []rune(x)
		if i < 0 {
			i += int64(len(r))
		}
		if i < 0 || i >= int64(len(r)) {
			return nil, nil
		}
		return string(r[i]), nil
	case nil:
		return nil, fmt.Errorf("undefined method '[]' for nil")
	}
	return nil, fmt.Errorf("undefined method '[]' for %s", typeName(v))
}

// rbHash is a Hash literal, {k1 => v1, k2 => v2}: its key order, the
// order the pairs are written in, is recorded in ord.
func rbHash(ord *keyorder.Table) func(kv ...any) (map[string]any, error) {
	return func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("rb_hash: odd number of arguments; this is a bug in converge")
		}
		m := make(map[string]any, len(kv)/2)
		keys := make([]string, 0, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k := rbToS(kv[i])
			if _, dup := m[k]; !dup {
				keys = append(keys, k)
			}
			m[k] = kv[i+1]
		}
		ord.Set(m, keys)
		return m, nil
	}
}

// rbEach is what Ruby's each walks: the elements of an array, or the
// [key, value] pairs of a hash (in insertion order, see the package doc).
func rbEach(v any) ([]any, error) {
	switch x := norm(v).(type) {
	case []any:
		return x, nil
	case map[string]any:
		out := make([]any, 0, len(x))
		for _, k := range keyorder.Keys(x) {
			out = append(out, []any{k, x[k]})
		}
		return out, nil
	}
	return nil, fmt.Errorf("undefined method 'each' for %s", typeName(v))
}

// rbArray is Kernel#Array: nil is [], an array itself, a hash its
// [key, value] pairs, anything else a one-element array.
func rbArray(v any) []any {
	switch x := norm(v).(type) {
	case nil:
		return []any{}
	case []any, map[string]any:
		l, _ := rbEach(x)
		return l
	}
	return []any{v}
}

func list(method string, v any) ([]any, error) {
	l, ok := norm(v).([]any)
	if !ok {
		return nil, fmt.Errorf("undefined method '%s' for %s", method, typeName(v))
	}
	return l, nil
}

func rbJoin(v any, sep any) (string, error) {
	l, err := list("join", v)
	if err != nil {
		return "", err
	}
	s := ""
	if sep != nil {
		var ok bool
		if s, ok = norm(sep).(string); !ok {
			return "", fmt.Errorf("no implicit conversion of %s into String", typeName(sep))
		}
	}
	parts := make([]string, 0, len(l))
	for _, el := range l {
		if sub, ok := norm(el).([]any); ok {
			j, err := rbJoin(sub, sep)
			if err != nil {
				return "", err
			}
			parts = append(parts, j)
			continue
		}
		parts = append(parts, rbToS(el))
	}
	return strings.Join(parts, s), nil
}

func strFunc(method string, f func(string) string) func(any) (string, error) {
	return func(v any) (string, error) {
		s, ok := norm(v).(string)
		if !ok {
			return "", fmt.Errorf("undefined method '%s' for %s", method, typeName(v))
		}
		return f(s), nil
	}
}

func strPred(method string, v, p any, f func(string, string) bool) (bool, error) {
	s, ok := norm(v).(string)
	if !ok {
		return false, fmt.Errorf("undefined method '%s' for %s", method, typeName(v))
	}
	ps, ok := norm(p).(string)
	if !ok {
		return false, fmt.Errorf("no implicit conversion of %s into String", typeName(p))
	}
	return f(s, ps), nil
}

func rbChomp(s string) string {
	switch {
	case strings.HasSuffix(s, "\r\n"):
		return s[:len(s)-2]
	case strings.HasSuffix(s, "\n"), strings.HasSuffix(s, "\r"):
		return s[:len(s)-1]
	}
	return s
}

func rbLength(v any) (int64, error) {
	switch x := norm(v).(type) {
	case string:
		return int64(utf8.RuneCountInString(x)), nil
	case []any:
		return int64(len(x)), nil
	case map[string]any:
		return int64(len(x)), nil
	}
	return 0, fmt.Errorf("undefined method 'length' for %s", typeName(v))
}

func rbIsEmpty(v any) (bool, error) {
	switch x := norm(v).(type) {
	case string:
		return x == "", nil
	case []any:
		return len(x) == 0, nil
	case map[string]any:
		return len(x) == 0, nil
	}
	return false, fmt.Errorf("undefined method 'empty?' for %s", typeName(v))
}

func rbIncludes(v, x any) (bool, error) {
	switch c := norm(v).(type) {
	case string:
		s, ok := norm(x).(string)
		if !ok {
			return false, fmt.Errorf("no implicit conversion of %s into String", typeName(x))
		}
		return strings.Contains(c, s), nil
	case []any:
		for _, el := range c {
			if rbEq(el, x) {
				return true, nil
			}
		}
		return false, nil
	case map[string]any:
		_, ok := c[rbToS(x)]
		return ok, nil
	}
	return false, fmt.Errorf("undefined method 'include?' for %s", typeName(v))
}

// rbToI is Ruby's to_i: leading digits of a string ("7.1.1503" is 7), 0
// when there are none.
func rbToI(v any) (int64, error) {
	switch x := norm(v).(type) {
	case nil:
		return 0, nil
	case int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%s out of range of integer", rubyFloat(x))
		}
		return int64(x), nil
	case string:
		s := strings.TrimLeft(x, rubySpace)
		neg := false
		if s != "" && (s[0] == '-' || s[0] == '+') {
			neg = s[0] == '-'
			s = s[1:]
		}
		var n int64
		prevDigit := false
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= '0' && c <= '9' {
				n = n*10 + int64(c-'0')
				prevDigit = true
				continue
			}
			if c == '_' && prevDigit && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				continue
			}
			break
		}
		if neg {
			n = -n
		}
		return n, nil
	}
	return 0, fmt.Errorf("undefined method 'to_i' for %s", typeName(v))
}

func rbToF(v any) (float64, error) {
	switch x := norm(v).(type) {
	case nil:
		return 0, nil
	case int64:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		s := strings.TrimLeft(x, rubySpace)
		end := 0
		seenDot, seenE, seenDigit := false, false, false
		for end < len(s) {
			c := s[end]
			switch {
			case c >= '0' && c <= '9':
				seenDigit = true
			case (c == '+' || c == '-') && (end == 0 || s[end-1] == 'e' || s[end-1] == 'E'):
			case c == '.' && !seenDot && !seenE && end+1 < len(s) && s[end+1] >= '0' && s[end+1] <= '9':
				seenDot = true
			case (c == 'e' || c == 'E') && seenDigit && !seenE:
				seenE = true
			default:
				goto done
			}
			end++
		}
	done:
		for end > 0 {
			if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
				return f, nil
			}
			end--
		}
		return 0, nil
	}
	return 0, fmt.Errorf("undefined method 'to_f' for %s", typeName(v))
}

func hashOf(method string, v any) (map[string]any, error) {
	m, ok := norm(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("undefined method '%s' for %s", method, typeName(v))
	}
	return m, nil
}

func rbKeys(v any) ([]any, error) {
	m, err := hashOf("keys", v)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, k := range keyorder.Keys(m) {
		out = append(out, k)
	}
	return out, nil
}

func rbValues(v any) ([]any, error) {
	m, err := hashOf("values", v)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, k := range keyorder.Keys(m) {
		out = append(out, m[k])
	}
	return out, nil
}

// rbSort sorts an array, or a hash into its [key, value] pairs.
func rbSort(v any) ([]any, error) {
	l, err := rbEach(v)
	if err != nil {
		return nil, fmt.Errorf("undefined method 'sort' for %s", typeName(v))
	}
	out := append([]any{}, l...)
	var cmpErr error
	sort.SliceStable(out, func(i, j int) bool {
		c, err := rbCmp(out[i], out[j])
		if err != nil && cmpErr == nil {
			cmpErr = err
		}
		return c < 0
	})
	return out, cmpErr
}

func rbReverse(v any) (any, error) {
	switch x := norm(v).(type) {
	case string:
		r := []rune(x)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r), nil
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[len(x)-1-i] = el
		}
		return out, nil
	}
	return nil, fmt.Errorf("undefined method 'reverse' for %s", typeName(v))
}

func rbUniq(v any) ([]any, error) {
	l, err := list("uniq", v)
	if err != nil {
		return nil, err
	}
	out := []any{}
outer:
	for _, el := range l {
		for _, o := range out {
			if rbEq(el, o) {
				continue outer
			}
		}
		out = append(out, el)
	}
	return out, nil
}

func rbCompact(v any) ([]any, error) {
	l, err := list("compact", v)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, el := range l {
		if norm(el) != nil {
			out = append(out, el)
		}
	}
	return out, nil
}

func flatten(l []any) []any {
	out := []any{}
	for _, el := range l {
		if sub, ok := norm(el).([]any); ok {
			out = append(out, flatten(sub)...)
			continue
		}
		out = append(out, el)
	}
	return out
}

func rbMinMax(v any, dir int) (any, error) {
	l, err := list(map[int]string{-1: "min", 1: "max"}[dir], v)
	if err != nil || len(l) == 0 {
		return nil, err
	}
	best := l[0]
	for _, el := range l[1:] {
		c, err := rbCmp(el, best)
		if err != nil {
			return nil, err
		}
		if c*dir > 0 {
			best = el
		}
	}
	return best, nil
}

// rbSplit is Ruby's String#split with a string separator: a single space
// (or none) splits on runs of whitespace, and trailing empty fields go.
func rbSplit(v any, sep any) ([]any, error) {
	s, ok := norm(v).(string)
	if !ok {
		return nil, fmt.Errorf("undefined method 'split' for %s", typeName(v))
	}
	var parts []string
	sp, isStr := norm(sep).(string)
	switch {
	case sep == nil || (isStr && sp == " "):
		parts = strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(" \t\n\v\f\r\x00", r) })
	case !isStr:
		return nil, fmt.Errorf("wrong argument type %s (expected Regexp)", typeName(sep))
	case sp == "":
		for _, r := range s {
			parts = append(parts, string(r))
		}
	default:
		parts = strings.Split(s, sp)
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func rbGsub(v, pat, rep any) (string, error) {
	s, ok1 := norm(v).(string)
	p, ok2 := norm(pat).(string)
	r, ok3 := norm(rep).(string)
	if !ok1 || !ok2 || !ok3 {
		return "", fmt.Errorf("gsub: want strings, got %s, %s, %s", typeName(v), typeName(pat), typeName(rep))
	}
	return strings.ReplaceAll(s, p, r), nil
}

func rbSubFirst(v, pat, rep any) (string, error) {
	s, ok1 := norm(v).(string)
	p, ok2 := norm(pat).(string)
	r, ok3 := norm(rep).(string)
	if !ok1 || !ok2 || !ok3 {
		return "", fmt.Errorf("sub: want strings, got %s, %s, %s", typeName(v), typeName(pat), typeName(rep))
	}
	return strings.Replace(s, p, r, 1), nil
}

func rbFetch(v, k any, def ...any) (any, error) {
	switch x := norm(v).(type) {
	case map[string]any:
		if val, ok := x[rbToS(k)]; ok {
			return val, nil
		}
	case []any:
		i, ok := norm(k).(int64)
		if ok {
			if i < 0 {
				i += int64(len(x))
			}
			if i >= 0 && i < int64(len(x)) {
				return x[i], nil
			}
		}
	default:
		return nil, fmt.Errorf("undefined method 'fetch' for %s", typeName(v))
	}
	if len(def) > 0 {
		return def[0], nil
	}
	return nil, fmt.Errorf("key not found: %s", rbInspect(k))
}

func rbRange(lo, hi any, excl bool) ([]any, error) {
	a, ok1 := norm(lo).(int64)
	b, ok2 := norm(hi).(int64)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("can't iterate from %s", typeName(lo))
	}
	if excl {
		b--
	}
	if b-a > 1<<20 {
		return nil, fmt.Errorf("range %d..%d too large", a, b)
	}
	out := []any{}
	for i := a; i <= b; i++ {
		out = append(out, i)
	}
	return out, nil
}

// rbIsZero is Integer#zero? and Float#zero?.
func rbIsZero(v any) (bool, error) {
	switch x := norm(v).(type) {
	case int64:
		return x == 0, nil
	case float64:
		return x == 0, nil
	}
	return false, fmt.Errorf("undefined method 'zero?' for %s", typeName(v))
}

// rbNilOrEmpty is the nil_or_empty?(v, ...) helper cookbooks use (and
// the v.nil_or_empty? form Chef's core extensions add): whether any v
// is nil or an empty String, Array or Hash; other values are not empty.
func rbNilOrEmpty(vs ...any) bool {
	for _, v := range vs {
		if v == nil {
			return true
		}
		switch x := norm(v).(type) {
		case nil:
			return true
		case string:
			if x == "" {
				return true
			}
		case []any:
			if len(x) == 0 {
				return true
			}
		case map[string]any:
			if len(x) == 0 {
				return true
			}
		}
	}
	return false
}
