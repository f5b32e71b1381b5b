package rb

import "testing"

// FuzzFormat: rb_format never panics, whatever the format and arguments.
func FuzzFormat(f *testing.F) {
	for _, s := range []string{"%s", "%-10s|%05d", "%#x %+o %08b", "%.3g %e %E %G", "%c%%", "%5.2f", "%", "%<a>s", "%*d", "%.s", "%#B"} {
		f.Add(s, "abc", int64(42), 3.5)
	}
	f.Fuzz(func(t *testing.T, format, s string, n int64, x float64) {
		rbFormat(format, s, n, x, nil)
		rbFormat(format, n)
		rbFormatOp(format, []any{x, s})
	})
}
