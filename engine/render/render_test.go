package render

import (
	"strings"
	"testing"
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
