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
	UID        int    `prop:"uid" doc:"Numeric user id."`
	GID        string `prop:"gid" doc:"Primary group, by name or number."`
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

func (u *User) probe() string {
	q := shell.Quote(u.Username)
	cmd := "getent passwd " + q + "; echo; id -gn " + q
	if u.Password != "" {
		cmd += "; echo; getent shadow " + q + " | cut -d: -f2"
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
	parts := strings.Split(out, "\n")
	var st userState
	if len(parts) > 0 {
		f := strings.Split(parts[0], ":")
		if len(f) >= 7 {
			st = userState{exists: true, uid: f[2], gid: f[3], comment: f[4], home: f[5], shell: f[6]}
		}
	}
	if len(parts) > 1 {
		st.group = strings.TrimSpace(parts[1])
	}
	if len(parts) > 2 {
		st.hash = strings.TrimSpace(parts[2])
	}
	return st
}

// Check compares the account with the properties.
func (u *User) Check(action string, p engine.Probed) (engine.Diff, error) {
	r, ok := p.Shell(u.probe())
	if !ok {
		return engine.Diff{}, engine.MissingProbe(engine.ProbeShell, u.probe())
	}
	st := parseUser(r.Stdout)
	if action == "remove" {
		if st.exists {
			return engine.Diff{Changes: []string{"remove user " + u.Username}}, nil
		}
		return engine.Diff{}, nil
	}
	if !st.exists {
		return engine.Diff{Changes: []string{"create user " + u.Username}, Data: "create"}, nil
	}
	var ch []string
	if u.IsSet("uid") && strconv.Itoa(u.UID) != st.uid {
		ch = append(ch, fmt.Sprintf("change uid from %s to %d", st.uid, u.UID))
	}
	if u.GID != "" && u.GID != st.gid && u.GID != st.group {
		ch = append(ch, fmt.Sprintf("change gid from %s to %s", st.group, u.GID))
	}
	if u.Home != "" && u.Home != st.home {
		ch = append(ch, fmt.Sprintf("change home from %s to %s", st.home, u.Home))
	}
	if u.Shell != "" && u.Shell != st.shell {
		ch = append(ch, fmt.Sprintf("change shell from %s to %s", st.shell, u.Shell))
	}
	if u.IsSet("comment") && u.Comment != st.comment {
		ch = append(ch, "change comment")
	}
	if u.Password != "" && u.Password != st.hash {
		ch = append(ch, "change password")
	}
	return engine.Diff{Changes: ch, Data: "modify"}, nil
}

// Apply runs useradd, usermod or userdel.
func (u *User) Apply(ctx context.Context, action string, d engine.Diff, h *engine.Host) error {
	var args []string
	switch {
	case action == "remove":
		args = []string{"userdel"}
		if u.ManageHome {
			args = append(args, "-r")
		}
	case d.Data == "create":
		args = []string{"useradd"}
		if u.System {
			args = append(args, "-r")
		}
		if u.ManageHome {
			args = append(args, "-m")
		} else {
			args = append(args, "-M")
		}
	default:
		args = []string{"usermod"}
	}
	if action != "remove" {
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
			args = append(args, "-p", u.Password)
		}
	}
	args = append(args, "--", u.Username)
	display := ""
	if u.Password != "" || u.Sensitive {
		display = args[0] + " (arguments hidden: password)"
	}
	_, err := h.Run(ctx, shell.Join(args...), display)
	return err
}
