package engine

import (
	"bytes"
	"strings"
	"testing"
)

func TestSecrets_RedactEveryFormOutputCarries(t *testing.T) {
	s := &Secrets{}
	s.Add(`pa'ss<"word>`)
	s.Add("-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\nzzzzlastline\n-----END KEY-----\n")
	s.Add("ab") // too short to match inside text
	for _, tc := range []struct{ in, want string }{
		{`echo pa'ss<"word>`, "echo " + Redacted},
		{`{"cmd":"echo pa'ss\u003c\"word\u003e"}`, `{"cmd":"echo ` + Redacted + `"}`},
		{`{"cmd":"echo pa'ss<\"word>"}`, `{"cmd":"echo ` + Redacted + `"}`},
		{`sh -c 'echo pa'\''ss<"word>'`, `sh -c 'echo ` + Redacted + `'`},
		{"stderr: AAAAB3NzaC1yc2EAAAADAQABAAABAQ", "stderr: " + Redacted},
		{"nothing here about ab or abc", "nothing here about ab or abc"},
	} {
		if got := s.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if !s.Contains("xx pa'ss<\"word> yy") || s.Contains("password") {
		t.Error("Contains does not match the secret exactly")
	}
	if !s.Contains("ab") {
		t.Error("a short secret equal to the whole text is not found")
	}
	if !s.Touches(map[string]any{"env": []any{"X=1", "PW=pa'ss<\"word>"}}) || s.Touches(map[string]any{"a": "b"}) {
		t.Error("Touches does not look inside maps and lists")
	}
}

func TestSecrets_WriterFindsASecretSplitAcrossWrites(t *testing.T) {
	s := &Secrets{}
	var out bytes.Buffer
	w := s.Writer(&out)
	w.Write([]byte("before any secret: "))
	if out.String() != "before any secret: " {
		t.Fatalf("an empty set holds output back: %q", out.String())
	}
	s.Add("hunter2-long")
	w.Write([]byte("a hunt"))
	w.Write([]byte("er2-long b\nnext hunter2"))
	w.Write([]byte("-long"))
	w.Flush()
	if strings.Contains(out.String(), "hunter2") || strings.Count(out.String(), Redacted) != 2 {
		t.Fatalf("output %q", out.String())
	}
	var nilSet *Secrets
	if nilSet.Contains("x") || nilSet.Redact("x") != "x" || !nilSet.Empty() {
		t.Fatal("a nil set is not empty")
	}
}
