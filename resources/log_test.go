package resources_test

import (
	"testing"

	"github.com/converge-cm/converge/engine"
)

// A log never plans a change and never probes: the engine shows its
// message (see engine.Messenger).
func TestLog_Table(t *testing.T) {
	for _, c := range []struct{ src, level, msg string }{
		{`log("hello $(x)")`, "info", "hello $(x)"},
		{`log("x", message="disk low", level="warn")`, "warn", "disk low"},
	} {
		r := compileOne(t, c.src, debian12())
		if len(r.Probes()) != 0 {
			t.Errorf("%s: probes %v", c.src, r.Probes())
		}
		d, err := r.Check("write", engine.NewProbed())
		if err != nil || !d.Empty() {
			t.Errorf("%s: Check = %+v, %v; want no change", c.src, d, err)
		}
		m, ok := r.(engine.Messenger)
		if !ok {
			t.Fatalf("log is not a Messenger")
		}
		if l, msg := m.Message("write"); l != c.level || msg != c.msg {
			t.Errorf("%s: Message = %q, %q", c.src, l, msg)
		}
	}
}

func TestLog_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"unknown level", "\nlog(\"x\", level=\"loud\")\n", 2, `log level "loud" is unknown`},
	})
}
