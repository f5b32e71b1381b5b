package rb

import (
	"strings"
	"testing"
)

// Each want is what Ruby 3.1 gives for the Ruby expression beside it
// (the pattern is the RE2 form migrate writes of the Ruby literal).
func TestRegexFuncs_LikeRuby(t *testing.T) {
	data := map[string]any{"s": "über-web01.example", "nilv": nil, "n": int64(1)}
	tests := []struct{ tmpl, want string }{
		{"{{rb_to_s (rb_match .s `web`)}}", "5"},                                            // "über-web01.example" =~ /web/
		{"{{rb_inspect (rb_match .s `db`)}}", "nil"},                                        // s =~ /db/
		{"{{rb_inspect (rb_match .nilv `x`)}}", "nil"},                                      // nil =~ /x/
		{"{{rb_re_gsub .s `(\\w+)\\.(\\w+)` `\\2.\\1`}}", "über-example.web01"},             // s.gsub(/(\w+)\.(\w+)/, '\2.\1')
		{"{{rb_re_sub .s `[aeiou]` `<\\0>`}}", "üb<e>r-web01.example"},                      // s.sub(/[aeiou]/, '<\0>')
		{"{{rb_re_sub .s `-` \"[\\\\`|\\\\']\"}}", "über[über|web01.example]web01.example"}, // s.sub(/-/, "[\\`|\\']")
		{"{{rb_re_gsub .s `(?P<d>\\d)` `\\k<d>\\k<d>`}}", "über-web0011.example"},           // s.gsub(/(?<d>\d)/, '\k<d>\k<d>')
		{"{{rb_re_gsub .s `e` `\\\\`}}", "üb\\r-w\\b01.\\xampl\\"},                          // s.gsub(/e/, '\\\\')
		{"{{rb_re_gsub .s `b` `\\q`}}", "ü\\qer-we\\q01.example"},                           // s.gsub(/b/, '\q')
		{"{{rb_inspect (rb_re_split \"a, b,,c,,\" `,\\s*`)}}", `["a", "b", "", "c"]`},       // "a, b,,c,,".split(/,\s*/)
		{"{{rb_inspect (rb_re_split \"abc\" ``)}}", `["a", "b", "c"]`},                      // "abc".split(//)
		{"{{rb_inspect (rb_re_split \"abc\" `b*`)}}", `["a", "c"]`},                         // "abc".split(/b*/)
		{"{{rb_inspect (rb_re_split \"1-2\" `(-)`)}}", `["1", "-", "2"]`},                   // "1-2".split(/(-)/)
		{"{{rb_inspect (rb_re_split \"a,b\" `(x)?,`)}}", `["a", "b"]`},                      // "a,b".split(/(x)?,/)
		{"{{rb_inspect (rb_re_split \"\" `,`)}}", `[]`},                                     // "".split(/,/)
		{"{{rb_inspect (rb_scan .s `\\d`)}}", `["0", "1"]`},                                 // s.scan(/\d/)
		{"{{rb_inspect (rb_scan \"a=1 b=\" `(\\w)=(\\d)?`)}}", `[["a", "1"], ["b", nil]]`},  // "a=1 b=".scan(/(\w)=(\d)?/)
	}
	for _, tt := range tests {
		got, err := render(t, tt.tmpl, data)
		if err != nil {
			t.Errorf("%s: %v", tt.tmpl, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
	fails := []struct{ tmpl, wantErr string }{
		{"{{rb_re_gsub .n `x` `y`}}", "undefined method 'gsub' for Integer"},
		{"{{rb_re_split .nilv `x`}}", "undefined method 'split' for nil"},
		{"{{rb_match .s `(`}}", "=~: bad pattern \"(\""},
	}
	for _, tt := range fails {
		_, err := render(t, tt.tmpl, data)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want %q", tt.tmpl, err, tt.wantErr)
		}
	}
}
