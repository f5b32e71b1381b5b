package rb

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// rbFormat is Kernel#format (and String#%): %[flags][width][.precision]
// followed by s, p, d, i, u, f, e, E, g, G, x, X, o, b, B, c or %. The
// flags are "-", "+", " ", "0" and "#". Named references (%<a>s, %{a})
// and "*" widths are refused with an error.
func rbFormat(format any, args ...any) (string, error) {
	f, ok := norm(format).(string)
	if !ok {
		return "", fmt.Errorf("no implicit conversion of %s into String", typeName(format))
	}
	var b strings.Builder
	next := 0
	arg := func() (any, error) {
		if next >= len(args) {
			return nil, fmt.Errorf("format %q: too few arguments", f)
		}
		next++
		return args[next-1], nil
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		flags := ""
		for j < len(f) && strings.IndexByte("-+ 0#", f[j]) >= 0 {
			flags += f[j : j+1]
			j++
		}
		w := j
		for j < len(f) && f[j] >= '0' && f[j] <= '9' {
			j++
		}
		width := f[w:j]
		prec := ""
		if j < len(f) && f[j] == '.' {
			p := j
			j++
			for j < len(f) && f[j] >= '0' && f[j] <= '9' {
				j++
			}
			prec = f[p:j]
			if prec == "." {
				prec = ".0"
			}
		}
		if j >= len(f) {
			return "", fmt.Errorf("format %q: incomplete format specifier; use %%%% (double %%) instead", f)
		}
		verb := f[j]
		i = j
		if verb == '%' && flags == "" && width == "" && prec == "" {
			b.WriteByte('%')
			continue
		}
		spec := func(flags string, goVerb byte) string { return "%" + flags + width + prec + string(goVerb) }
		switch verb {
		case 's', 'p':
			v, err := arg()
			if err != nil {
				return "", err
			}
			s := rbToS(v)
			if verb == 'p' {
				s = rbInspect(v)
			}
			b.WriteString(fmt.Sprintf(spec(strings.ReplaceAll(flags, "0", ""), 's'), s))
		case 'd', 'i', 'u':
			v, err := arg()
			if err != nil {
				return "", err
			}
			n, err := formatInt(v)
			if err != nil {
				return "", err
			}
			b.WriteString(fmt.Sprintf(spec(flags, 'd'), n))
		case 'x', 'X', 'o', 'b', 'B':
			v, err := arg()
			if err != nil {
				return "", err
			}
			n, err := formatInt(v)
			if err != nil {
				return "", err
			}
			if n < 0 && !strings.ContainsAny(flags, "+ ") {
				return "", fmt.Errorf("format %q: a negative number in %%%c prints as Ruby's two's complement (..f01), which converge does not; add a + or space flag", f, verb)
			}
			gv := verb
			if verb == 'B' {
				gv = 'b'
			}
			s := fmt.Sprintf(spec(strings.ReplaceAll(flags, "#", ""), gv), n)
			if strings.Contains(flags, "#") && n != 0 {
				pre := map[byte]string{'x': "0x", 'X': "0X", 'o': "0", 'b': "0b", 'B': "0B"}[verb]
				s = fmt.Sprintf(spec(strings.ReplaceAll(flags, "#", ""), 's'), pre+strconv.FormatInt(abs64(n), map[byte]int{'x': 16, 'X': 16, 'o': 8, 'b': 2, 'B': 2}[verb]))
				if verb == 'X' {
					s = strings.ToUpper(s)
				}
				if n < 0 {
					return "", fmt.Errorf("format %q: # with a negative number is not translated", f)
				}
			}
			b.WriteString(s)
		case 'f', 'e', 'E', 'g', 'G':
			v, err := arg()
			if err != nil {
				return "", err
			}
			x, err := rbFloatArg(v)
			if err != nil {
				return "", err
			}
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return "", fmt.Errorf("format %q: %s is not translated", f, rubyFloat(x))
			}
			if prec == "" && (verb == 'g' || verb == 'G') {
				prec = ".6" // C's default, which Ruby keeps; Go's is the shortest
			}
			b.WriteString(fmt.Sprintf(spec(flags, verb), x))
		case 'c':
			v, err := arg()
			if err != nil {
				return "", err
			}
			var s string
			switch x := norm(v).(type) {
			case int64:
				s = string(rune(x))
			case string:
				if r := []rune(x); len(r) != 1 {
					return "", fmt.Errorf("%%c requires a character")
				}
				s = x
			default:
				return "", fmt.Errorf("no implicit conversion of %s into Integer", typeName(v))
			}
			b.WriteString(fmt.Sprintf(spec(strings.ReplaceAll(flags, "0", ""), 's'), s))
		default:
			return "", fmt.Errorf("format %q: %%%c is not translated", f, verb)
		}
	}
	return b.String(), nil
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// Format is Kernel#format over the values this package takes, for
// engine/recipe's rb_format: what converge migrate translates a format
// with flags, widths or Ruby's conversions to.
func Format(format string, args ...any) (string, error) {
	return rbFormat(format, args...)
}

// rbFormatOp is String#%: an Array on the right is the argument list,
// anything else the one argument.
func rbFormatOp(format, arg any) (string, error) {
	if l, ok := norm(arg).([]any); ok {
		return rbFormat(format, l...)
	}
	return rbFormat(format, arg)
}

// formatInt is the Integer that %d takes: an Integer, a Float without
// its fraction, or a String that Kernel#Integer reads.
func formatInt(v any) (int64, error) {
	switch x := norm(v).(type) {
	case int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%s out of range of integer", rubyFloat(x))
		}
		return int64(math.Trunc(x)), nil
	case string:
		s := strings.ReplaceAll(strings.Trim(x, rubySpace), "_", "")
		n, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid value for Integer(): %s", inspectString(x))
		}
		return n, nil
	case nil:
		return 0, fmt.Errorf("can't convert nil into Integer")
	}
	return 0, fmt.Errorf("can't convert %s into Integer", typeName(v))
}

func rbFloatArg(v any) (float64, error) {
	switch x := norm(v).(type) {
	case int64:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		f, err := strconv.ParseFloat(strings.ReplaceAll(strings.Trim(x, rubySpace), "_", ""), 64)
		if err != nil {
			return 0, fmt.Errorf("invalid value for Float(): %s", inspectString(x))
		}
		return f, nil
	case nil:
		return 0, fmt.Errorf("can't convert nil into Float")
	}
	return 0, fmt.Errorf("can't convert %s into Float", typeName(v))
}
