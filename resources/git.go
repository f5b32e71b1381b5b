package resources

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// Git clones a repository on the node and keeps it at a branch, tag or
// commit, as Chef's git does: sync clones or fetches and checks the
// revision out on a local branch (checkout_branch, "deploy"); checkout
// only clones when the destination is missing. The probe reads the
// checkout's HEAD and asks the repository (git ls-remote) what the
// revision is, both read-only, in the node's probe round trip.
type Git struct {
	engine.Common
	Destination      string `prop:"destination,name" doc:"Absolute path of the checkout on the node; defaults to the resource name."`
	Repository       string `prop:"repository" doc:"URL of the repository (https, ssh, git, file, or user@host:path), with no spaces."`
	Revision         string `prop:"revision" doc:"Branch, tag or full commit id to check out (default HEAD, the remote's default branch)."`
	Remote           string `prop:"remote" doc:"Name of the remote (default origin)."`
	CheckoutBranch   string `prop:"checkout_branch" doc:"Local branch the revision is checked out on (default deploy)."`
	Depth            int    `prop:"depth" doc:"Clone and fetch only this many commits of history (a shallow clone)."`
	EnableSubmodules bool   `prop:"enable_submodules" doc:"Update the repository's submodules after a checkout."`
	User             string `prop:"user,account" doc:"Owner of the checkout: its files are given to this user after each change."`
	Group            string `prop:"group,account" doc:"Group of the checkout's files."`

	commit bool // Revision is a full commit id
}

var _ engine.Resource = (*Git)(nil)

func init() {
	engine.Register(engine.Kind{Name: "git", Actions: []string{"sync", "checkout"},
		New: func() engine.Resource { return &Git{} }, Doc: "A git checkout on the node kept at a branch, tag or commit of a repository."})
}

var (
	gitCommitRe = regexp.MustCompile(`^[0-9a-f]{40}$`)
	gitRevRe    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_./+-]*$`)
	gitURLRe    = regexp.MustCompile(`^([a-z][a-z0-9+.-]*://\S+|[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:\S+|/\S+)$`)
)

// Prepare validates the repository, revision and names.
func (g *Git) Prepare(*engine.PrepareContext) error {
	bad := func(detail, format string, a ...any) error { return engine.Errorf(&g.Common, detail, format, a...) }
	if err := checkAbs(&g.Common, g.Destination); err != nil {
		return err
	}
	if g.Repository == "" {
		return bad("set repository=\"https://...\"", "git %s has no repository", g.Destination)
	}
	if strings.ContainsAny(g.Repository, " \t\n\r") {
		return bad("percent-encode a space as %20", "repository URL %q contains a space", g.Repository)
	}
	if !gitURLRe.MatchString(g.Repository) {
		return bad("use a URL such as https://host/repo.git, git://host/repo or git@host:repo.git", "repository URL %q is not a URL", g.Repository)
	}
	if g.Revision == "" {
		g.Revision = "HEAD"
	}
	g.commit = gitCommitRe.MatchString(g.Revision)
	if !g.commit && (!gitRevRe.MatchString(g.Revision) || strings.Contains(g.Revision, "..") || strings.HasSuffix(g.Revision, ".lock")) {
		return bad("use a branch, a tag or a full 40-digit commit id", "revision %q is not a branch, tag or commit", g.Revision)
	}
	if g.Remote == "" {
		g.Remote = "origin"
	}
	if g.CheckoutBranch == "" {
		g.CheckoutBranch = "deploy"
	}
	for _, n := range []string{g.Remote, g.CheckoutBranch} {
		if !gitRevRe.MatchString(n) || strings.Contains(n, "..") {
			return bad("remote and branch names are letters, digits and _./+-", "%q is not a valid git name", n)
		}
	}
	if g.Depth < 0 {
		return bad("", "depth %d is negative", g.Depth)
	}
	for _, n := range []string{g.User, g.Group} {
		if n != "" && !scriptUserRe.MatchString(n) {
			return bad("use a user or group name such as \"deploy\"", "%q is not a valid user or group name", n)
		}
	}
	return nil
}

// git is the git command on the checkout, trusted whoever owns it.
func (g *Git) git() string {
	d := shell.Quote(g.Destination)
	return "git -c safe.directory=" + d + " -C " + d
}

// probe prints "head SHA" and "url URL" for a checkout ("notrepo" for a
// directory that is something else), then what the repository says the
// revision is (git ls-remote), unless it is a commit id.
func (g *Git) probe() string {
	d := shell.Quote(g.Destination)
	s := "command -v git >/dev/null || exit 127; if [ -e " + d + "/.git ]; then echo \"head $(" + g.git() + " rev-parse HEAD)\"; " +
		"echo \"url $(" + g.git() + " config --get " + shell.Quote("remote."+g.Remote+".url") + ")\"; " +
		"elif [ -d " + d + " ] && [ -n \"$(ls -A " + d + ")\" ]; then echo notrepo; fi"
	if !g.commit {
		s += "; git ls-remote " + shell.Quote(g.Repository) + " " + shell.Quote(g.Revision) + " " + shell.Quote(g.Revision+"^{}")
	}
	return s
}

// Probes reads the checkout and the remote revision; the probe depends
// on the network and on git being installed, so it is taken again after
// any change.
func (g *Git) Probes() []engine.Probe {
	return []engine.Probe{engine.ShellProbe(g.probe())}
}

// Touches is the checkout.
func (g *Git) Touches() []string { return []string{g.Destination} }

// gitState is what the probe found.
type gitState struct {
	head, url, target string
	notRepo, repo     bool
}

func (g *Git) parse(out string) gitState {
	var st gitState
	refs := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "head "):
			st.head, st.repo = strings.TrimSpace(l[5:]), true
		case strings.HasPrefix(l, "url "):
			st.url = strings.TrimSpace(l[4:])
		case l == "notrepo":
			st.notRepo = true
		default:
			if sha, ref, ok := strings.Cut(l, "\t"); ok {
				refs[strings.TrimSpace(ref)] = sha
			}
		}
	}
	st.target = g.Revision
	if g.commit {
		return st
	}
	st.target = ""
	for _, ref := range []string{"refs/tags/" + g.Revision + "^{}", "refs/tags/" + g.Revision, "refs/heads/" + g.Revision, g.Revision} {
		if sha, ok := refs[ref]; ok {
			st.target = sha
			break
		}
	}
	return st
}

// Check compares the checkout with the revision.
func (g *Git) Check(action string, p engine.Probed) (engine.Diff, error) {
	r, err := shellOf(p, g.probe())
	if err != nil {
		return engine.Diff{}, err
	}
	var st gitState
	// Without git (yet: a package declared earlier installs it, and this
	// probe is taken again after any change), plan the clone.
	if p.Assumed() || r.ExitCode == 127 {
		st.target = g.Revision
	} else {
		switch {
		case r.ExitCode != 0:
			return engine.Diff{}, fmt.Errorf("git ls-remote %s exited %d: the node cannot read the repository", g.Repository, r.ExitCode)
		}
		st = g.parse(r.Stdout)
		if st.notRepo {
			return engine.Diff{}, fmt.Errorf("%s exists and is not a git checkout; remove it or choose another destination", g.Destination)
		}
		if st.target == "" {
			return engine.Diff{}, fmt.Errorf("the repository %s has no branch or tag %q", g.Repository, g.Revision)
		}
	}
	var d engine.Diff
	var cmds []string
	depth := ""
	if g.Depth > 0 {
		depth = " --depth " + strconv.Itoa(g.Depth)
	}
	checkout := g.git() + " checkout -q -B " + shell.Quote(g.CheckoutBranch) + " " + shell.Quote(st.target)
	switch {
	case !st.repo:
		d.Changes = append(d.Changes, fmt.Sprintf("clone %s at %s into %s", g.Repository, g.Revision, g.Destination))
		branch := ""
		if !g.commit && g.Revision != "HEAD" {
			branch = " --branch " + shell.Quote(g.Revision)
		}
		cmds = append(cmds, "git clone -q"+depth+branch+" --origin "+shell.Quote(g.Remote)+" "+shell.Quote(g.Repository)+" "+shell.Quote(g.Destination), checkout)
	case action == "checkout":
		return engine.Diff{}, nil
	default:
		if st.url != g.Repository {
			d.Changes = append(d.Changes, fmt.Sprintf("set %s's URL from %q to %s", g.Remote, st.url, g.Repository))
			cmds = append(cmds, g.git()+" remote set-url "+shell.Quote(g.Remote)+" "+shell.Quote(g.Repository))
		}
		if st.head != st.target {
			d.Changes = append(d.Changes, fmt.Sprintf("update %s from %.12s to %s (%.12s)", g.Destination, st.head, g.Revision, st.target))
			fetch := g.git() + " fetch -q" + depth + " --tags " + shell.Quote(g.Remote)
			if !g.commit && g.Revision != "HEAD" && g.Depth > 0 {
				fetch = g.git() + " fetch -q" + depth + " " + shell.Quote(g.Remote) + " " + shell.Quote(g.Revision)
			}
			cmds = append(cmds, fetch, checkout)
		}
	}
	if len(d.Changes) == 0 {
		return engine.Diff{}, nil
	}
	if g.EnableSubmodules {
		cmds = append(cmds, g.git()+" submodule -q update --init --recursive")
	}
	switch {
	case g.User != "" && g.Group != "":
		cmds = append(cmds, "chown -R -- "+shell.Quote(g.User+":"+g.Group)+" "+shell.Quote(g.Destination))
	case g.User != "":
		cmds = append(cmds, "chown -R -- "+shell.Quote(g.User)+" "+shell.Quote(g.Destination))
	case g.Group != "":
		cmds = append(cmds, "chgrp -R -- "+shell.Quote(g.Group)+" "+shell.Quote(g.Destination))
	}
	d.Commands = cmds
	var plan steps
	for _, c := range cmds {
		plan.run(c)
	}
	d.Data = plan
	return d, nil
}

// Apply runs the clone or fetch and checkout Check planned.
func (g *Git) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	return applySteps(ctx, d, h)
}
