package rb

import (
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"

	"github.com/converge-cm/converge/engine/keyorder"
)

// Funcs returns the rb_ functions, for template.Template.Funcs. Hashes
// the templates make (rb_hash) walk in sorted order; see Bind.
func Funcs() template.FuncMap {
	return funcs(nil)
}

// Bind returns the functions that make hashes, recording their key order
// in ord, for one render: t.Funcs(Bind(ord)) after t.Funcs(Funcs()).
// ord must be in use (keyorder.Use) while the template executes.
func Bind(ord *keyorder.Table) template.FuncMap {
	return template.FuncMap{"rb_hash": rbHash(ord)}
}

func funcs(ord *keyorder.Table) template.FuncMap {
	return template.FuncMap{
		"rb_to_s":     rbToS,
		"rb_inspect":  rbInspect,
		"rb_truthy":   rbTruthy,
		"rb_nil":      func() any { return nil },
		"rb_str":      rbStr,
		"rb_eq":       func(a, b any) bool { return rbEq(a, b) },
		"rb_ne":       func(a, b any) bool { return !rbEq(a, b) },
		"rb_lt":       func(a, b any) (bool, error) { c, err := rbCmp(a, b); return c < 0, err },
		"rb_le":       func(a, b any) (bool, error) { c, err := rbCmp(a, b); return c <= 0, err },
		"rb_gt":       func(a, b any) (bool, error) { c, err := rbCmp(a, b); return c > 0, err },
		"rb_ge":       func(a, b any) (bool, error) { c, err := rbCmp(a, b); return c >= 0, err },
		"rb_and":      func(a, b any) any { return pick(rbTruthy(a), b, a) },
		"rb_or":       func(a, b any) any { return pick(rbTruthy(a), a, b) },
		"rb_if":       func(c, a, b any) any { return pick(rbTruthy(c), a, b) },
		"rb_add":      rbAdd,
		"rb_sub":      rbSub,
		"rb_mul":      rbMul,
		"rb_div":      rbDiv,
		"rb_mod":      rbMod,
		"rb_index":    rbIndex,
		"rb_list":     func(xs ...any) []any { return append([]any{}, xs...) },
		"rb_hash":     rbHash(ord),
		"rb_each":     rbEach,
		"rb_array":    rbArray,
		"rb_join":     rbJoin,
		"rb_upcase":   strFunc("upcase", strings.ToUpper),
		"rb_downcase": strFunc("downcase", strings.ToLower),
		"rb_capitalize": strFunc("capitalize", func(s string) string {
			r, n := utf8.DecodeRuneInString(s)
			if n == 0 {
				return s
			}
			return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
		}),
		"rb_strip":        strFunc("strip", func(s string) string { return strings.Trim(s, rubySpace) }),
		"rb_lstrip":       strFunc("lstrip", func(s string) string { return strings.TrimLeft(s, rubySpace) }),
		"rb_rstrip":       strFunc("rstrip", func(s string) string { return strings.TrimRight(s, rubySpace) }),
		"rb_chomp":        strFunc("chomp", rbChomp),
		"rb_length":       rbLength,
		"rb_first":        func(v any) (any, error) { return rbIndex(v, int64(0)) },
		"rb_last":         func(v any) (any, error) { return rbIndex(v, int64(-1)) },
		"rb_is_empty":     rbIsEmpty,
		"rb_is_nil":       func(v any) bool { return v == nil },
		"rb_is_zero":      rbIsZero,
		"rb_nil_or_empty": rbNilOrEmpty,
		"rb_includes":     rbIncludes,
		"rb_to_i":         rbToI,
		"rb_to_f":         rbToF,
		"rb_keys":         rbKeys,
		"rb_values":       rbValues,
		"rb_sort":         rbSort,
		"rb_reverse":      rbReverse,
		"rb_uniq":         rbUniq,
		"rb_compact":      rbCompact,
		"rb_flatten":      rbFlatten,
		"rb_sort_by":      rbSortBy,
		"rb_sort_by_keys": rbSortByKeys,
		"rb_format":       rbFormat,
		"rb_ljust":        rbJustify("ljust"),
		"rb_rjust":        rbJustify("rjust"),
		"rb_center":       rbJustify("center"),
		"rb_any":          rbAny,
		"rb_is_a":         rbIsA,
		"rb_block_each":   rbBlockEach,
		"rb_push":         rbPush,
		"rb_format_op":    rbFormatOp,
		"rb_escape_xml":   rbEscapeXML,
		"rb_min":          func(v any) (any, error) { return rbMinMax(v, -1) },
		"rb_max":          func(v any) (any, error) { return rbMinMax(v, 1) },
		"rb_split":        rbSplit,
		"rb_gsub":         rbGsub,
		"rb_sub_first":    rbSubFirst,
		"rb_start_with":   func(s, p any) (bool, error) { return strPred("start_with?", s, p, strings.HasPrefix) },
		"rb_end_with":     func(s, p any) (bool, error) { return strPred("end_with?", s, p, strings.HasSuffix) },
		"rb_fetch":        rbFetch,
		"rb_range":        rbRange,
		"rb_not":          func(v any) bool { return !rbTruthy(v) },
		"rb_match":        rbMatch,
		"rb_re_gsub":      rbReSub("gsub", true),
		"rb_re_sub":       rbReSub("sub", false),
		"rb_re_split":     rbReSplit,
		"rb_scan":         rbScan,
	}
}
