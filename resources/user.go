package resources

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// User manages a local user account.
type User struct {
	engine.Common
	Username   string `prop:"username,name" doc:"Login name; defaults to the resource name."`
	UID        int    `prop:"uid,account" doc:"Numeric user id (1000 or \"1000\")."`
	GID        string `prop:"gid,account" doc:"Primary group, by name or number."`
	Home       string `prop:"home" doc:"Home directory."`
	Shell      string `prop:"shell" doc:"Login shell."`
	Comment    string `prop:"comment" doc:"GECOS comment."`
	System     bool   `prop:"system" doc:"Create a system account (low uid, no aging)."`
	ManageHome bool   `prop:"manage_home" doc:"Create the home directory on create, remove it on remove."`
	Password   string `prop:"password" doc:"Hashed password as in /etc/shadow (crypt(3) form); mark the resource sensitive."`
}

var _ engine.Resource = (*User)(nil)

func init() {
	engine.Register(engine.Kind{Name: "user", Actions: []string{"create", "remove"},
		New: func() engine.Resource { return &User{} }, Doc: "A local user account."})
}

// Prepare validates the name.
func (u *User) Prepare(*engine.PrepareContext) error {
	if err := checkAccount(&u.Common, "user name", u.Username, false); err != nil {
		return err
	}
	if u.GID != "" || u.IsSet("gid") {
		if err := checkAccount(&u.Common, "gid", u.GID, true); err != nil {
			return err
		}
	}
	return checkID(&u.Common, "uid", u.UID)
}

// probe prints one tagged line each for the passwd entry, the primary
// group's name and (when a password is managed) the shadow hash.
func (u *User) probe() string {
	q := shell.Quote(u.Username)
	cmd := `printf 'passwd\t%s\n' "$(getent passwd -- ` + q + `)"; printf 'group\t%s\n' "$(id -gn -- ` + q + ` 2>/dev/null)"`
	if u.Password != "" {
		cmd += `; printf 'hash\t%s\n' "$(getent shadow -- ` + q + ` | cut -d: -f2)"`
	}
	return cmd
}

// Probes reads the passwd entry (and the shadow hash when a password is managed).
func (u *User) Probes() []engine.Probe {
	return []engine.Probe{engine.ShellProbe(u.probe(), "/etc/passwd", "/etc/group", "/etc/shadow")}
}

type userState struct {
	exists                         bool
	uid, gid, comment, home, shell string
	group, hash                    string
}

func parseUser(out string) userState {
	var st userState
	for _, line := range strings.Split(out, "\n") {
		tag, v, _ := strings.Cut(line, "\t")
		switch tag {
		case "passwd":
			if f := strings.Split(v, ":"); len(f) >= 7 {
				st.exists = true
				st.uid, st.gid, st.comment, st.home, st.shell = f[2], f[3], f[4], f[5], f[6]
			}
		case "group":
			st.group = strings.TrimSpace(v)
		case "hash":
			st.hash = strings.TrimSpace(v)
		}
	}
	return st
}

// userPlan is the command Check planned: cmd runs, shown is cmd with the
// password hash hidden, for the plan and for errors.
type userPlan struct{ cmd, shown string }

// hidden stands for the password hash in plans and errors.
const hidden = "(hidden)"

// Check compares the account with the properties and plans the useradd,
// usermod or userdel call; usermod gets only what differs.
func (u *User) Check(action string, p engine.Probed) (engine.Diff, error) {
	r, ok := p.Shell(u.probe())
	if !ok {
		return engine.Diff{}, engine.MissingProbe(engine.ProbeShell, u.probe())
	}
	st := parseUser(r.Stdout)
	var d engine.Diff
	var args []string
	password := -1 // the hash's index in args
	switch {
	case action == "remove":
		if !st.exists {
			return engine.Diff{}, nil
		}
		d.Changes = []string{"remove user " + u.Username}
		args = []string{"userdel"}
		if u.ManageHome {
			args = append(args, "-r")
		}
	case !st.exists:
		d.Changes = []string{"create user " + u.Username}
		args = []string{"useradd"}
		if u.System {
			args = append(args, "-r")
		}
		if u.ManageHome {
			args = append(args, "-m")
		} else {
			args = append(args, "-M")
		}
		if u.IsSet("uid") {
			args = append(args, "-u", strconv.Itoa(u.UID))
		}
		if u.GID != "" {
			args = append(args, "-g", u.GID)
		}
		if u.Home != "" {
			args = append(args, "-d", u.Home)
		}
		if u.Shell != "" {
			args = append(args, "-s", u.Shell)
		}
		if u.IsSet("comment") {
			args = append(args, "-c", u.Comment)
		}
		if u.Password != "" {
			args, password = append(args, "-p", u.Password), len(args)+1
		}
	default:
		args = []string{"usermod"}
		change := func(line string, a ...string) {
			d.Changes = append(d.Changes, line)
			args = append(args, a...)
		}
		if u.IsSet("uid") && strconv.Itoa(u.UID) != st.uid {
			change(fmt.Sprintf("change uid from %s to %d", st.uid, u.UID), "-u", strconv.Itoa(u.UID))
		}
		if u.GID != "" && u.GID != st.gid && u.GID != st.group {
			change(fmt.Sprintf("change gid from %s to %s", st.group, u.GID), "-g", u.GID)
		}
		if u.Home != "" && u.Home != st.home {
			change(fmt.Sprintf("change home from %s to %s", st.home, u.Home), "-d", u.Home)
		}
		if u.Shell != "" && u.Shell != st.shell {
			change(fmt.Sprintf("change shell from %s to %s", st.shell, u.Shell), "-s", u.Shell)
		}
		if u.IsSet("comment") && u.Comment != st.comment {
			change("change comment", "-c", u.Comment)
		}
		if u.Password != "" && u.Password != st.hash {
			password = len(args) + 1
			change("change password", "-p", u.Password)
		}
		if d.Empty() {
			return engine.Diff{}, nil
		}
	}
	args = append(args, "--", u.Username)
	plan := userPlan{cmd: shell.Join(args...), shown: shell.Join(args...)}
	if password >= 0 {
		shown := append([]string{}, args...)
		shown[password] = hidden
		plan.shown = shell.Join(shown...)
	}
	d.Commands, d.Data = []string{plan.shown}, plan
	return d, nil
}

// Apply runs what Check planned.
func (u *User) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	plan, ok := d.Data.(userPlan)
	if !ok {
		return fmt.Errorf("apply without a plan from Check; this is a bug in converge")
	}
	display := plan.shown
	if u.Sensitive {
		display = strings.Fields(plan.cmd)[0] + " (arguments hidden: sensitive)"
	}
	_, err := h.Run(ctx, plan.cmd, display)
	return err
}
