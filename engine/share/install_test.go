package share

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// platform sets up the platform team's remotes: drbd 1.0.0 and 1.2.0, and
// pacemaker_base 1.2.0 depending on drbd >= 1.0.
func platform(t *testing.T) (root string, drbd, pm *remote) {
	t.Helper()
	gitEnv(t)
	root = t.TempDir()
	drbd = newRemote(t, root, "drbd")
	drbd.publish("1.0.0", nil, nil)
	drbd.publish("1.2.0", nil, nil)
	pm = newRemote(t, root, "pacemaker_base")
	pm.publish("1.2.0", map[string]string{"drbd": ">= 1.0"}, nil)
	return root, drbd, pm
}

func TestInstall_LockThenSecondInstallFetchesNothing(t *testing.T) {
	root, drbd, pm := platform(t)
	repo := filepath.Join(root, "app-repo")
	sourcesYAML(t, repo,
		"drbd: {git: "+drbd.URL+", version: \"~> 1.0\"}",
		"pacemaker_base: {git: "+pm.URL+"}")

	res, err := Install(repo)
	if err != nil {
		t.Fatal(err)
	}
	if got := locked(t, repo); got["drbd"] != "1.2.0" || got["pacemaker_base"] != "1.2.0" || len(got) != 2 {
		t.Fatalf("locked %v, want drbd and pacemaker_base at 1.2.0", got)
	}
	if len(res.Changes) != 2 || !strings.HasPrefix(res.Changes[0], "added drbd 1.2.0") {
		t.Errorf("changes %q", res.Changes)
	}
	if b, err := os.ReadFile(filepath.Join(repo, VendorDir, "drbd", "recipes", "default.star")); err != nil || !strings.Contains(string(b), "drbd 1.2.0") {
		t.Fatalf("vendored drbd recipe: %q %v", b, err)
	}
	l, _ := ReadLock(repo)
	if e := l.Cookbooks["drbd"]; e.Source != "git:"+drbd.URL || e.Ref != "refs/tags/v1.2.0" || len(e.Commit) != 40 || !strings.HasPrefix(e.Hash, "sha256:") {
		t.Errorf("lock entry %+v", e)
	}
	if _, err := Verify(repo); err != nil {
		t.Fatalf("Verify after install: %v", err)
	}
	before := readLockFile(t, repo)

	// The remotes disappear: a second install must not need them.
	if err := os.Rename(drbd.URL, drbd.URL+".gone"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(pm.URL, pm.URL+".gone"); err != nil {
		t.Fatal(err)
	}
	calls := gitCalls.Load()
	res, err = Install(repo)
	if err != nil {
		t.Fatalf("second install with the remotes gone: %v", err)
	}
	if n := gitCalls.Load() - calls; n != 0 {
		t.Errorf("second install ran %d git commands, want none", n)
	}
	if len(res.Changes) != 0 {
		t.Errorf("second install changed %q", res.Changes)
	}
	if after := readLockFile(t, repo); after != before {
		t.Errorf("second install rewrote the lock:\n%s\nwas\n%s", after, before)
	}
}

func TestUpdate_NewTagMovesOnlyTheNamedCookbook(t *testing.T) {
	root, drbd, pm := platform(t)
	repo := filepath.Join(root, "app-repo")
	sourcesYAML(t, repo,
		"drbd: {git: "+drbd.URL+"}",
		"pacemaker_base: {git: "+pm.URL+"}")
	if _, err := Install(repo); err != nil {
		t.Fatal(err)
	}
	before := readLockFile(t, repo)

	drbd.publish("1.3.0", nil, nil)
	pm.publish("1.3.0", map[string]string{"drbd": ">= 1.0"}, nil)

	// install keeps what is locked.
	if res, err := Install(repo); err != nil || len(res.Changes) != 0 {
		t.Fatalf("install after new tags: %v %v", res, err)
	}
	st, err := List(repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Locked != "1.2.0" || s.Newest != "1.3.0" || !s.Newer {
			t.Errorf("list %+v, want locked 1.2.0, newest 1.3.0", s)
		}
	}

	res, err := Update(repo, "drbd")
	if err != nil {
		t.Fatal(err)
	}
	if got := locked(t, repo); got["drbd"] != "1.3.0" || got["pacemaker_base"] != "1.2.0" {
		t.Fatalf("after update drbd: %v, want drbd 1.3.0 and pacemaker_base still 1.2.0", got)
	}
	if len(res.Changes) != 1 || !strings.HasPrefix(res.Changes[0], "drbd 1.2.0 → 1.3.0") {
		t.Errorf("changes %q", res.Changes)
	}
	// The lock diff is drbd's version, ref, commit and hash, nothing else.
	after := readLockFile(t, repo)
	oldLines, newLines := diffLines(before, after)
	if len(oldLines) != 4 || len(newLines) != 4 {
		t.Fatalf("lock diff:\n-%s\n+%s", strings.Join(oldLines, "\n-"), strings.Join(newLines, "\n+"))
	}
	for _, l := range newLines {
		if !strings.Contains(l, `"1.3.0"`) && !strings.Contains(l, "v1.3.0") && !strings.Contains(l, `"commit"`) && !strings.Contains(l, `"hash"`) {
			t.Errorf("unexpected lock line %q", l)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(repo, VendorDir, "pacemaker_base", "recipes", "default.star")); !strings.Contains(string(b), "1.2.0") {
		t.Errorf("pacemaker_base vendored copy moved: %q", b)
	}

	// update with no names moves the rest.
	if _, err := Update(repo); err != nil {
		t.Fatal(err)
	}
	if got := locked(t, repo); got["pacemaker_base"] != "1.3.0" {
		t.Errorf("after update: %v", got)
	}
	if _, err := Verify(repo); err != nil {
		t.Fatal(err)
	}
}

func TestResolve_ConflictExplainsChainsAndVersions(t *testing.T) {
	gitEnv(t)
	root := t.TempDir()
	pm := newRemote(t, root, "pacemaker_base")
	for _, v := range []string{"1.1.0", "1.2.0", "1.3.1", "2.0.0"} {
		pm.publish(v, nil, nil)
	}
	ha := newRemote(t, root, "ha")
	ha.publish("1.0.0", map[string]string{"pacemaker_base": ">= 2.0"}, nil)
	web := newRemote(t, root, "web")
	web.publish("3.1.0", map[string]string{"ha": "~> 1.0"}, nil)

	repo := filepath.Join(root, "app-repo")
	sourcesYAML(t, repo,
		"ha: {git: "+ha.URL+"}",
		"pacemaker_base: {git: "+pm.URL+"}",
		"web: {git: "+web.URL+"}")
	// The application team's own cookbook.
	writeFiles(t, repo, map[string]string{"cookbooks/app/metadata.star": metadata("app", "0.1.0", map[string]string{"pacemaker_base": "~> 1.2", "web": ">= 3"})})

	_, err := Install(repo)
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("want a ConflictError, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"pacemaker_base: no version satisfies all of: >= 2.0 (converge.yaml → ha 1.0.0), ~> 1.2 (cookbooks/app); versions available in git:" + pm.URL + ": 1.1.0, 1.2.0, 1.3.1, 2.0.0\n",
		"to fix: relax one of these constraints (pacemaker_base >= 2.0 in the metadata.star of ha 1.0.0; pacemaker_base ~> 1.2 in cookbooks/app/metadata.star), or publish a version of pacemaker_base that satisfies them all",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if _, err := os.Stat(filepath.Join(repo, LockFile)); !os.IsNotExist(err) {
		t.Error("a failed install wrote converge.lock")
	}
}

func TestResolve_MissingSourceNamesTheChain(t *testing.T) {
	gitEnv(t)
	root := t.TempDir()
	web := newRemote(t, root, "web")
	web.publish("1.0.0", map[string]string{"apache2": "~> 8.0"}, nil)
	repo := filepath.Join(root, "app-repo")
	sourcesYAML(t, repo, "web: {git: "+web.URL+"}")
	_, err := Install(repo)
	if err == nil || !strings.Contains(err.Error(), "cookbook apache2 has no source: it is wanted by converge.yaml → web 1.0.0 → apache2 (~> 8.0)") {
		t.Fatalf("error: %v", err)
	}
}

func TestResolve_DiamondResolvesToOneVersion(t *testing.T) {
	gitEnv(t)
	root := t.TempDir()
	drbd := newRemote(t, root, "drbd")
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0"} {
		drbd.publish(v, nil, nil)
	}
	ha := newRemote(t, root, "ha")
	ha.publish("1.0.0", map[string]string{"drbd": ">= 1.0, < 1.3"}, nil)
	// ha's newest release pins drbd 1.0.0, which db cannot use: the
	// resolver has to step back to ha 1.0.0.
	ha.publish("1.1.0", map[string]string{"drbd": "= 1.0.0"}, nil)
	db := newRemote(t, root, "db")
	db.publish("2.0.0", map[string]string{"drbd": "~> 1.1"}, nil)
	web := newRemote(t, root, "web")
	web.publish("1.0.0", map[string]string{"ha": ">= 1", "db": ">= 2"}, nil)

	repo := filepath.Join(root, "app-repo")
	sourcesYAML(t, repo,
		"db: {git: "+db.URL+"}",
		"drbd: {git: "+drbd.URL+"}",
		"ha: {git: "+ha.URL+"}",
		"web: {git: "+web.URL+"}")
	if _, err := Install(repo); err != nil {
		t.Fatal(err)
	}
	got := locked(t, repo)
	want := map[string]string{"web": "1.0.0", "ha": "1.0.0", "db": "2.0.0", "drbd": "1.2.0"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s locked at %q, want %s (all: %v)", k, got[k], v, got)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(repo, VendorDir))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "db,drbd,ha,web" {
		t.Errorf("vendored %v, want one copy of each cookbook", names)
	}
}

func TestVerify_HandEditedVendoredFileIsRefused(t *testing.T) {
	root, drbd, pm := platform(t)
	repo := filepath.Join(root, "app-repo")
	sourcesYAML(t, repo,
		"drbd: {git: "+drbd.URL+"}",
		"pacemaker_base: {git: "+pm.URL+"}")
	if _, err := Install(repo); err != nil {
		t.Fatal(err)
	}
	vendored := filepath.Join(repo, VendorDir, "drbd")
	writeFiles(t, vendored, map[string]string{
		"recipes/default.star": "file('/etc/motd', content = 'patched in place')\n",
		"recipes/extra.star":   "",
	})
	os.Remove(filepath.Join(vendored, "metadata.star"))

	_, err := Verify(repo)
	if err == nil {
		t.Fatal("Verify accepted a hand-edited vendored cookbook")
	}
	for _, want := range []string{
		"vendored cookbook .converge/cookbooks/drbd (drbd 1.2.0, commit ",
		"does not match converge.lock",
		"changed recipes/default.star",
		"added recipes/extra.star",
		"removed metadata.star",
		"run 'converge cookbooks install' to restore the locked content, or 'converge cookbooks update drbd'",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}

	// install restores it from the cache, without the remote.
	if err := os.Rename(drbd.URL, drbd.URL+".gone"); err != nil {
		t.Fatal(err)
	}
	res, err := Install(repo)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || !strings.HasPrefix(res.Changes[0], "restored drbd 1.2.0") {
		t.Errorf("changes %q", res.Changes)
	}
	if _, err := Verify(repo); err != nil {
		t.Fatalf("Verify after restore: %v", err)
	}
}

func TestVerify_StaleLockAndStrayVendoredCookbook(t *testing.T) {
	root, drbd, pm := platform(t)
	repo := filepath.Join(root, "app-repo")
	sourcesYAML(t, repo, "drbd: {git: "+drbd.URL+"}")
	if _, err := Install(repo); err != nil {
		t.Fatal(err)
	}
	sourcesYAML(t, repo, "drbd: {git: "+drbd.URL+", tag: v1.0.0}", "pacemaker_base: {git: "+pm.URL+"}")
	writeFiles(t, repo, map[string]string{VendorDir + "/stray/metadata.star": ""})
	_, err := Verify(repo)
	for _, want := range []string{
		"3 problems",
		"the converge.yaml entry of cookbook drbd changed since converge.lock was written",
		"cookbook pacemaker_base is in converge.yaml but not in converge.lock",
		".converge/cookbooks/stray is vendored but not in converge.lock",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	res, err := Install(repo)
	if err != nil {
		t.Fatal(err)
	}
	if got := locked(t, repo); got["drbd"] != "1.0.0" || got["pacemaker_base"] != "1.2.0" {
		t.Errorf("locked %v, changes %q", got, res.Changes)
	}
	if _, err := Verify(repo); err != nil {
		t.Fatal(err)
	}
}

func TestInstall_BranchCommitAndPathSources(t *testing.T) {
	gitEnv(t)
	root := t.TempDir()
	corosync := newRemote(t, root, "corosync")
	corosync.publish("0.9.0", nil, nil)
	hotfix := newRemote(t, root, "hotfix")
	first := hotfix.publish("1.0.0", nil, nil)
	hotfix.publish("1.0.1", nil, nil)
	repo := filepath.Join(root, "app-repo")
	writeFiles(t, root, map[string]string{"local_thing/metadata.star": metadata("local_thing", "0.2.0", nil), "local_thing/recipes/default.star": "\n"})
	sourcesYAML(t, repo,
		"corosync: {git: "+corosync.URL+", branch: main}",
		"hotfix: {git: "+hotfix.URL+", commit: "+first[:10]+"}",
		"local_thing: {path: ../local_thing}")
	if _, err := Install(repo); err != nil {
		t.Fatal(err)
	}
	l, _ := ReadLock(repo)
	if e := l.Cookbooks["hotfix"]; e.Version != "1.0.0" || e.Commit != first || e.Ref != first {
		t.Errorf("hotfix %+v, want the pinned commit %s", e, first)
	}
	if e := l.Cookbooks["corosync"]; e.Version != "0.9.0" || e.Ref != "refs/heads/main" {
		t.Errorf("corosync %+v", e)
	}
	if e := l.Cookbooks["local_thing"]; e.Version != "0.2.0" || e.Source != "path:../local_thing" || e.Commit != "" {
		t.Errorf("local_thing %+v", e)
	}

	// A new commit on the branch: install stays, update follows it.
	corosync.publish("0.9.1", nil, nil)
	if res, err := Install(repo); err != nil || len(res.Changes) != 0 {
		t.Fatalf("install: %v %v", res, err)
	}
	if _, err := Update(repo, "corosync"); err != nil {
		t.Fatal(err)
	}
	if got := locked(t, repo); got["corosync"] != "0.9.1" || got["hotfix"] != "1.0.0" {
		t.Errorf("locked %v", got)
	}

	// Editing the path source is noticed at run time, and install picks it up.
	writeFiles(t, root, map[string]string{"local_thing/recipes/default.star": "# edited\n"})
	if _, err := Verify(repo); err == nil || !strings.Contains(err.Error(), "cookbook local_thing: ../local_thing changed since it was vendored") {
		t.Fatalf("Verify: %v", err)
	}
	res, err := Install(repo)
	if err != nil || len(res.Changes) != 1 || !strings.Contains(res.Changes[0], "local_thing 0.2.0: path:../local_thing changed") {
		t.Fatalf("install: %v %v", res, err)
	}
	if _, err := Verify(repo); err != nil {
		t.Fatal(err)
	}
}

func TestInstall_TagAndMetadataMustAgree(t *testing.T) {
	gitEnv(t)
	root := t.TempDir()
	drbd := newRemote(t, root, "drbd")
	drbd.publish("1.0.0", nil, nil)
	// Tagged v2.0.0 but metadata.star still says 1.0.0.
	drbd.git(drbd.work, "tag", "v2.0.0")
	drbd.git(drbd.work, "push", "--quiet", "--tags", drbd.URL)
	repo := filepath.Join(root, "app-repo")
	sourcesYAML(t, repo, "drbd: {git: "+drbd.URL+"}")
	_, err := Install(repo)
	if err == nil || !strings.Contains(err.Error(), "tag v2.0.0 says version 2.0.0 but its metadata.star says 1.0.0") {
		t.Fatalf("error: %v", err)
	}
}

func TestUpdate_UnknownName(t *testing.T) {
	root, drbd, _ := platform(t)
	repo := filepath.Join(root, "app-repo")
	sourcesYAML(t, repo, "drbd: {git: "+drbd.URL+"}")
	_, err := Update(repo, "drdb")
	if err == nil || !strings.Contains(err.Error(), "cookbook drdb is not in converge.yaml; shared cookbooks there: drbd") {
		t.Fatalf("error: %v", err)
	}
}

func TestUpdate_HeldDependencyIsExplained(t *testing.T) {
	gitEnv(t)
	root := t.TempDir()
	drbd := newRemote(t, root, "drbd")
	drbd.publish("1.0.0", nil, nil)
	web := newRemote(t, root, "web")
	web.publish("1.0.0", map[string]string{"drbd": ">= 1.0"}, nil)
	repo := filepath.Join(root, "app-repo")
	sourcesYAML(t, repo, "drbd: {git: "+drbd.URL+"}", "web: {git: "+web.URL+"}")
	if _, err := Install(repo); err != nil {
		t.Fatal(err)
	}
	// web 2.0.0 needs a drbd newer than the locked one, and web 1.0.0 is
	// withdrawn.
	drbd.publish("1.2.0", nil, nil)
	web.publish("2.0.0", map[string]string{"drbd": ">= 1.2"}, nil)
	web.git(web.work, "push", "--quiet", web.URL, ":refs/tags/v1.0.0")

	_, err := Update(repo, "web")
	if err == nil || !strings.Contains(err.Error(), "drbd: no version satisfies >= 1.2 (converge.yaml → web 2.0.0)\ndrbd stays at its locked version 1.0.0 while the named cookbooks update; name drbd too") {
		t.Fatalf("error: %v", err)
	}
	res, err := Update(repo, "web", "drbd")
	if err != nil {
		t.Fatal(err)
	}
	if got := locked(t, repo); got["web"] != "2.0.0" || got["drbd"] != "1.2.0" {
		t.Errorf("locked %v (changes %q)", got, res.Changes)
	}
}

func TestUpdate_SaysWhyACookbookStaysBehind(t *testing.T) {
	root, drbd, pm := platform(t)
	repo := filepath.Join(root, "app-repo")
	sourcesYAML(t, repo, "drbd: {git: "+drbd.URL+", tag: v1.0.0}", "pacemaker_base: {git: "+pm.URL+"}")
	if _, err := Install(repo); err != nil {
		t.Fatal(err)
	}
	pm.publish("1.3.0", map[string]string{"drbd": ">= 1.2"}, nil)
	res, err := Update(repo, "pacemaker_base")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 1 || res.Notes[0] != "cookbook pacemaker_base: 1.3.0 exists, but 1.2.0 is the newest version that satisfies every constraint on it" {
		t.Errorf("notes %q", res.Notes)
	}
}
