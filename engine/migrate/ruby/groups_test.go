package ruby

import (
	"fmt"
	"testing"
)

// Destructuring block parameters, |(k, v), i|: the group is one parameter
// named by its names, and the body starts by unpacking it.
func TestParse_DestructuringBlockParams(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		groups          string
	}{
		{"each_with_object", "h = l.each_with_object({}) do |(key, value), acc|\n  acc[key] = value\nend",
			`(= $h (call (call _ l) each_with_object {} {|key_value,acc| (= [$key $value] $key_value); (= (index $acc $key) $value)}))`,
			"map[0:[key value]]"},
		{"each_with_index in braces", "l.each_with_index { |(a, b), i| f(a, b, i) }",
			`(call (call _ l) each_with_index {|a_b,i| (= [$a $b] $a_b); (call _ f $a $b $i)})`, "map[0:[a b]]"},
		{"two groups", "l.each { |(a, b), (c, d)| f(a, d) }",
			`(call (call _ l) each {|a_b,c_d| (= [$a $b] $a_b); (= [$c $d] $c_d); (call _ f $a $d)})`, "map[0:[a b] 1:[c d]]"},
		{"a group after a plain parameter", "l.inject(0) { |s, (k, v)| s + v }",
			`(call (call _ l) inject 0 {|s,k_v| (= [$k $v] $k_v); (+ $s $v)})`, "map[1:[k v]]"},
		{"the group's name is not a local's", "a_b = 1\nl.each { |(a, b)| f(a_b) }",
			`(= $a_b 1); (call (call _ l) each {|a_b_| (= [$a $b] $a_b_); (call _ f $a_b)})`, "map[0:[a b]]"},
		{"no group", "l.each { |a, b| a }", `(call (call _ l) each {|a,b| $a})`, "map[]"},
		{"a nested group is bad", "l.each { |(a, (b, c))| a }", `(bad)`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmts, _ := Parse(tc.src)
			if got := dumpStmts(stmts); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if tc.groups == "" {
				return
			}
			var b *BlockExpr
			InspectStmts(stmts, func(x Expr) bool {
				if c, ok := x.(*CallExpr); ok && c.Block != nil {
					b = c.Block
				}
				return true
			})
			if b == nil {
				t.Fatal("no block")
			}
			if got := fmt.Sprint(b.Groups); got != tc.groups {
				t.Errorf("groups %s, want %s", got, tc.groups)
			}
			if len(b.Unpacked()) != len(b.Body)-len(b.Groups) {
				t.Errorf("Unpacked has %d statements of %d", len(b.Unpacked()), len(b.Body))
			}
		})
	}
}
