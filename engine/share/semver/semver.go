// Package semver parses cookbook versions and Chef-style version
// constraints.
//
// A version is MAJOR.MINOR.PATCH; MAJOR and MAJOR.MINOR are accepted and
// mean MAJOR.0.0 and MAJOR.MINOR.0, as Chef's metadata does. A version may
// carry a semver pre-release suffix ("1.2.0-rc.1"), which sorts before the
// release. Build metadata ("+...") is accepted and ignored.
//
// A constraint is one or more comma-joined clauses that must all hold:
// "= 1.0.0", "!= 1.0.1", "> 1", ">= 1.2", "< 2", "<= 1.4.2" and Chef's
// pessimistic "~> 1.2" (>= 1.2.0, < 2.0.0) and "~> 1.2.3" (>= 1.2.3,
// < 1.3.0). A version with no operator means "=". The empty constraint
// allows every version.
//
// The package depends on nothing but the standard library, so both the
// recipe compiler and the cookbook resolver can use it.
package semver

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a parsed semantic version.
type Version struct {
	Major, Minor, Patch int
	// Pre is the pre-release suffix without its "-", or "".
	Pre string
}

// Parse parses "1", "1.2", "1.2.3" or "1.2.3-pre". A leading "v" is not
// accepted here; tags are trimmed by their reader.
func Parse(s string) (Version, error) {
	var v Version
	orig := s
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		v.Pre = s[i+1:]
		s = s[:i]
		if v.Pre == "" {
			return Version{}, fmt.Errorf("version %q: empty pre-release after \"-\"", orig)
		}
	}
	parts := strings.Split(s, ".")
	if len(parts) > 3 || s == "" {
		return Version{}, fmt.Errorf("version %q: want MAJOR.MINOR.PATCH, for example 1.2.0", orig)
	}
	nums := []*int{&v.Major, &v.Minor, &v.Patch}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || (len(p) > 1 && p[0] == '0') || strings.HasPrefix(p, "+") {
			return Version{}, fmt.Errorf("version %q: %q is not a number; want MAJOR.MINOR.PATCH, for example 1.2.0", orig, p)
		}
		*nums[i] = n
	}
	return v, nil
}

// MustParse is Parse for constants; it panics on a bad version.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String formats v as MAJOR.MINOR.PATCH[-PRE].
func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	return s
}

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than w.
func (v Version) Compare(w Version) int {
	for _, d := range [...]int{v.Major - w.Major, v.Minor - w.Minor, v.Patch - w.Patch} {
		if d != 0 {
			return sign(d)
		}
	}
	switch {
	case v.Pre == w.Pre:
		return 0
	case v.Pre == "":
		return 1
	case w.Pre == "":
		return -1
	}
	return comparePre(v.Pre, w.Pre)
}

// Less reports whether v sorts before w.
func (v Version) Less(w Version) bool { return v.Compare(w) < 0 }

// comparePre orders pre-release strings as semver does: dot-separated
// identifiers, numeric ones numerically and below alphanumeric ones.
func comparePre(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		an, aerr := strconv.Atoi(as[i])
		bn, berr := strconv.Atoi(bs[i])
		switch {
		case aerr == nil && berr == nil:
			if an != bn {
				return sign(an - bn)
			}
		case aerr == nil:
			return -1
		case berr == nil:
			return 1
		default:
			if c := strings.Compare(as[i], bs[i]); c != 0 {
				return c
			}
		}
	}
	return sign(len(as) - len(bs))
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
