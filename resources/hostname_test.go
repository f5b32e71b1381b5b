package resources_test

import (
	"testing"

	"github.com/converge-cm/converge/engine"
)

func TestHostname_Table(t *testing.T) {
	hosts := engine.ShellResult{Stdout: "127.0.0.1\tlocalhost\n127.0.1.1\told"}
	done := engine.FileState{Exists: true, Type: "file", Mode: "0644", SHA256: sha256hex("web1.example.com\n")}
	runKindCases(t, []kindCase{
		{name: "debian: all three", src: `hostname("web1.example.com")`,
			shell: []engine.ShellResult{{Stdout: "old"}, hosts}, stat: []engine.FileState{{Exists: true, Type: "file", Mode: "0644", SHA256: sha256hex("old\n")}},
			changes: []string{"update content of file /etc/hostname from " + sha256hex("old\n")[:8] + " to " + sha256hex("web1.example.com\n")[:8],
				`set hostname from "old" to "web1.example.com"`, "set 127.0.1.1 to web1.example.com web1 in /etc/hosts"},
			commands: []string{"hostname web1.example.com"},
			content:  "127.0.0.1\tlocalhost\n127.0.1.1\tweb1.example.com web1\n"},
		{name: "up to date", src: `hostname("web1.example.com")`,
			shell: []engine.ShellResult{{Stdout: "web1.example.com"}, {Stdout: "127.0.0.1 localhost\n127.0.1.1   web1.example.com  web1"}}, stat: []engine.FileState{done}},
		{name: "centos: node address, aliases, line appended", src: `hostname("db1", aliases=["db"])`, facts: centos7(),
			shell: []engine.ShellResult{{Stdout: "db1"}, {Stdout: "127.0.0.1 localhost"}}, stat: []engine.FileState{{Exists: true, Type: "file", Mode: "0644", SHA256: sha256hex("db1\n")}},
			changes: []string{"set 10.0.0.11 to db1 db in /etc/hosts"},
			content: "127.0.0.1 localhost\n10.0.0.11\tdb1 db\n"},
		{name: "without /etc/hosts", src: `hostname("web2", manage_hosts=False)`,
			shell: []engine.ShellResult{{Stdout: "web1"}}, stat: []engine.FileState{{}},
			changes: []string{"create new file /etc/hostname", `set hostname from "web1" to "web2"`}, commands: []string{"hostname web2"}},
	})
}

func TestHostname_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"hostile", "\nhostname(\"$(touch /tmp/x)\")\n", 2, `hostname "\$\(touch /tmp/x\)" is not a valid hostname`},
		{"underscore", "hostname(\"web_1\")\n", 1, `is not a valid hostname`},
		{"leading dash", "hostname(\"-web\")\n", 1, `is not a valid hostname`},
		{"empty label", "hostname(\"web..example\")\n", 1, `is not a valid hostname`},
		{"long label", "hostname(\"" + longLabel() + "\")\n", 1, `is not a valid hostname`},
		{"bad alias", "hostname(\"web1\", aliases=[\"a b\"])\n", 1, `alias "a b" is not a valid hostname`},
		{"bad address", "hostname(\"web1\", ipaddress=\"1.2.3.4; rm\")\n", 1, `is not an IP address`},
	})
}

func longLabel() string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}
