package rb

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/converge-cm/converge/engine/keyorder"
)

// norm brings Go values to the few types the Ruby functions know.
func norm(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, []any, map[string]any:
		return v
	case json.Number:
		// As Ruby's JSON reads it: Integer unless it has a fraction or
		// an exponent.
		if !strings.ContainsAny(string(x), ".eE") {
			if i, err := x.Int64(); err == nil {
				return i
			}
		}
		f, _ := x.Float64()
		return f
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return float64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			out[rbToS(iter.Key().Interface())] = iter.Value().Interface()
		}
		return out
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return norm(rv.Elem().Interface())
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	}
	return v
}

func rbTruthy(v any) bool {
	v = norm(v)
	return v != nil && v != false
}

func typeName(v any) string {
	switch norm(v).(type) {
	case nil:
		return "nil"
	case bool:
		return "bool"
	case int64:
		return "Integer"
	case float64:
		return "Float"
	case string:
		return "String"
	case []any:
		return "Array"
	case map[string]any:
		return "Hash"
	}
	return fmt.Sprintf("%T", v)
}

func rbToS(v any) string {
	switch x := norm(v).(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return rubyFloat(x)
	}
	return rbInspect(v)
}

// rubyFloat formats f as Ruby's Float#to_s does.
func rubyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	s := strconv.FormatFloat(math.Abs(f), 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(exp)
	decpt := e + 1
	sign := ""
	if f < 0 {
		sign = "-"
	}
	switch {
	case decpt > 0 && decpt < 16:
		if len(digits) <= decpt {
			return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
		}
		return sign + digits[:decpt] + "." + digits[decpt:]
	case decpt <= 0 && decpt > -4:
		return sign + "0." + strings.Repeat("0", -decpt) + digits
	}
	frac := digits[1:]
	if frac == "" {
		frac = "0"
	}
	return fmt.Sprintf("%s%s.%se%+03d", sign, digits[:1], frac, decpt-1)
}

func rbInspect(v any) string {
	switch x := norm(v).(type) {
	case nil:
		return "nil"
	case string:
		return inspectString(x)
	case []any:
		parts := make([]string, len(x))
		for i, el := range x {
			parts[i] = rbInspect(el)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := keyorder.Keys(x)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = inspectString(k) + "=>" + rbInspect(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return rbToS(v)
}

func inspectString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, `\x%02X`, s[i])
			i++
			continue
		}
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\f':
			b.WriteString(`\f`)
		case '\v':
			b.WriteString(`\v`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case 0x1b:
			b.WriteString(`\e`)
		case '#':
			if i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '$' || s[i+1] == '@') {
				b.WriteString(`\#`)
			} else {
				b.WriteByte('#')
			}
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}

// FloatString is Ruby's Float#to_s of f: 1.5, 100.0, 1.0e+20.
func FloatString(f float64) string { return rubyFloat(f) }

// InspectString is Ruby's String#inspect of s: "a\"b", with Ruby's
// escapes.
func InspectString(s string) string { return inspectString(s) }
