package facts

import (
	"strconv"
	"strings"
)

// memoryFact prints the MemTotal and SwapTotal lines of /proc/meminfo,
// read with shell builtins.
var memoryFact = fact{
	script: `s meminfo; [ -r /proc/meminfo ] && while read -r k v u; do case $k in MemTotal:) printf '%s %s %s\n' "$k" "$v" "$u";; SwapTotal:) printf '%s %s %s\n' "$k" "$v" "$u"; break;; esac; done < /proc/meminfo
`,
	sections: [][]string{{"meminfo"}},
	parse:    parseMemory,
}

// parseMemory fills MemoryMB from "MemTotal: 16318480 kB", rounding down,
// and Ohai's memory.total and memory.swap.total as Ohai writes them, the
// number and unit joined: "16318480kB".
func parseMemory(out sections, f *Facts) {
	for _, l := range out["meminfo"] {
		fields := strings.Fields(l)
		if len(fields) < 2 {
			continue
		}
		kb, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		unit := ""
		if len(fields) > 2 {
			unit = fields[2]
		}
		switch fields[0] {
		case "MemTotal:":
			f.Memory.Total = fields[1] + unit
			if strings.EqualFold(unit, "kB") {
				f.MemoryMB = kb / 1024 // the kernel has only ever printed kB
			}
		case "SwapTotal:":
			f.Memory.Swap.Total = fields[1] + unit
		}
	}
}
