package facts

import "testing"

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"7.1.1503", "7", 1},
		{"7", "7.0", 0},
		{"7.0.0", "7", 0},
		{"6.10", "6.9", 1},
		{"14.04", "15.04", -1},
		{"22.04", "22.04", 0},
		{"12.5", "12.11", -1},
		{"2018.03", "2", 1},
		{"007", "7", 0},
		{"1.2a", "1.2b", -1},
		{"1.2", "1.2a", -1},
		{"", "0", 0},
		{"", "1", -1},
		{"99999999999999999999999", "9", 1}, // no overflow
	} {
		if got := CompareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := CompareVersions(tc.b, tc.a); got != -tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

func TestVersionAtLeast(t *testing.T) {
	f := Facts{PlatformVersion: "7.1.1503"}
	for v, want := range map[string]bool{"7": true, "7.1": true, "7.1.1503": true, "7.2": false, "8": false, "6.10": true} {
		if got := f.VersionAtLeast(v); got != want {
			t.Errorf("7.1.1503 VersionAtLeast(%q) = %v, want %v", v, got, want)
		}
	}
}
