package rb

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"text/template"
)

func render(t *testing.T, src string, data map[string]any) (string, error) {
	t.Helper()
	tm, err := template.New("t").Funcs(Funcs()).Option("missingkey=error").Parse(src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	var b strings.Builder
	err = tm.Execute(&b, data)
	return b.String(), err
}

// Each want is what Ruby 3.1 prints for the same Ruby expression (noted
// beside it); no Ruby is needed to run the test.
func TestFuncs_RenderLikeRuby(t *testing.T) {
	data := map[string]any{
		"port":   int64(8080),
		"iport":  8080, // a Go int, as a Go caller may pass
		"jport":  json.Number("8080"),
		"jratio": json.Number("0.5"),
		"ratio":  1.5,
		"whole":  100.0,
		"big":    1e16,
		"e15":    1e15,
		"tiny":   1e-5,
		"sum":    func() float64 { a := 0.1; return a + 0.2 }(), // not folded as an exact constant
		"nilv":   nil,
		"empty":  "",
		"name":   "web",
		"list":   []any{"b", "a", "c"},
		"nested": []any{[]any{int64(1), []any{int64(2)}}, int64(3)},
		"mixed":  []any{int64(3), 1.5, int64(2)},
		"hash":   map[string]any{"a": nil, "b": []any{int64(1), []any{int64(2)}}},
		"byval":  map[string]any{"a": int64(2), "b": int64(1)},
		"users":  []any{map[string]any{"n": "b"}, map[string]any{"n": "a"}},
		"words":  []string{"bb", "a", "ccc"},
		"html":   `a<b>&"c'`,
		"strs":   map[string]any{"a": int64(1), "b": "x"},
	}
	tests := []struct {
		name, tmpl, want string
	}{
		{"Integer#to_s", `{{rb_to_s .port}}`, "8080"},                                                       // 8080.to_s
		{"Go int", `{{rb_to_s .iport}}`, "8080"},                                                            // 8080.to_s
		{"JSON integer", `{{rb_to_s .jport}}`, "8080"},                                                      // JSON.parse("8080").to_s
		{"JSON float", `{{rb_to_s .jratio}}`, "0.5"},                                                        // JSON.parse("0.5").to_s
		{"Float#to_s", `{{rb_to_s .ratio}}`, "1.5"},                                                         // 1.5.to_s
		{"whole Float", `{{rb_to_s .whole}}`, "100.0"},                                                      // 100.0.to_s
		{"big Float", `{{rb_to_s .big}}`, "1.0e+16"},                                                        // 1e16.to_s
		{"1e15", `{{rb_to_s .e15}}`, "1.0e+15"},                                                             // 1e15.to_s
		{"tiny Float", `{{rb_to_s .tiny}}`, "1.0e-05"},                                                      // 1e-5.to_s
		{"shortest Float", `{{rb_to_s .sum}}`, "0.30000000000000004"},                                       // (0.1+0.2).to_s
		{"nil#to_s", `[{{rb_to_s .nilv}}]`, "[]"},                                                           // nil.to_s
		{"Array#to_s", `{{rb_to_s (rb_list .nilv true 1.0)}}`, "[nil, true, 1.0]"},                          // [nil, true, 1.0].to_s
		{"Hash#to_s", `{{rb_to_s .strs}}`, `{"a"=>1, "b"=>"x"}`},                                            // {"a"=>1, "b"=>"x"}.to_s
		{"upcase", `{{rb_upcase .name}}`, "WEB"},                                                            // "web".upcase
		{"join", `{{rb_join .list ", "}}`, "b, a, c"},                                                       // %w(b a c).join(", ")
		{"join nested", `{{rb_join .nested "-"}}`, "1-2-3"},                                                 // [[1,[2]],3].join("-")
		{"empty? of empty", `{{rb_is_empty .empty}}`, "true"},                                               // "".empty?
		{"empty? of list", `{{rb_is_empty .list}}`, "false"},                                                // %w(b a c).empty?
		{"nil?", `{{rb_is_nil .nilv}} {{rb_is_nil .empty}}`, "true false"},                                  // nil.nil?, "".nil?
		{"truthy", `{{rb_truthy .empty}} {{rb_truthy .nilv}}`, "true false"},                                // !!"", !!nil
		{"Array#flatten", `{{rb_to_s (rb_flatten .nested)}}`, "[1, 2, 3]"},                                  // [[1,[2]],3].flatten
		{"Hash#flatten", `{{rb_to_s (rb_flatten .hash)}}`, `["a", nil, "b", [1, [2]]]`},                     // {"a"=>nil,"b"=>[1,[2]]}.flatten
		{"sort_by value", `{{rb_to_s (rb_sort_by .byval "i:1")}}`, `[["b", 1], ["a", 2]]`},                  // {"a"=>2,"b"=>1}.sort_by { |k, v| v }
		{"sort_by key", `{{rb_to_s (rb_sort_by .users "k:n")}}`, `[{"n"=>"a"}, {"n"=>"b"}]`},                // users.sort_by { |u| u["n"] }
		{"sort_by method", `{{rb_to_s (rb_sort_by .words "m:length")}}`, `["a", "bb", "ccc"]`},              // %w(bb a ccc).sort_by { |w| w.length }
		{"sort_by numbers", `{{rb_to_s (rb_sort_by .mixed)}}`, "[1.5, 2, 3]"},                               // [3, 1.5, 2].sort_by { |x| x }
		{"sort_by computed keys", `{{rb_to_s (rb_sort_by_keys .list (rb_list 2 3 1))}}`, `["c", "b", "a"]`}, // %w(b a c).sort_by { |x| {"b"=>2,"a"=>3,"c"=>1}[x] }
		{"zero?", `{{rb_is_zero .port}} {{rb_is_zero 0}} {{rb_is_zero 0.0}}`, "false true true"},            // 8080.zero?, 0.zero?, 0.0.zero?
		{"each_pair", `{{range rb_each .byval}}{{index . 0}}={{index . 1}};{{end}}`, "a=2;b=1;"},            // h.each_pair { |k, v| ... }
		{"map through rb_push", `{{$a := rb_list}}{{range $x := rb_block_each .list}}{{$a = rb_push $a (rb_upcase $x)}}{{end}}{{rb_to_s $a}} {{rb_to_s .list}}`, `["B", "A", "C"] ["b", "a", "c"]`}, // l.map { |x| x.upcase }, l unchanged
		{"block over nil walks nothing", `{{range rb_block_each .nilv}}x{{end}}.`, "."},
		{"center", `{{rb_center "ab" 9 "123"}}|{{rb_center "ab" 7 "*"}}`, "123ab1231|**ab***"},                                                              // "ab".center(9, "123"), "ab".center(7, "*")
		{"ljust rjust", `{{rb_ljust "ab" 7 "xy"}}|{{rb_rjust "ab" 7 "xy"}}|{{rb_ljust "abc" 2 nil}}|`, "abxyxyx|xyxyxab|abc|"},                              // "ab".ljust(7, "xy") ...
		{"ljust counts characters", `{{rb_ljust "héllo" 7 "é"}}`, "hélloéé"},                                                                                // "héllo".ljust(7, "é")
		{"any?", `{{rb_any (rb_list .nilv false)}} {{rb_any (rb_list .nilv 1)}} {{rb_any .strs}}`, "false true true"},                                       // [nil, false].any?, [nil, 1].any?, {...}.any?
		{"is_a?", `{{rb_is_a .port "Numeric"}} {{rb_is_a .ratio "Integer"}} {{rb_is_a .nilv "NilClass"}} {{rb_is_a .hash "Hash"}}`, "true false true true"}, // 1.is_a?(Numeric) ...
		{"format", `{{rb_format "%-6s|%05d|%.2f" .name .port .ratio}}`, "web   |08080|1.50"},                                                                // format("%-6s|%05d|%.2f", ...)
		{"escape_xml", `{{rb_escape_xml .html}}`, "a&lt;b&gt;&amp;&quot;c'"},                                                                                // Erubis <%== %>
		{"integer division", `{{rb_div 10 3}} {{rb_div -7 2}} {{rb_mod -7 3}}`, "3 -4 2"},                                                                   // 10/3, -7/2, -7 % 3
		{"Integer + Float", `{{rb_to_s (rb_add .port .ratio)}}`, "8081.5"},                                                                                  // 8080 + 1.5
		{"Integer arithmetic stays Integer", `{{rb_to_s (rb_mul .port 2)}}`, "16160"},                                                                       // 8080 * 2
		{"to_i of a version", `{{rb_to_i "7.1.1503"}}`, "7"},                                                                                                // "7.1.1503".to_i
		{"comparison", `{{rb_lt .ratio .port}} {{rb_eq .port 8080.0}}`, "true true"},                                                                        // 1.5 < 8080, 8080 == 8080.0
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render(t, tt.tmpl, data)
			if err != nil || got != tt.want {
				t.Errorf("%s = %q, %v; want %q", tt.tmpl, got, err, tt.want)
			}
		})
	}
}

func TestFuncs_FailLikeRuby(t *testing.T) {
	data := map[string]any{"nilv": nil, "n": int64(1), "s": "x", "l": []any{int64(1), "a"}}
	tests := []struct{ tmpl, wantErr string }{
		{`{{rb_upcase .n}}`, "undefined method 'upcase' for Integer"},
		{`{{rb_is_empty .nilv}}`, "undefined method 'empty?' for nil"},
		{`{{rb_add .s .n}}`, "no implicit conversion of Integer into String"},
		{`{{rb_flatten .s}}`, "undefined method 'flatten' for String"},
		{`{{rb_sort_by .l}}`, "comparison of"},
		{`{{rb_sort_by .n}}`, "undefined method 'sort_by' for Integer"},
		{`{{rb_sort_by_keys .l (rb_list 1 "a")}}`, "comparison of"},
		{`{{rb_sort_by_keys .l (rb_list 1)}}`, "1 keys for 2 elements"},
		{`{{rb_is_zero .s}}`, "undefined method 'zero?' for String"},
		{`{{rb_div .n 0}}`, "divided by 0"},
		{`{{rb_index .nilv 0}}`, "undefined method '[]' for nil"},
	}
	for _, tt := range tests {
		_, err := render(t, tt.tmpl, data)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want %q", tt.tmpl, err, tt.wantErr)
		}
	}
}

// TestFuncs_WalkHashesInSortedKeyOrder: every helper that walks a hash
// walks it in sorted key order, whatever order Go's map iteration takes
// (Ruby would walk it in insertion order; converge migrate notes each such
// walk in MIGRATION.md). Each template is rendered many times, so a walk
// in map order would show as a different output.
func TestFuncs_WalkHashesInSortedKeyOrder(t *testing.T) {
	keys := []string{"zeta", "alpha", "mu", "beta", "omega", "delta", "kappa", "gamma", "iota", "eta", "nu", "xi"}
	h := map[string]any{}
	hs := map[string]string{} // a Go caller's typed map, normalised by the helpers
	for i, k := range keys {
		h[k] = int64(i)
		hs[k] = k + "!"
	}
	data := map[string]any{"h": h, "hs": hs}
	sorted := []string{"alpha", "beta", "delta", "eta", "gamma", "iota", "kappa", "mu", "nu", "omega", "xi", "zeta"}
	pos := map[string]int{}
	for i, k := range keys {
		pos[k] = i
	}
	var ks, vs, pairs, flat, inspect, typed []string
	for _, k := range sorted {
		ks = append(ks, k)
		v := strconv.Itoa(pos[k])
		vs = append(vs, v)
		pairs = append(pairs, k+"="+v)
		flat = append(flat, k, v)
		inspect = append(inspect, strconv.Quote(k)+"=>"+v)
		typed = append(typed, k+"="+k+"!")
	}
	tests := []struct{ name, src, want string }{
		{"each with two parameters", `{{range $kv := rb_each .h}}{{index $kv 0}}={{index $kv 1}},{{end}}`, strings.Join(pairs, ",") + ","},
		{"each with one parameter", `{{range $kv := rb_each .h}}{{rb_inspect $kv}}{{end}}`, func() string {
			var b strings.Builder
			for _, k := range sorted {
				b.WriteString("[" + strconv.Quote(k) + ", " + strconv.Itoa(pos[k]) + "]")
			}
			return b.String()
		}()},
		{"keys", `{{rb_join (rb_keys .h) ","}}`, strings.Join(ks, ",")},
		{"values", `{{rb_join (rb_values .h) ","}}`, strings.Join(vs, ",")},
		{"to_a joined", `{{rb_join (rb_each .h) ","}}`, strings.Join(flat, ",")},
		{"block each (map)", `{{$b := rb_list}}{{range $kv := rb_block_each .h}}{{$b = rb_push $b (index $kv 0)}}{{end}}{{rb_join $b ","}}`, strings.Join(ks, ",")},
		{"flatten", `{{rb_join (rb_flatten .h) ","}}`, strings.Join(flat, ",")},
		{"inspect", `{{rb_inspect .h}}`, "{" + strings.Join(inspect, ", ") + "}"},
		{"to_s", `{{rb_to_s .h}}`, "{" + strings.Join(inspect, ", ") + "}"},
		// the values number the keys in insertion order: sorting by them
		// is how a template gets Chef's order back
		{"sort_by the value", `{{range $kv := rb_sort_by .h "i:1"}}{{index $kv 0}},{{end}}`, strings.Join(keys, ",") + ","},
		// all keys tie: the stable sort keeps the walk's order
		{"sort_by_keys with ties", `{{range $kv := rb_sort_by_keys .h (rb_list 1 1 1 1 1 1 1 1 1 1 1 1)}}{{index $kv 0}},{{end}}`, strings.Join(ks, ",") + ","},
		{"a typed Go map", `{{range $kv := rb_each .hs}}{{index $kv 0}}={{index $kv 1}},{{end}}`, strings.Join(typed, ",") + ","},
		{"keys of a typed Go map", `{{rb_join (rb_keys .hs) ","}}`, strings.Join(ks, ",")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := 0; i < 50; i++ {
				got, err := render(t, tt.src, data)
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Fatalf("render %d = %q, want %q", i, got, tt.want)
				}
			}
		})
	}
}
