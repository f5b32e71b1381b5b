package resources_test

import (
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/resources"
)

// Chef takes owner, group and user as a name or a number (owner 0, group
// 1000); converge takes both, and compares a number with the path's uid
// or gid, a name with its owner's name.
func TestAccounts_NumericOwnerAndGroup(t *testing.T) {
	st := func(typ, owner, uid, group, gid string) engine.FileState {
		return engine.FileState{Exists: true, Type: typ, SHA256: sha256hex("hi\n"), Owner: owner, UID: uid, Group: group, GID: gid, Mode: "0644", LinkTarget: "/srv/t"}
	}
	files := map[string]string{"files/default/motd": "hi\n", "templates/default/motd.tmpl": "hi\n"}
	runKindCases(t, []kindCase{
		{name: "file: uid and gid as ints, up to date by number", src: `file("/etc/motd", content="hi\n", owner=0, group=0)`,
			stat: []engine.FileState{st("file", "root", "0", "root", "0")}},
		{name: "file: a numeric string is a number too", src: `file("/etc/motd", content="hi\n", owner="1000", group="1000")`,
			stat: []engine.FileState{st("file", "alice", "1000", "alice", "1000")}},
		{name: "file: uid drift", src: `file("/etc/motd", content="hi\n", owner=1000, group=0)`,
			stat:     []engine.FileState{st("file", "root", "0", "root", "0")},
			changes:  []string{"change owner from root to 1000"},
			commands: []string{resources.FixCmd("1000", "0", "", "/etc/motd")}},
		{name: "file: a file of a uid without a name", src: `file("/etc/motd", content="hi\n", owner=4242)`,
			stat: []engine.FileState{st("file", "UNKNOWN", "4242", "root", "0")}},
		{name: "file: a name is not the same uid by number", src: `file("/etc/motd", content="hi\n", owner="root")`,
			stat:     []engine.FileState{st("file", "alice", "1000", "alice", "1000")},
			changes:  []string{"change owner from alice to root"},
			commands: []string{resources.FixCmd("root", "", "", "/etc/motd")}},
		{name: "template: gid drift", src: `template("/etc/motd", source="motd.tmpl", group=50)`, files: files,
			stat:     []engine.FileState{st("file", "root", "0", "root", "0")},
			changes:  []string{"change group from root to 50"},
			commands: []string{resources.FixCmd("", "50", "", "/etc/motd")}},
		{name: "cookbook_file: up to date by number", src: `cookbook_file("/etc/motd", source="motd", owner=0, group=4)`, files: files,
			stat: []engine.FileState{st("file", "root", "0", "adm", "4")}},
		{name: "directory: uid drift", src: `directory("/srv/app", owner=1000, group=1000)`,
			stat:     []engine.FileState{st("directory", "alice", "1001", "alice", "1000")},
			changes:  []string{"change owner from alice to 1000"},
			commands: []string{resources.FixCmd("1000", "1000", "", "/srv/app")}},
		{name: "link: uid and gid, chown -h of the link", src: `link("/etc/l", to="/srv/t", owner=33, group=33)`,
			stat:     []engine.FileState{st("link", "root", "0", "root", "0")},
			changes:  []string{"change owner from root to 33", "change group from root to 33"},
			commands: []string{resources.PinnedAt("change the owner of link", "/etc/l", "chown -h -- 33:33 ./l")}},
		{name: "link: up to date by number", src: `link("/etc/l", to="/srv/t", owner=33)`,
			stat: []engine.FileState{st("link", "www-data", "33", "root", "0")}},
	})
}

// A new file gets the number as its owner: the atomic write chowns to it.
func TestAccounts_NewFileWrittenWithTheID(t *testing.T) {
	r := compileOne(t, `file("/etc/motd", content="hi\n", owner=0, group=1000)`, debian12())
	p := engine.NewProbed()
	p.SetStat("/etc/motd", engine.FileState{})
	d, err := r.Check("create", p)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := r.Apply(t.Context(), "create", d, &engine.Host{T: rec}); err != nil {
		t.Fatal(err)
	}
	if len(rec.opts) != 1 || rec.opts[0].Owner != "0" || rec.opts[0].Group != "1000" {
		t.Errorf("wrote with %+v, want owner 0 and group 1000", rec.opts)
	}
}

// su and sg take no numeric id: the command looks the name up on the
// node first, and quotes everything else as for a name.
func TestAccounts_NumericUserOfCommands(t *testing.T) {
	const lookupU = `converge_user=$(getent passwd 1000 | cut -d: -f1); [ -n "$converge_user" ] || { echo "converge: no user has uid 1000" >&2; exit 96; }; `
	const lookupG = `converge_group=$(getent group 50 | cut -d: -f1); [ -n "$converge_group" ] || { echo "converge: no group has gid 50" >&2; exit 96; }; `
	runKindCases(t, []kindCase{
		{name: "execute: user by uid", src: `execute("x", command="id 'a b'", user=1000, timeout=0)`,
			changes: []string{"execute id 'a b'"}, commands: []string{lookupU + `su -s /bin/sh -c 'id '\''a b'\''' -- "$converge_user"`}},
		{name: "execute: user and group by id", src: `execute("x", command="id", user="1000", group=50, timeout=0)`,
			changes: []string{"execute id"}, commands: []string{lookupG + lookupU + `su -s /bin/sh -c 'sg "$converge_group" -c id' -- "$converge_user"`}},
		{name: "execute: group by gid, user by name", src: `execute("x", command="id", user="app", group=50, timeout=0)`,
			changes: []string{"execute id"}, commands: []string{lookupG + `su -s /bin/sh -c 'sg "$converge_group" -c id' -- app`}},
		{name: "execute: user by uid, under the run's limit", src: `execute("x", command="id", user=1000)`,
			changes: []string{"execute id"}, commands: []string{lookupU + `su -s /bin/sh -c id -- "$converge_user"`},
			applied: []string{lookupU + `su -s /bin/sh -c 'set --; if command -v timeout >/dev/null 2>&1; then set -- timeout 3600; fi; "$@" sh -c id' -- "$converge_user"`}},
		{name: "bash: user by uid, the lookup before the time limit", src: `bash("b", code="id", user=1000, timeout=5)`,
			changes:  []string{"run 1 line(s) of bash code with bash"},
			commands: []string{"\n" + lookupU + "timeout 5 su -s /bin/sh -c 'exec bash' \"$converge_user\" <<'CONVERGE_EOF'\nid\nCONVERGE_EOF\n"}},
	})
}

func TestAccounts_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"negative uid", "file(\"/x\", owner=-1)\n", 1, `owner "-1" is not a user or group name or a decimal id`},
		{"uid too big", "directory(\"/x\", group=4294967295)\n", 1, `group "4294967295" is not a user or group name or a decimal id`},
		{"uid beyond int64", "directory(\"/x\", group=1 << 70)\n", 1, `property group: id 1180591620717411303424 is out of range`},
		{"bool", "file(\"/x\", owner=True)\n", 1, `property owner: want a name or a numeric id, got bool`},
		{"float", "execute(\"x\", user=1.5)\n", 1, `property user: want a name or a numeric id, got float`},
		{"list", "link(\"/x\", to=\"/y\", group=[0])\n", 1, `property group: want a name or a numeric id, got list`},
	})
}

// user's uid and group's gid are numbers, given as ints or (Chef's uid
// "1000") decimal strings.
func TestAccounts_UIDAndGIDAsStrings(t *testing.T) {
	for _, c := range []struct {
		src  string
		want int
	}{
		{`user("app", uid="1000")`, 1000},
		{`user("app", uid=4000000000)`, 4000000000},
		{`group("app", gid="0")`, 0},
		{`group("app", gid=50)`, 50},
	} {
		r := compileOne(t, c.src, debian12())
		var got int
		switch x := r.(type) {
		case *resources.User:
			got = x.UID
		case *resources.Group:
			got = x.GID
		}
		if got != c.want {
			t.Errorf("%s: id %d, want %d", c.src, got, c.want)
		}
	}
	runBadInputs(t, []badInput{
		{"a name for uid", "user(\"app\", uid=\"app\")\n", 1, `property uid: want a numeric id, got "app"`},
		{"negative gid", "group(\"app\", gid=-1)\n", 1, `gid -1 is not a valid id`},
	})
}
