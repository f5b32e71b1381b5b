package rb

import "testing"

// What Ruby 3.1's Kernel#format prints (taken from ruby -e 'puts format(...)').
func TestFormat_PrintsLikeRuby(t *testing.T) {
	tests := []struct {
		format string
		args   []any
		want   string
	}{
		{"%s", []any{"x"}, "x"},
		{"%-10s|", []any{"ab"}, "ab        |"},
		{"%10s|", []any{"ab"}, "        ab|"},
		{"%05s|", []any{"ab"}, "   ab|"},
		{"%.2s", []any{"abc"}, "ab"},
		{"%d", []any{int64(42)}, "42"},
		{"%5d|", []any{42}, "   42|"},
		{"%-5d|", []any{int64(42)}, "42   |"},
		{"%05d", []any{int64(42)}, "00042"},
		{"%+d", []any{int64(5)}, "+5"},
		{"% d", []any{int64(5)}, " 5"},
		{"%d", []any{3.7}, "3"},
		{"%d", []any{-3.7}, "-3"},
		{"%d", []any{"12"}, "12"},
		{"%d", []any{"0x1f"}, "31"},
		{"%f", []any{3.14159}, "3.141590"},
		{"%.2f", []any{3.14159}, "3.14"},
		{"%08.3f", []any{-3.14159}, "-003.142"},
		{"%.0f", []any{2.5}, "2"},
		{"%.0f", []any{3.5}, "4"},
		{"%f", []any{int64(1)}, "1.000000"},
		{"%e", []any{12345.678}, "1.234568e+04"},
		{"%E", []any{0.000123}, "1.230000E-04"},
		{"%g", []any{int64(100000)}, "100000"},
		{"%g", []any{int64(1234567)}, "1.23457e+06"},
		{"%g", []any{0.5}, "0.5"},
		{"%g", []any{0.0001}, "0.0001"},
		{"%g", []any{1.0e-05}, "1e-05"},
		{"%.3g", []any{3.14159}, "3.14"},
		{"%#g", []any{0.5}, "0.500000"},
		{"%x", []any{int64(255)}, "ff"},
		{"%X", []any{int64(255)}, "FF"},
		{"%#x", []any{int64(255)}, "0xff"},
		{"%o", []any{int64(8)}, "10"},
		{"%#o", []any{int64(8)}, "010"},
		{"%b", []any{int64(5)}, "101"},
		{"%08b", []any{int64(5)}, "00000101"},
		{"%#b", []any{int64(5)}, "0b101"},
		{"%+x", []any{int64(-255)}, "-ff"},
		{"%c", []any{int64(65)}, "A"},
		{"%c", []any{"h"}, "h"},
		{"%p", []any{nil}, "nil"},
		{"%p", []any{"a"}, `"a"`},
		{"%s", []any{nil}, ""},
		{"%s", []any{1.0}, "1.0"},
		{"%s", []any{[]any{int64(1), "a", nil}}, `[1, "a", nil]`},
		{"%s", []any{map[string]any{"a": int64(1)}}, `{"a"=>1}`},
		{"%s:%d", []any{"a", int64(1)}, "a:1"},
		{"100%%", nil, "100%"},
		{"%-8s%s", []any{"key", "v"}, "key     v"},
		{"%s", []any{true}, "true"},
		{"%.1f%%", []any{99.5}, "99.5%"},
	}
	for _, tt := range tests {
		got, err := rbFormat(tt.format, tt.args...)
		if err != nil || got != tt.want {
			t.Errorf("format(%q, %v) = %q, %v; want %q", tt.format, tt.args, got, err, tt.want)
		}
	}
}

func TestFormat_RefusesWhatRubyRefuses(t *testing.T) {
	tests := []struct {
		format string
		args   []any
	}{
		{"%s %s", []any{"one"}},    // too few arguments
		{"%c", []any{"hello"}},     // %c requires a character
		{"%d", []any{nil}},         // can't convert nil into Integer
		{"%d", []any{"abc"}},       // invalid value for Integer()
		{"%f", []any{[]any{}}},     // can't convert Array into Float
		{"%x", []any{int64(-255)}}, // Ruby prints ..f01
		{"%<a>s", []any{"x"}},      // named references
		{"abc %", nil},             // incomplete specifier
		{"%s", []any{}},            // too few arguments
	}
	for _, tt := range tests {
		if got, err := rbFormat(tt.format, tt.args...); err == nil {
			t.Errorf("format(%q, %v) = %q, want an error", tt.format, tt.args, got)
		}
	}
}
