package migrate

import (
	"os"
	"os/exec"
	"testing"
)

// TestMethods_AgainstRuby translates String and Array methods (tr, drop,
// take, rindex, index, send with a literal name, nil_or_empty?, each_slice,
// partition, zip, min_by, max_by, group_by, count, flat_map, find_index)
// and checks that the Starlark
// gives what Ruby gives.
func TestMethods_AgainstRuby(t *testing.T) {
	rb, err := exec.LookPath("ruby")
	if err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("ruby is needed and CONVERGE_E2E=1")
		}
		t.Skip("ruby is not installed; the oracle test needs it")
	}
	var cases []rubyCase
	add := func(pre, expr string, samples ...string) {
		for _, s := range samples {
			cases = append(cases, rubyCase{pre, expr, s})
		}
	}
	add("", `s.tr('.', '-')`, "www.example.org", "plain")
	add("", `s.to_s.tr('_', ' ')`, "max_connections_per_host")
	add("", `s.tr('a-y', 'b-z')`, "hello", "Zebra")
	add("", `s.tr('^a-z', '_')`, "My Host-1.lan")
	add("", `s.tr('el', 'ip')`, "hello")
	add("", `s.tr('lo', '')`, "hello world")
	add("", `s.tr('a-z', 'A')`, "mixed Case")
	add("", `s.tr('-', '_')`, "a-b-c")
	add("", `s.tr('^', 'v')`, "a^b")
	add("from = 'A-Z'", `s.tr(from, 'a-z')`, "LOUD Name")
	add("", `s.split('.').drop(1)`, "a.b.c", "a")
	add("", `s.split('.').take(2)`, "a.b.c", "a")
	add("", `s.split(' ').drop(1).join(' ')`, "10.0.0.1 web web.lan")
	add("", `s.rindex('/')`, "/etc/app/conf", "none")
	add("", `s.rindex(')')`, "list(a, b) (c)")
	add("", `s.split(',').rindex('b')`, "a,b,c,b", "a")
	add("", `s.send(:upcase)`, "up")
	add("", `s.public_send(:split, ',')`, "a,b")
	add("", `s.send(:tr, 'a', 'b')`, "banana")
	add("", `nil_or_empty?(s)`, "", "x")
	add("", `nil_or_empty?(s.split(',').drop(1))`, "a", "a,b")
	add("h = {}", `[nil_or_empty?(nil), nil_or_empty?(h), nil_or_empty?(3), nil_or_empty?(s, nil)]`, "x")
	add("", `nil_or_empty?(s, 'y')`, "", "x")
	add("", `[s.nil_or_empty?, nil.nil_or_empty?, [].nil_or_empty?, 0.nil_or_empty?]`, "", "x")
	add("", `s.split(',').each_slice(2).to_a`, "a,b,c,d,e", "a")
	add("l = []", `[l.each_slice(2).to_a, l.partition { |w| w }, l.min_by { |w| w }, l.group_by { |w| w }, l.zip([1]), l.find_index(1)]`, "x")
	add("", `s.split(',').each_slice(2).map { |p| p.join('+') }`, "a,b,c")
	add("", `s.split(',').partition { |w| w.length > 1 }`, "ab,c,de,f")
	add("", `s.split(',').zip(%w(x y))`, "a,b,c", "a")
	add("", `s.split(',').min_by { |w| w.length }`, "ccc,a,bb,d")
	add("", `s.split(',').max_by { |w| w.length }`, "ccc,a,bbb,d")
	add("", `s.split(',').group_by { |w| w.length }.values`, "ab,c,de,f,ghi")
	add("", `s.split(',').group_by { |w| w[0] }`, "ab,ac,b")
	add("", `s.split(',').count('a')`, "a,b,a,c")
	add("", `s.count('lo')`, "hello world")
	add("", `s.split(',').count { |w| w.length > 1 }`, "ab,c,de")
	add("h = { 'a' => 1, 'b' => 2 }", `h.count { |k, v| v > 1 }`, "x")
	add("", `s.split(',').flat_map { |w| [w, w.upcase] }`, "a,b")
	add("", `s.split(',').flat_map { |w| w * 2 }`, "a,b")
	add("h = { 'a' => 1, 'b' => 2 }", `h.flat_map { |k, v| [k] * v }`, "x")
	add("", `s.split(',').find_index('b')`, "a,b,b", "a")
	add("", `s.split(',').find_index { |w| w.length > 1 }`, "a,bc,de", "a")
	add("", `s.split(',').index('c')`, "a,b,c", "a")
	add("", `s.index('lo')`, "hello", "x")
	add("", `s.split(',').map(&:to_i).sum`, "1,2,3", "5")
	add("l = []", `[l.sum, [1.5, 2].sum, l.sum(10), ['a', 'b'].sum('')]`, "x")
	add("", `s.split(',').sum { |w| w.length }`, "ab,c,def")
	add("", `send(:format, '%s-%s', s, s)`, "x")
	checkAgainstRuby(t, rb, cases)
}
