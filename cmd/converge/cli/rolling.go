package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// serialFlag is --serial N|P%: how many nodes a rolling converge changes
// at a time. Zero (the default) converges every node at once.
type serialFlag struct {
	n       int
	percent bool
}

func (s *serialFlag) String() string {
	if s.percent {
		return strconv.Itoa(s.n) + "%"
	}
	return strconv.Itoa(s.n)
}

func (s *serialFlag) Set(v string) error {
	num, pct := strings.CutSuffix(strings.TrimSpace(v), "%")
	n, err := strconv.Atoi(num)
	switch {
	case err != nil || n < 0:
		return fmt.Errorf("want a number of nodes (2) or a percentage of them (30%%); 0 converges every node at once")
	case pct && n > 100:
		return fmt.Errorf("%s: a percentage of the nodes is at most 100%%", v)
	}
	s.n, s.percent = n, pct
	return nil
}

func (s *serialFlag) Type() string { return "N|P%" }

// rolling reports whether the run converges in batches.
func (s serialFlag) rolling() bool { return s.n > 0 }

// size is the number of nodes of a batch out of total: N, or P% of them
// rounded up; at least 1.
func (s serialFlag) size(total int) int {
	n := s.n
	if s.percent {
		n = (total*s.n + 99) / 100
	}
	return max(n, 1)
}

// batches cuts nodes, in order, into batches of the serial size; without
// --serial, one batch of every node.
func batches(nodes []*node, s serialFlag) [][]*node {
	if !s.rolling() || len(nodes) == 0 {
		return [][]*node{nodes}
	}
	size := s.size(len(nodes))
	var out [][]*node
	for i := 0; i < len(nodes); i += size {
		out = append(out, nodes[i:min(i+size, len(nodes))])
	}
	return out
}

// rollStopped is why the nodes after a stopped roll were not converged.
func rollStopped(failures int) string {
	noun := "failures"
	if failures == 1 {
		noun = "failure"
	}
	return fmt.Sprintf("the roll stopped after %d %s", failures, noun)
}
