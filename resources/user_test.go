package resources_test

import (
	"testing"

	"github.com/converge-cm/converge/engine"
)

// userProbe is the user probe's answer for a passwd line, a primary group
// name and a shadow hash ("" for a user that does not exist).
func userProbe(passwd, group, hash string) []engine.ShellResult {
	return []engine.ShellResult{{Stdout: "passwd\t" + passwd + "\ngroup\t" + group + "\nhash\t" + hash}}
}

func TestUser_Table(t *testing.T) {
	alice := "alice:x:1001:1001:Alice A:/home/alice:/bin/bash"
	const hash = "$6$salt$TOPSECRETHASH"
	runKindCases(t, []kindCase{
		{name: "create with every property", src: `user("alice", uid=1001, gid="staff", home="/home/alice", shell="/bin/bash", comment="Alice A", system=True, manage_home=True)`,
			shell: userProbe("", "", ""), changes: []string{"create user alice"},
			commands: []string{"useradd -r -m -u 1001 -g staff -d /home/alice -s /bin/bash -c 'Alice A' -- alice"}},
		{name: "create without a home", src: `user("bob")`, shell: userProbe("", "", ""),
			changes: []string{"create user bob"}, commands: []string{"useradd -M -- bob"}},
		{name: "up to date", src: `user("alice", uid=1001, gid="alice", home="/home/alice", shell="/bin/bash", comment="Alice A")`, shell: userProbe(alice, "alice", "")},
		{name: "gid by number is up to date", src: `user("alice", gid="1001")`, shell: userProbe(alice, "alice", "")},
		{name: "usermod gets only what differs", src: `user("alice", uid=1002, gid="staff", home="/home/alice", shell="/bin/zsh")`,
			shell:    userProbe(alice, "alice", ""),
			changes:  []string{"change uid from 1001 to 1002", "change gid from alice to staff", "change shell from /bin/bash to /bin/zsh"},
			commands: []string{"usermod -u 1002 -g staff -s /bin/zsh -- alice"}},
		{name: "hostile home and comment are quoted, a dash comment is an argument", src: `user("alice", home="/home/a b/$(id)", comment="-p x'y\nz")`,
			shell:    userProbe(alice, "alice", ""),
			changes:  []string{"change home from /home/alice to /home/a b/$(id)", "change comment"},
			commands: []string{"usermod -d '/home/a b/$(id)' -c '-p x'\\''y\nz' -- alice"}},
		{name: "the password hash never shows in the plan", src: `user("alice", password="` + hash + `")`,
			shell: userProbe(alice, "alice", "$6$old$OLD"), changes: []string{"change password"},
			commands: []string{"usermod -p '(hidden)' -- alice"}, applied: []string{"usermod -p '" + hash + "' -- alice"}},
		{name: "create with a password", src: `user("carol", password="` + hash + `", comment="-p")`,
			shell: userProbe("", "", ""), changes: []string{"create user carol"},
			commands: []string{"useradd -M -c -p -p '(hidden)' -- carol"}, applied: []string{"useradd -M -c -p -p '" + hash + "' -- carol"}},
		{name: "same password hash", src: `user("alice", password="` + hash + `")`, shell: userProbe(alice, "alice", hash)},
		{name: "remove with its home", src: `user("alice", action="remove", manage_home=True)`, shell: userProbe(alice, "alice", ""),
			changes: []string{"remove user alice"}, commands: []string{"userdel -r -- alice"}},
		{name: "remove when gone", src: `user("alice", action="remove")`, shell: userProbe("", "", "")},
		{name: "samba machine account", src: `user("ws1$", system=True)`, shell: userProbe("", "", ""),
			changes: []string{"create user ws1$"}, commands: []string{"useradd -r -M -- 'ws1$'"}},
	})
}

// The probe tags each answer: getent, echo and id used to leave an empty
// line that shifted the primary group into the password hash.
func TestUser_ProbeOutputFromARealShell(t *testing.T) {
	r := compileOne(t, `user("root", gid="root", password="*")`, debian12())
	p := engine.NewProbed()
	p.SetShell(r.Probes()[0].Arg, engine.ShellResult{Stdout: "passwd\troot:x:0:0:root:/root:/bin/bash\ngroup\troot\nhash\t*"})
	d, err := r.Check("create", p)
	if err != nil || !d.Empty() {
		t.Fatalf("Check = %q, %v; want up to date", d.Changes, err)
	}
	want := `printf 'passwd\t%s\n' "$(getent passwd -- root)"; printf 'group\t%s\n' "$(id -gn -- root 2>/dev/null)"; printf 'hash\t%s\n' "$(getent shadow -- root | cut -d: -f2)"`
	if got := r.Probes()[0].Arg; got != want {
		t.Errorf("probe:\n%s\nwant:\n%s", got, want)
	}
}

func TestUser_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"leading dash", "\nuser(\"--reference=/etc/shadow\")\n", 2, `user name "--reference=/etc/shadow" is not a user or group name`},
		{"command substitution", "user(\"$(touch /tmp/x)\")\n", 1, `user name "\$\(touch /tmp/x\)" is not a user or group name`},
		{"space", "user(\"a b\")\n", 1, `user name "a b" is not`},
		{"newline", "user(\"a\\nb\")\n", 1, `user name "a\\nb" is not`},
		{"quote in gid", "user(\"a\", gid=\"x'y\")\n", 1, `gid "x'y" is not a user or group name or a decimal id`},
		{"negative uid", "user(\"a\", uid=-1)\n", 1, `uid -1 is not a valid id`},
	})
}
