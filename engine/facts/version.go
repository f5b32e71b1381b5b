package facts

import "strings"

// CompareVersions compares dotted version strings such as "7.1.1503" and
// "7", returning -1, 0 or +1. Parts compare as numbers ("10" > "9"), a
// missing part counts as 0 ("7" == "7.0", "7.1.1503" > "7"), and a part
// with trailing letters compares by its number first, then by the rest
// ("1.2a" < "1.2b"). It is total: any two strings compare.
func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y string
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		if c := comparePart(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// comparePart compares the leading numbers of two version parts, then
// what follows them as text.
func comparePart(x, y string) int {
	xn, xr := splitNumber(x)
	yn, yr := splitNumber(y)
	// compare numbers of any length without overflow: drop leading
	// zeros, then the longer is larger, then the text order decides.
	xn, yn = strings.TrimLeft(xn, "0"), strings.TrimLeft(yn, "0")
	if len(xn) != len(yn) {
		if len(xn) < len(yn) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(xn, yn); c != 0 {
		return c
	}
	return strings.Compare(xr, yr)
}

func splitNumber(s string) (num, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// VersionAtLeast reports whether the node's platform version is v or
// later: on CentOS 7.1.1503, VersionAtLeast("7") and
// VersionAtLeast("7.1") are true and VersionAtLeast("7.2") is false.
func (f Facts) VersionAtLeast(v string) bool {
	return CompareVersions(f.PlatformVersion, v) >= 0
}
