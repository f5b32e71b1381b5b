package facts

import (
	"context"
	"fmt"
	"strings"

	"github.com/converge-cm/converge/engine/transport"
)

// Gather runs Script on the node in one round trip and parses its output.
// The caller adds the node's name to the error.
func Gather(ctx context.Context, r transport.Runner) (Facts, error) {
	res, err := r.Run(ctx, Script(), nil)
	if err != nil {
		return Facts{}, fmt.Errorf("gather facts: run the facts script (sh -c): %w", err)
	}
	stderr := strings.TrimSpace(string(res.Stderr))
	if res.ExitCode != 0 {
		return Facts{}, fmt.Errorf("gather facts: the facts script (sh -c) exited %d; stderr: %s", res.ExitCode, orNone(stderr))
	}
	f, err := Parse(string(res.Stdout))
	if err != nil {
		return f, fmt.Errorf("gather facts: %w; stderr: %s", err, orNone(stderr))
	}
	return f, nil
}

func orNone(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}
