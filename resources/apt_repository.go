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

// AptRepository manages an APT source in /etc/apt/sources.list.d, with
// its signing key, as Chef's apt_repository does. After the source or its
// key changed, apt-get update refreshes that source alone (the node's
// other sources are not fetched).
type AptRepository struct {
	engine.Common
	RepoName     string   `prop:"repo_name,name" doc:"Name of the source: the file is /etc/apt/sources.list.d/REPO_NAME.list; defaults to the resource name."`
	URI          string   `prop:"uri" doc:"The repository's base URL (http, https, file, ...), with no spaces."`
	Distribution string   `prop:"distribution" doc:"The suite or codename (bookworm, jammy, stable); defaults to the node's codename."`
	Components   []string `prop:"components" doc:"Components of the suite, such as [\"main\", \"contrib\"]."`
	Arch         string   `prop:"arch" doc:"Only this architecture (amd64, arm64, ...)."`
	Trusted      bool     `prop:"trusted" doc:"Mark the source trusted=yes, so its packages install unsigned."`
	DebSrc       bool     `prop:"deb_src" doc:"Add a deb-src line for source packages as well."`
	Key          string   `prop:"key" doc:"The signing key: an absolute path of a keyring on the node, the armored key itself, written to /etc/apt/keyrings/REPO_NAME.asc, or its fingerprint (8, 16 or 40 hex digits), fetched once from keyserver into /etc/apt/keyrings/REPO_NAME.gpg."`
	Keyserver    string   `prop:"keyserver" doc:"The key server a key given by its fingerprint is fetched from (default keyserver.ubuntu.com, as Chef's); a host name or an hkp://, hkps:// URL."`
	SignedBy     string   `prop:"signed_by" doc:"Absolute path of the keyring on the node that signs the repository (signed-by=)."`
	Options      []string `prop:"options" doc:"More source options, as NAME=VALUE (\"lang=en\")."`
	CacheRebuild bool     `prop:"cache_rebuild" doc:"Run apt-get update for this source after it changed (default True)."`

	list    string
	keyPath string // the key file converge writes, "" when none
	keyData []byte
	// keyFetch, for a key given by its fingerprint, is the command that
	// fetches it from the key server into keyPath
	keyFetch string
	data     []byte
}

var _ engine.Resource = (*AptRepository)(nil)

func init() {
	engine.Register(engine.Kind{Name: "apt_repository", Actions: []string{"add", "remove"},
		New: func() engine.Resource { return &AptRepository{} }, Doc: "An APT source in /etc/apt/sources.list.d with its signing key, updated when it changed."})
}

var (
	aptNameRe   = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	aptURIRe    = regexp.MustCompile(`^[a-z][a-z0-9+.-]*:\S+$`)
	aptWordRe   = regexp.MustCompile(`^[A-Za-z0-9_./~+-]+$`)
	aptOptionRe = regexp.MustCompile(`^[a-z][a-z0-9-]*[+-]?=[^\s\]]+$`)
	aptKeyIDRe  = regexp.MustCompile(`^(?:0x)?(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{16}|[0-9A-Fa-f]{40})$`)
	aptServerRe = regexp.MustCompile(`^(?:(?:hkps?|https?)://)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?/?$`)
)

// debianCodenames name the suites of the releases converge knows.
var debianCodenames = map[string]string{
	"debian 10": "buster", "debian 11": "bullseye", "debian 12": "bookworm", "debian 13": "trixie",
	"ubuntu 18.04": "bionic", "ubuntu 20.04": "focal", "ubuntu 22.04": "jammy", "ubuntu 24.04": "noble",
}

func codename(platform, version string) string {
	if c, ok := debianCodenames[platform+" "+version]; ok {
		return c
	}
	major, _, _ := strings.Cut(version, ".")
	return debianCodenames[platform+" "+major]
}

// Prepare validates the source and renders the list file and the key.
func (a *AptRepository) Prepare(pc *engine.PrepareContext) error {
	bad := func(detail, format string, args ...any) error {
		return engine.Errorf(&a.Common, detail, format, args...)
	}
	if !aptNameRe.MatchString(a.RepoName) || strings.HasPrefix(a.RepoName, ".") {
		return bad("apt reads only files in sources.list.d named with letters, digits, _, . and -", "apt_repository name %q is not a valid file name", a.RepoName)
	}
	if !a.IsSet("cache_rebuild") {
		a.CacheRebuild = true
	}
	a.list = "/etc/apt/sources.list.d/" + a.RepoName + ".list"
	if pc.Node.Facts.PlatformFamily != "" && pc.Node.Facts.PlatformFamily != "debian" {
		return bad("declare it only for Debian-family nodes (if node.platform_family == \"debian\")", "apt_repository on a %s node, which has no apt", pc.Node.Facts.PlatformFamily)
	}
	switch {
	case strings.ContainsAny(a.Key, "\n") || strings.HasPrefix(a.Key, "-----BEGIN"):
		if !strings.Contains(a.Key, "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
			return bad("give the armored key (-----BEGIN PGP PUBLIC KEY BLOCK-----...) or a keyring path", "key is not an armored PGP public key")
		}
		a.keyPath = "/etc/apt/keyrings/" + a.RepoName + ".asc"
		a.keyData = []byte(strings.TrimSpace(a.Key) + "\n")
	case aptKeyIDRe.MatchString(strings.ReplaceAll(a.Key, " ", "")):
		server := a.Keyserver
		if server == "" {
			server = "keyserver.ubuntu.com"
		}
		if !aptServerRe.MatchString(server) {
			return bad("use a host name such as keyserver.ubuntu.com, or hkps://keys.openpgp.org", "keyserver %q is not a host name or key server URL", server)
		}
		if !strings.Contains(server, "://") {
			// as Chef: a bare host name is hkp on port 80
			server = "hkp://" + strings.TrimSuffix(server, "/")
			if !strings.Contains(strings.TrimPrefix(server, "hkp://"), ":") {
				server += ":80"
			}
		}
		id := strings.TrimPrefix(strings.ReplaceAll(a.Key, " ", ""), "0x")
		a.keyPath = "/etc/apt/keyrings/" + a.RepoName + ".gpg"
		// a throwaway GnuPG home: the key is exported as a binary
		// keyring apt reads with signed-by=, and root's keyring is
		// left alone
		a.keyFetch = "command -v gpg >/dev/null || { echo 'apt_repository: fetching a key from a key server needs gpg: install the gnupg package first' >&2; exit 127; }; " +
			"mkdir -p -- /etc/apt/keyrings && ( g=$(mktemp -d) && " +
			"GNUPGHOME=$g gpg --batch --quiet --keyserver " + shell.Quote(server) + " --recv-keys " + id +
			" && GNUPGHOME=$g gpg --batch --export " + id + " > " + shell.Quote(a.keyPath+".tmp") +
			" && [ -s " + shell.Quote(a.keyPath+".tmp") + " ] && chmod 0644 " + shell.Quote(a.keyPath+".tmp") +
			" && mv -f -- " + shell.Quote(a.keyPath+".tmp") + " " + shell.Quote(a.keyPath) + "; rc=$?; rm -rf \"$g\" " + shell.Quote(a.keyPath+".tmp") + "; exit $rc )"
	case a.Key != "":
		if !strings.HasPrefix(a.Key, "/") {
			return bad("fetch the key with remote_file and give its path, or give the armored key itself", "key %q is neither a keyring path nor an armored key", a.Key)
		}
	}
	if a.Keyserver != "" && a.keyFetch == "" {
		return bad("give key= as the key's fingerprint, or remove keyserver=", "keyserver= is set, but key is not a key fingerprint")
	}
	signedBy := a.SignedBy
	if a.Key != "" {
		if a.SignedBy != "" {
			return bad("remove key= or signed_by=", "key= and signed_by= are both set")
		}
		signedBy = a.Key
		if a.keyPath != "" {
			signedBy = a.keyPath
		}
	}
	if signedBy != "" && (!strings.HasPrefix(signedBy, "/") || !aptWordRe.MatchString(signedBy)) {
		return bad("use an absolute path such as /etc/apt/keyrings/"+a.RepoName+".gpg", "signed_by %q is not an absolute path without spaces", signedBy)
	}
	if a.Actions[0] == "remove" && a.URI == "" {
		return nil
	}
	if a.URI == "" {
		return bad("set uri=\"https://...\"", "apt_repository %s has no uri", a.RepoName)
	}
	if strings.ContainsAny(a.URI, " \t\n") {
		return bad("percent-encode a space as %20", "repository URL %q contains a space", a.URI)
	}
	if !aptURIRe.MatchString(a.URI) || strings.ContainsAny(a.URI, "[]") {
		return bad("use a URL such as http://deb.example.com/debian or file:///srv/repo", "repository URL %q is not a URL", a.URI)
	}
	if a.Distribution == "" {
		a.Distribution = codename(pc.Node.Facts.Platform, pc.Node.Facts.PlatformVersion)
		if a.Distribution == "" {
			return bad("set distribution= (bookworm, jammy, ./ for a flat repository)", "no codename known for %s %s", pc.Node.Facts.Platform, pc.Node.Facts.PlatformVersion)
		}
	}
	for _, w := range append([]string{a.Distribution}, a.Components...) {
		if !aptWordRe.MatchString(w) {
			return bad("distribution and components are single words such as bookworm and main", "%q is not a distribution or component", w)
		}
	}
	if strings.HasSuffix(a.Distribution, "/") && len(a.Components) > 0 {
		return bad("remove components= for a flat repository", "a flat repository (distribution %q) has no components", a.Distribution)
	}
	var opts []string
	if a.Arch != "" {
		if !aptWordRe.MatchString(a.Arch) {
			return bad("use an architecture such as amd64", "arch %q is not an architecture", a.Arch)
		}
		opts = append(opts, "arch="+a.Arch)
	}
	if signedBy != "" {
		opts = append(opts, "signed-by="+signedBy)
	}
	if a.Trusted {
		opts = append(opts, "trusted=yes")
	}
	for _, o := range a.Options {
		if !aptOptionRe.MatchString(o) {
			return bad("write each option as name=value, such as lang=en", "source option %q is not valid", o)
		}
		opts = append(opts, o)
	}
	rest := a.URI + " " + strings.Join(append([]string{a.Distribution}, a.Components...), " ")
	if len(opts) > 0 {
		rest = "[" + strings.Join(opts, " ") + "] " + rest
	}
	text := fmt.Sprintf("# Generated by converge (apt_repository[%s]); local changes are overwritten.\ndeb %s\n", a.RepoName, rest)
	if a.DebSrc {
		text += "deb-src " + rest + "\n"
	}
	a.data = []byte(text)
	return nil
}

// Probes stats the list file and the key converge writes.
func (a *AptRepository) Probes() []engine.Probe {
	ps := []engine.Probe{engine.StatProbe(a.list)}
	if a.keyPath != "" {
		ps = append(ps, engine.StatProbe(a.keyPath))
	}
	return ps
}

// Touches is the list file, the key and apt's lists.
func (a *AptRepository) Touches() []string {
	t := []string{a.list, "/var/lib/apt/lists"}
	if a.keyPath != "" {
		t = append(t, a.keyPath)
	}
	return t
}

// update is apt-get update of this source alone.
func (a *AptRepository) update() string {
	return "apt-get -q update -o Dir::Etc::sourcelist=" + shell.Quote(a.list) +
		" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0"
}

// Check compares the list file and the key with the source.
func (a *AptRepository) Check(action string, p engine.Probed) (engine.Diff, error) {
	st, err := statOf(p, a.list)
	if err != nil {
		return engine.Diff{}, err
	}
	var kst engine.FileState
	if a.keyPath != "" {
		if kst, err = statOf(p, a.keyPath); err != nil {
			return engine.Diff{}, err
		}
	}
	var d engine.Diff
	var plan steps
	if action == "remove" {
		removeStep(&d, &plan, st, a.list)
		if a.keyPath != "" {
			removeStep(&d, &plan, kst, a.keyPath)
		}
	} else {
		if a.keyFetch != "" && !kst.Exists {
			// fetched once: a key on the node is the one its
			// fingerprint names
			d.Changes = append(d.Changes, "fetch key "+a.keyPath+" from the key server")
			plan.run(a.keyFetch)
		} else if a.keyPath != "" && a.keyFetch == "" {
			if !kst.Exists {
				plan.run("mkdir -p -- /etc/apt/keyrings")
			}
			if !fileStep(&d, &plan, kst, a.keyPath, a.keyData, "0644") && !kst.Exists {
				plan = plan[:len(plan)-1]
			}
		}
		if fileStep(&d, &plan, st, a.list, a.data, "0644") {
			d.Content = &engine.ContentChange{Path: a.list, OldSHA: st.SHA256, New: a.data, NeedsOld: st.Exists}
		}
		if !d.Empty() && a.CacheRebuild {
			d.Changes = append(d.Changes, "update the package lists of "+a.RepoName)
			plan.run(a.update())
		}
	}
	if d.Empty() {
		return engine.Diff{}, nil
	}
	d.Commands, d.Data = plan.commands(), plan
	return d, nil
}

// Apply writes or removes the files and updates the source's lists.
func (a *AptRepository) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	return applySteps(ctx, d, h)
}

// AptUpdate refreshes APT's package lists, as Chef's apt_update does:
// periodic updates when the last update is older than frequency seconds,
// update always does.
type AptUpdate struct {
	engine.Common
	Frequency int `prop:"frequency" doc:"Seconds after the last update before periodic updates again (default 86400)."`
}

var _ engine.Resource = (*AptUpdate)(nil)

func init() {
	engine.Register(engine.Kind{Name: "apt_update", Actions: []string{"periodic", "update"},
		New: func() engine.Resource { return &AptUpdate{} }, Doc: "APT's package lists, refreshed when they are older than a frequency or always."})
}

// aptStamp is the file apt-get update success touches (APT's periodic
// scripts and Chef use the same).
const aptStamp = "/var/lib/apt/periodic/update-success-stamp"

// Prepare validates the frequency.
func (a *AptUpdate) Prepare(pc *engine.PrepareContext) error {
	if !a.IsSet("frequency") {
		a.Frequency = 86400
	}
	if a.Frequency < 0 {
		return engine.Errorf(&a.Common, "use a number of seconds, such as 86400 for a day", "frequency %d is negative", a.Frequency)
	}
	if pc.Node.Facts.PlatformFamily != "" && pc.Node.Facts.PlatformFamily != "debian" {
		return engine.Errorf(&a.Common, "declare it only for Debian-family nodes", "apt_update on a %s node, which has no apt", pc.Node.Facts.PlatformFamily)
	}
	return nil
}

// probe prints the time of the last update (the stamp, else the lists
// directory) and the node's clock, in seconds.
func (a *AptUpdate) probe() string {
	return "command -v apt-get >/dev/null || exit 127; { stat -c %Y " + aptStamp + " || stat -c %Y /var/lib/apt/lists || echo 0; } 2>/dev/null; date +%s"
}

// Probes reads the age of the lists.
func (a *AptUpdate) Probes() []engine.Probe {
	return []engine.Probe{engine.ShellProbe(a.probe(), "/var/lib/apt/lists", aptStamp)}
}

// Touches is apt's lists and the stamp.
func (a *AptUpdate) Touches() []string { return []string{"/var/lib/apt/lists", aptStamp} }

const aptUpdateCmd = "apt-get -q update && mkdir -p /var/lib/apt/periodic && touch " + aptStamp

// Check decides whether the lists need updating.
func (a *AptUpdate) Check(action string, p engine.Probed) (engine.Diff, error) {
	r, err := shellOf(p, a.probe())
	if err != nil {
		return engine.Diff{}, err
	}
	change := "update the package lists"
	if action == "periodic" && !p.Assumed() {
		if r.ExitCode == 127 {
			return engine.Diff{}, fmt.Errorf("the node has no apt-get; apt_update needs a Debian-family node")
		}
		f := strings.Fields(r.Stdout)
		if len(f) != 2 {
			return engine.Diff{}, fmt.Errorf("apt_update probe printed %q, want two times", r.Stdout)
		}
		last, err1 := strconv.ParseInt(f[0], 10, 64)
		now, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return engine.Diff{}, fmt.Errorf("apt_update probe printed %q, want two times", r.Stdout)
		}
		age := now - last
		if age < int64(a.Frequency) {
			return engine.Diff{}, nil
		}
		change = fmt.Sprintf("update the package lists (last updated %ds ago, frequency %ds)", age, a.Frequency)
	}
	return engine.Diff{Changes: []string{change}, Commands: []string{aptUpdateCmd}}, nil
}

// Apply runs apt-get update and touches the stamp.
func (a *AptUpdate) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	if len(d.Commands) != 1 {
		return fmt.Errorf("apt_update Apply without a plan from Check; this is a bug in converge")
	}
	_, err := h.Run(ctx, d.Commands[0], "")
	return err
}
