package resources_test

import (
	"testing"

	"github.com/converge-cm/converge/engine"
)

func TestGroup_Table(t *testing.T) {
	gone := []engine.ShellResult{{ExitCode: 2}}
	admins := func(members string) []engine.ShellResult {
		return []engine.ShellResult{{Stdout: "admins:x:1500:" + members}}
	}
	runKindCases(t, []kindCase{
		{name: "create with gid and members", src: `group("admins", gid=1500, system=True, members=["bob", "alice"])`, shell: gone,
			changes:  []string{"create group admins", "set members to alice,bob (were )"},
			commands: []string{"groupadd -r -g 1500 -- admins", "gpasswd -M alice,bob -- admins"}},
		{name: "create", src: `group("admins")`, shell: gone, changes: []string{"create group admins"}, commands: []string{"groupadd -- admins"}},
		{name: "up to date, members in any order", src: `group("admins", gid=1500, members=["bob", "alice"])`, shell: admins("alice,bob")},
		{name: "gid drifted", src: `group("admins", gid=1501)`, shell: admins(""),
			changes: []string{"change gid from 1500 to 1501"}, commands: []string{"groupmod -g 1501 -- admins"}},
		{name: "exact members", src: `group("admins", members=["alice"])`, shell: admins("alice,mallory"),
			changes: []string{"set members to alice (were alice,mallory)"}, commands: []string{"gpasswd -M alice -- admins"}},
		{name: "no members at all", src: `group("admins", members=[])`, shell: admins("mallory"),
			changes: []string{"set members to  (were mallory)"}, commands: []string{"gpasswd -M '' -- admins"}},
		{name: "append adds the missing ones", src: `group("admins", members=["carol", "alice", "dave$"], append=True)`, shell: admins("alice"),
			changes:  []string{"add members carol, dave$"},
			commands: []string{"gpasswd -a carol -- admins >/dev/null", "gpasswd -a 'dave$' -- admins >/dev/null"}},
		{name: "append with all present", src: `group("admins", members=["alice"], append=True)`, shell: admins("alice,bob")},
		{name: "remove", src: `group("admins", action="remove")`, shell: admins(""), changes: []string{"remove group admins"}, commands: []string{"groupdel -- admins"}},
		{name: "remove when gone", src: `group("admins", action="remove")`, shell: gone},
	})
}

func TestGroup_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"leading dash", "\ngroup(\"-r\")\n", 2, `group name "-r" is not a user or group name`},
		{"command substitution", "group(\"$(id)\")\n", 1, `group name "\$\(id\)" is not`},
		{"member with a comma", "group(\"g\", members=[\"a,root\"])\n", 1, `member "a,root" is not a user or group name`},
		{"member with a space", "group(\"g\", members=[\"a b\"])\n", 1, `member "a b" is not`},
		{"member with a newline", "group(\"g\", members=[\"a\\nb\"])\n", 1, `member "a\\nb" is not`},
		{"gid out of range", "group(\"g\", gid=-5)\n", 1, `gid -5 is not a valid id`},
	})
}
