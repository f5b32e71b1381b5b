package facts

import (
	"strconv"
	"strings"
)

// memoryFact prints the MemTotal line of /proc/meminfo, read with shell
// builtins.
var memoryFact = fact{
	script: `s meminfo; [ -r /proc/meminfo ] && while read -r k v u; do case $k in MemTotal:) printf '%s %s %s\n' "$k" "$v" "$u"; break;; esac; done < /proc/meminfo
`,
	sections: [][]string{{"meminfo"}},
	parse:    parseMemory,
}

// parseMemory fills MemoryMB from "MemTotal: 16318480 kB", rounding down.
func parseMemory(out sections, f *Facts) {
	for _, l := range out["meminfo"] {
		fields := strings.Fields(l)
		if len(fields) < 2 || fields[0] != "MemTotal:" {
			continue
		}
		kb, err := strconv.Atoi(fields[1])
		if err != nil {
			return
		}
		if len(fields) > 2 && !strings.EqualFold(fields[2], "kB") {
			return // the kernel has only ever printed kB
		}
		f.MemoryMB = kb / 1024
		return
	}
}
