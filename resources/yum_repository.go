package resources

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/shell"
)

// YumRepository manages a repository file in /etc/yum.repos.d for yum and
// dnf, as Chef's yum_repository does; after the file changed, the
// repository's metadata cache is rebuilt (make_cache).
type YumRepository struct {
	engine.Common
	RepositoryID      string            `prop:"repositoryid,name" doc:"The repository's id, the [section] and the file name ID.repo; defaults to the resource name."`
	Description       string            `prop:"description" doc:"The repository's human-readable name (name=); defaults to the id."`
	Baseurl           []string          `prop:"baseurl" doc:"URLs of the repository, with no spaces."`
	Mirrorlist        string            `prop:"mirrorlist" doc:"URL of a file listing mirrors."`
	Metalink          string            `prop:"metalink" doc:"URL of a metalink file listing mirrors and checksums."`
	Enabled           bool              `prop:"enabled" doc:"Whether the repository is used (default True)."`
	Gpgcheck          bool              `prop:"gpgcheck" doc:"Check the packages' GPG signatures (default True)."`
	Gpgkey            []string          `prop:"gpgkey" doc:"URLs of the GPG keys (file:///etc/pki/rpm-gpg/... or https://...)."`
	RepoGpgcheck      bool              `prop:"repo_gpgcheck" doc:"Check the signature of the repository metadata."`
	Sslverify         bool              `prop:"sslverify" doc:"Verify the server's TLS certificate (default True)."`
	Priority          int               `prop:"priority" doc:"Priority from 1 (highest) to 99; unset leaves yum's default."`
	Cost              int               `prop:"cost" doc:"Relative cost of the repository; unset leaves yum's default (1000)."`
	Exclude           string            `prop:"exclude" doc:"Packages never taken from this repository (space-separated globs)."`
	Includepkgs       string            `prop:"includepkgs" doc:"The only packages taken from this repository (space-separated globs)."`
	Proxy             string            `prop:"proxy" doc:"URL of the proxy for this repository."`
	SkipIfUnavailable bool              `prop:"skip_if_unavailable" doc:"Go on when the repository cannot be reached."`
	Timeout           int               `prop:"timeout" doc:"Seconds before a download from the repository gives up."`
	Options           map[string]string `prop:"options" doc:"Other settings of the repository section, written as key=value."`
	MakeCache         bool              `prop:"make_cache" doc:"Rebuild the repository's metadata cache after the file changed (default True)."`
	Mode              string            `prop:"mode,mode" doc:"Mode of the file (default \"0644\")."`
	Reposdir          string            `prop:"reposdir" doc:"Directory of the file (default /etc/yum.repos.d)."`

	tool string // yum or dnf
	path string
	data []byte
}

var _ engine.Resource = (*YumRepository)(nil)

func init() {
	engine.Register(engine.Kind{Name: "yum_repository", Actions: []string{"create", "delete", "makecache", "add", "remove"},
		New: func() engine.Resource { return &YumRepository{} }, Doc: "A yum or dnf repository in /etc/yum.repos.d, its metadata cache rebuilt when it changed."})
}

var (
	yumIDRe  = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)
	yumURLRe = regexp.MustCompile(`^[a-z][a-z0-9+.-]*://\S+$`)
)

// yumTool is the node's package tool: dnf on Fedora and on Red Hat 8 and
// later, yum before.
func yumTool(f facts.Facts) string {
	if f.PlatformFamily == "fedora" || f.Platform == "fedora" {
		return "dnf"
	}
	major, _, _ := strings.Cut(f.PlatformVersion, ".")
	if n, err := strconv.Atoi(major); err == nil && n >= 8 && f.PlatformFamily != "amazon" {
		return "dnf"
	}
	return "yum"
}

// Prepare validates the repository and renders its file; it refuses a
// node that has neither yum nor dnf.
func (y *YumRepository) Prepare(pc *engine.PrepareContext) error {
	if err := y.prepare(pc); err != nil {
		return err
	}
	switch pc.Node.Facts.PlatformFamily {
	case "", "rhel", "fedora", "amazon":
		return nil
	}
	return engine.Errorf(&y.Common, "declare it only for Red Hat-family nodes (if node.platform_family == \"rhel\")", "yum_repository on a %s node, which has no yum or dnf", pc.Node.Facts.PlatformFamily)
}

func (y *YumRepository) prepare(pc *engine.PrepareContext) error {
	bad := func(detail, format string, a ...any) error { return engine.Errorf(&y.Common, detail, format, a...) }
	if !yumIDRe.MatchString(y.RepositoryID) {
		return bad("a repository id is letters, digits and _.:-", "yum repository id %q is not valid", y.RepositoryID)
	}
	y.tool = yumTool(pc.Node.Facts)
	for p, def := range map[string]*bool{"enabled": &y.Enabled, "gpgcheck": &y.Gpgcheck, "sslverify": &y.Sslverify, "make_cache": &y.MakeCache} {
		if !y.IsSet(p) {
			*def = true
		}
	}
	if y.Reposdir == "" {
		y.Reposdir = "/etc/yum.repos.d"
	}
	if err := checkAbs(&y.Common, y.Reposdir); err != nil {
		return err
	}
	if y.Mode == "" {
		y.Mode = "0644"
	}
	y.path = strings.TrimSuffix(y.Reposdir, "/") + "/" + y.RepositoryID + ".repo"
	action := y.Actions[0]
	if action == "delete" || action == "remove" || action == "makecache" {
		return nil
	}
	urls := append([]string{}, y.Baseurl...)
	for _, u := range []string{y.Mirrorlist, y.Metalink, y.Proxy} {
		if u != "" {
			urls = append(urls, u)
		}
	}
	urls = append(urls, y.Gpgkey...)
	for _, u := range urls {
		if strings.ContainsAny(u, " \t\n") {
			return bad("percent-encode a space as %20; give several URLs as a list", "repository URL %q contains a space", u)
		}
		if !yumURLRe.MatchString(u) {
			return bad("use a URL such as http://mirror.example.com/centos/7/os/x86_64/", "repository URL %q is not a URL", u)
		}
	}
	if len(y.Baseurl) == 0 && y.Mirrorlist == "" && y.Metalink == "" {
		return bad("set baseurl=, mirrorlist= or metalink=", "yum repository %s has no baseurl, mirrorlist or metalink", y.RepositoryID)
	}
	for _, v := range []string{y.Description, y.Exclude, y.Includepkgs} {
		if strings.ContainsAny(v, "\n\r\x00") {
			return bad("", "%q contains a newline, which a .repo line cannot hold", v)
		}
	}
	if y.IsSet("priority") && (y.Priority < 1 || y.Priority > 99) {
		return bad("use a priority from 1 (highest) to 99", "priority %d is out of range", y.Priority)
	}
	desc := y.Description
	if desc == "" {
		desc = y.RepositoryID
	}
	b01 := func(v bool) string { return map[bool]string{true: "1", false: "0"}[v] }
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by converge (yum_repository[%s]); local changes are overwritten.\n[%s]\nname=%s\n", y.RepositoryID, y.RepositoryID, desc)
	line := func(k, v string) { b.WriteString(k + "=" + v + "\n") }
	if len(y.Baseurl) > 0 {
		line("baseurl", strings.Join(y.Baseurl, "\n        "))
	}
	if y.Mirrorlist != "" {
		line("mirrorlist", y.Mirrorlist)
	}
	if y.Metalink != "" {
		line("metalink", y.Metalink)
	}
	line("enabled", b01(y.Enabled))
	line("gpgcheck", b01(y.Gpgcheck))
	if len(y.Gpgkey) > 0 {
		line("gpgkey", strings.Join(y.Gpgkey, "\n       "))
	}
	if y.IsSet("repo_gpgcheck") {
		line("repo_gpgcheck", b01(y.RepoGpgcheck))
	}
	if y.IsSet("sslverify") {
		line("sslverify", b01(y.Sslverify))
	}
	for _, kv := range []struct {
		k  string
		v  int
		on bool
	}{{"priority", y.Priority, y.IsSet("priority")}, {"cost", y.Cost, y.IsSet("cost")}, {"timeout", y.Timeout, y.IsSet("timeout")}} {
		if kv.on {
			line(kv.k, strconv.Itoa(kv.v))
		}
	}
	for _, kv := range [][2]string{{"exclude", y.Exclude}, {"includepkgs", y.Includepkgs}, {"proxy", y.Proxy}} {
		if kv[1] != "" {
			line(kv[0], kv[1])
		}
	}
	if y.IsSet("skip_if_unavailable") {
		line("skip_if_unavailable", b01(y.SkipIfUnavailable))
	}
	keys := make([]string, 0, len(y.Options))
	for k := range y.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !iniKeyRe.MatchString(k) || strings.ContainsAny(y.Options[k], "\n\r\x00") {
			return bad("option names are letters, digits, _ and -; values are one line", "option %q is not valid", k)
		}
		line(k, y.Options[k])
	}
	y.data = []byte(b.String())
	return nil
}

// makecache rebuilds this repository's metadata alone.
func (y *YumRepository) makecache() string {
	return y.tool + " -q -y makecache --disablerepo='*' --enablerepo=" + shell.Quote(y.RepositoryID)
}

// clean drops this repository's cached metadata.
func (y *YumRepository) clean() string {
	return y.tool + " -q clean metadata --disablerepo='*' --enablerepo=" + shell.Quote(y.RepositoryID)
}

// Probes stats the file.
func (y *YumRepository) Probes() []engine.Probe { return []engine.Probe{engine.StatProbe(y.path)} }

// Touches is the file and the package tool's cache.
func (y *YumRepository) Touches() []string { return []string{y.path, "/var/cache/" + y.tool} }

// Check compares the file with the repository.
func (y *YumRepository) Check(action string, p engine.Probed) (engine.Diff, error) {
	st, err := statOf(p, y.path)
	if err != nil {
		return engine.Diff{}, err
	}
	var d engine.Diff
	var plan steps
	switch action {
	case "delete", "remove":
		if st.Exists {
			removeStep(&d, &plan, st, y.path)
			plan.run(y.clean())
		}
	case "makecache":
		d.Changes = append(d.Changes, "rebuild the metadata cache of "+y.RepositoryID)
		plan.run(y.makecache())
	default:
		if fileStep(&d, &plan, st, y.path, y.data, y.Mode) {
			d.Content = &engine.ContentChange{Path: y.path, OldSHA: st.SHA256, New: y.data, NeedsOld: st.Exists}
			if y.MakeCache && y.Enabled && (!st.Exists || st.SHA256 != sha(y.data)) {
				d.Changes = append(d.Changes, "rebuild the metadata cache of "+y.RepositoryID)
				plan.run(y.makecache())
			}
		}
	}
	if d.Empty() {
		return engine.Diff{}, nil
	}
	d.Commands, d.Data = plan.commands(), plan
	return d, nil
}

// Apply writes or removes the file and rebuilds or cleans the cache.
func (y *YumRepository) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	return applySteps(ctx, d, h)
}
