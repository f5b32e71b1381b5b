package facts

import (
	"strconv"
	"strings"
)

// cpuFact counts the online processors: the kernel's list of them
// ("0-3,6") costs no process; /proc/cpuinfo (Chef's source, the same
// count) or nproc are the fallback where /sys is not mounted.
var cpuFact = fact{
	script: `if [ -r /sys/devices/system/cpu/online ]; then s cpu-online; c /sys/devices/system/cpu/online
else s cpuinfo; grep -c '^processor' /proc/cpuinfo 2>/dev/null || nproc 2>/dev/null; fi
`,
	sections: [][]string{{"cpu-online", "cpuinfo"}},
	parse:    parseCPU,
}

// parseCPU fills CPUCount and Ohai's cpu.total, the same count.
func parseCPU(out sections, f *Facts) {
	defer func() { f.CPU.Total = f.CPUCount }()
	if out.has("cpu-online") {
		f.CPUCount = countCPUList(out.first("cpu-online"))
	}
	if f.CPUCount == 0 {
		// grep -c prints 0 and fails when no line matches, and nproc
		// follows: take the last positive count.
		for _, l := range out["cpuinfo"] {
			if n, err := strconv.Atoi(strings.TrimSpace(l)); err == nil && n > 0 {
				f.CPUCount = n
			}
		}
	}
}

// countCPUList counts the CPUs in a kernel CPU list such as "0-3,6,8-9";
// it returns 0 for anything else.
func countCPUList(s string) int {
	n := 0
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || b < a {
			return 0
		}
		n += b - a + 1
	}
	return n
}
