package render

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/converge-cm/converge/engine/keyorder"
)

func TestRender_HasTheRubyHelpers(t *testing.T) {
	tests := []struct {
		name, src string
		data      map[string]any
		want      string
	}{
		{"rb_to_s of an Integer", `{{rb_to_s .port}}`, map[string]any{"port": int64(8080)}, "8080"},
		{"rb_to_s of a Float", `{{rb_to_s .r}}`, map[string]any{"r": 100.0}, "100.0"},
		{"rb_format", `{{rb_format "%03d" .n}}`, map[string]any{"n": int64(7)}, "007"},
		{"own helpers stay", `{{join ", " .l}} {{upper "a"}}`, map[string]any{"l": []any{"x", "y"}}, "x, y A"},
	}
	for _, tt := range tests {
		got, err := Render(tt.name, tt.src, tt.data)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %s = %q, %v; want %q", tt.name, tt.src, got, err, tt.want)
		}
	}
}

func TestRender_MissingKeyIsAnError(t *testing.T) {
	_, err := Render("t.tmpl", `{{.nope}}`, map[string]any{})
	if err == nil || !strings.Contains(err.Error(), `map has no entry for key "nope"`) {
		t.Errorf("err = %v", err)
	}
}

func TestRegisterFuncs_TwiceIsABug(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "rb_to_s registered twice") {
			t.Errorf("recover() = %v", r)
		}
	}()
	RegisterFuncs(map[string]any{"rb_to_s": func() string { return "" }})
}

// TestRenderOrdered_WalksHashesInInsertionOrder checks the rb_ functions
// walk a hash in the order its Table records (Ruby's insertion order),
// byte for byte as Ruby prints it, and a hash the template writes in the
// order written, while a map without a recorded order, the data of Render
// without a Table and text/template's range stay sorted. Before, every
// walk was sorted.
func TestRenderOrdered_WalksHashesInInsertionOrder(t *testing.T) {
	rules := map[string]any{"deny": "all", "allow": "10.0.0.0/8", "log": true}
	inner := map[string]any{"z": int64(1), "a": nil}
	nested := map[string]any{"m": inner, "b": []any{"x"}}
	plain := map[string]any{"b": int64(2), "a": int64(1)}
	ord := keyorder.New()
	ord.Set(rules, []string{"deny", "allow", "log"})
	ord.Set(inner, []string{"z", "a"})
	ord.Set(nested, []string{"m", "b"})
	data := map[string]any{"rules": rules, "nested": nested, "plain": plain}
	src := `{{range $p := rb_each .rules}}{{index $p 0}} {{rb_to_s (index $p 1)}}
{{end}}{{rb_to_s .rules}}
{{rb_inspect .nested}}
{{rb_join (rb_keys .rules) " "}}|{{rb_join (rb_values .nested.m) " "}}|{{rb_inspect (rb_flatten .nested)}}
{{rb_inspect (rb_sort_by .rules "i:1" "m:to_s")}}
{{rb_inspect (rb_hash "q" 1 "c" 2)}} {{rb_inspect .plain}}
{{range $k, $v := .rules}}{{$k}},{{end}}
`
	want := `deny all
allow 10.0.0.0/8
log true
{"deny"=>"all", "allow"=>"10.0.0.0/8", "log"=>true}
{"m"=>{"z"=>1, "a"=>nil}, "b"=>["x"]}
deny allow log|1 |["m", {"z"=>1, "a"=>nil}, "b", ["x"]]
[["allow", "10.0.0.0/8"], ["deny", "all"], ["log", true]]
{"q"=>1, "c"=>2} {"a"=>1, "b"=>2}
allow,deny,log,
`
	got, err := RenderOrdered("t", src, data, ord)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("RenderOrdered:\n%s\nwant:\n%s", got, want)
	}
	got, err = Render("t", `{{rb_to_s .rules}} {{rb_inspect (rb_hash "q" 1 "c" 2)}}`, data)
	if want := `{"allow"=>"10.0.0.0/8", "deny"=>"all", "log"=>true} {"q"=>1, "c"=>2}`; err != nil || string(got) != want {
		t.Errorf("Render without a Table = %q, %v; want the data sorted, the literal as written: %q", got, err, want)
	}
}

// TestRenderOrdered_ConcurrentRendersKeepTheirOrder renders two maps with
// the same keys in different recorded orders at once (as two nodes'
// compiles may): each render walks its own Table's order.
func TestRenderOrdered_ConcurrentRendersKeepTheirOrder(t *testing.T) {
	orders := [][]string{{"c", "a", "b"}, {"b", "c", "a"}}
	var wg sync.WaitGroup
	errs := make(chan string, 2*50)
	for _, keys := range orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				m := map[string]any{"a": int64(1), "b": int64(2), "c": int64(3)}
				ord := keyorder.New()
				ord.Set(m, keys)
				got, err := RenderOrdered("t", `{{rb_join (rb_keys .m) ""}}`, map[string]any{"m": m}, ord)
				if want := strings.Join(keys, ""); err != nil || string(got) != want {
					errs <- fmt.Sprintf("got %q, %v; want %q", got, err, want)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
