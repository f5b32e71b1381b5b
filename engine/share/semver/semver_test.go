package semver

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"1.2.3", "1.2.3", ""},
		{"1.2", "1.2.0", ""},
		{"2", "2.0.0", ""},
		{" 0.0.1 ", "0.0.1", ""},
		{"1.2.3-rc.1", "1.2.3-rc.1", ""},
		{"1.2.3+build.7", "1.2.3", ""},
		{"", "", "want MAJOR.MINOR.PATCH"},
		{"1.2.3.4", "", "want MAJOR.MINOR.PATCH"},
		{"v1.2.3", "", `"v1" is not a number`},
		{"1.x", "", `"x" is not a number`},
		{"1..2", "", `"" is not a number`},
		{"01.2.3", "", `"01" is not a number`},
		{"1.2.3-", "", "empty pre-release"},
	}
	for _, tt := range tests {
		v, err := Parse(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Parse(%q) error = %v, want one containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || v.String() != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %s", tt.in, v, err, tt.want)
		}
	}
}

func TestCompare(t *testing.T) {
	// Each version is lower than the next.
	ordered := []string{"0.0.1", "0.1.0", "0.9.9", "0.10.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "2.0.0", "10.0.0"}
	for i := range ordered {
		for j := range ordered {
			a, b := MustParse(ordered[i]), MustParse(ordered[j])
			want := sign(i - j)
			if got := a.Compare(b); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
	if MustParse("1.2").Compare(MustParse("1.2.0")) != 0 {
		t.Error("1.2 and 1.2.0 should be equal")
	}
}

func TestConstraintAllows(t *testing.T) {
	tests := []struct {
		constraint string
		allow      []string
		deny       []string
	}{
		{"", []string{"0.0.0", "1.0.0", "99.1.2"}, nil},
		{">= 0", []string{"0.0.0", "3.1.4"}, nil},
		{"= 1.0.0", []string{"1.0.0", "1.0"}, []string{"1.0.1", "0.9.9"}},
		{"1.0.0", []string{"1.0.0"}, []string{"1.0.1"}},
		{"!= 1.0.1", []string{"1.0.0", "1.0.2"}, []string{"1.0.1"}},
		{"> 1.2", []string{"1.2.1", "2.0.0"}, []string{"1.2.0", "1.1.9"}},
		{">= 1.2", []string{"1.2.0", "1.3.0"}, []string{"1.1.9"}},
		{"< 2", []string{"1.99.99", "0.1.0"}, []string{"2.0.0", "2.0.1"}},
		{"<= 1.4.2", []string{"1.4.2", "1.4.1"}, []string{"1.4.3"}},
		{">= 1.2, < 2", []string{"1.2.0", "1.9.9"}, []string{"1.1.0", "2.0.0"}},
		{">=1.2,<2", []string{"1.5.0"}, []string{"2.0.0"}},
		{"~> 1.2", []string{"1.2.0", "1.2.7", "1.9.0"}, []string{"1.1.9", "2.0.0"}},
		{"~> 1.2.3", []string{"1.2.3", "1.2.99"}, []string{"1.2.2", "1.3.0"}},
		{"~> 1", []string{"1.0.0", "1.9.9"}, []string{"0.9.0", "2.0.0"}},
		{"~> 0.3", []string{"0.3.0", "0.9.0"}, []string{"0.2.9", "1.0.0"}},
		{"~> 1.2, != 1.4.0", []string{"1.3.0", "1.4.1"}, []string{"1.4.0", "2.0.0"}},
		{">= 1.0.0, < 1.0.0", nil, []string{"1.0.0", "0.9.0", "1.1.0"}},
	}
	for _, tt := range tests {
		c, err := ParseConstraint(tt.constraint)
		if err != nil {
			t.Errorf("ParseConstraint(%q): %v", tt.constraint, err)
			continue
		}
		for _, v := range tt.allow {
			if !c.Allows(MustParse(v)) {
				t.Errorf("%q should allow %s", tt.constraint, v)
			}
		}
		for _, v := range tt.deny {
			if c.Allows(MustParse(v)) {
				t.Errorf("%q should not allow %s", tt.constraint, v)
			}
		}
	}
}

func TestParseConstraint_Errors(t *testing.T) {
	tests := []struct{ in, err string }{
		{">= 1.2,", "empty clause"},
		{"=> 1.2", "not a number"},
		{"~> one", "not a number"},
		{">= 1.2 < 2", "not a number"},
		{"^1.2", "not a number"},
	}
	for _, tt := range tests {
		_, err := ParseConstraint(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParseConstraint(%q) error = %v, want one containing %q", tt.in, err, tt.err)
		}
	}
}

func TestConstraintString(t *testing.T) {
	if s := MustParseConstraint("").String(); s != "any version" {
		t.Errorf("empty constraint String() = %q", s)
	}
	if s := MustParseConstraint(" ~> 1.2 ").String(); s != "~> 1.2" {
		t.Errorf("String() = %q, want the text as written", s)
	}
}
