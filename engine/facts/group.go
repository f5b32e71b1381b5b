package facts

// rootGroupFact reads the name of root's primary group from /etc/passwd
// and /etc/group with builtins, as Ohai's root_group (Etc.getgrgid of
// root's gid): "root" on Linux. It prints the gid when /etc/group does
// not name it.
var rootGroupFact = fact{
	script: `s root-group; g=; [ -r /etc/passwd ] && while IFS=: read -r u x i g rest; do [ "$u" = root ] && break; g=; done < /etc/passwd
if [ -n "$g" ]; then n=; [ -r /etc/group ] && while IFS=: read -r n x i rest; do [ "$i" = "$g" ] && break; n=; done < /etc/group; echo "${n:-$g}"; fi
`,
	sections: [][]string{{"root-group"}},
	parse:    func(out sections, f *Facts) { f.RootGroup = out.first("root-group") },
}
