package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/converge-cm/converge/engine"
)

// BenchmarkCompile_1000CustomResources compiles a recipe declaring 1,000
// custom resources (kind file, properties, probes(), one action each).
func BenchmarkCompile_1000CustomResources(b *testing.B) {
	root := b.TempDir()
	for i := 0; i < b.N; i++ {
		c := compileCustom(b, root, []string{"settings::many"}, map[string]any{"n": 1000})
		if len(c.Resources) != 1000 {
			b.Fatalf("%d resources", len(c.Resources))
		}
	}
}

// BenchmarkNoOp_100Custom and BenchmarkNoOp_100Builtin converge a second,
// no-op run over 100 custom resources and over 100 built-in file
// resources on the local transport; round-trips/op is the number of
// commands each run sent to the node (both: the one probe round trip).
func BenchmarkNoOp_100Custom(b *testing.B)  { benchNoOp(b, "settings::many") }
func BenchmarkNoOp_100Builtin(b *testing.B) { benchNoOp(b, "settings::many_builtin") }

func benchNoOp(b *testing.B, recipe string) {
	root := b.TempDir()
	c := compileCustom(b, root, []string{recipe}, map[string]any{"n": 100})
	tr := newCounting()
	h := &engine.Host{T: tr, Node: c.Node}
	// The state the first run would leave, written directly: a first run
	// of 100 executes re-probes after each one (they may touch anything).
	for i := 0; i < 100; i++ {
		for _, f := range []string{"k%d", "b%d"} {
			if err := os.WriteFile(filepath.Join(root, fmt.Sprintf(f, i)), []byte("v"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	tr.runs = nil
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := engine.Converge(context.Background(), c, h, engine.Options{}); res.Err != nil || res.Updated != 0 {
			b.Fatalf("no-op run: %d updated, %v", res.Updated, res.Err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(tr.runs))/float64(b.N), "round-trips/op")
}
