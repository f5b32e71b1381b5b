package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindTestScripts_InRunListOrderOncePerCookbook(t *testing.T) {
	scripts, err := findTestScripts([]string{repoPath(t, "testdata/cookbooks")},
		"recipe[labfailtest::default], labok, labfailtest, tmpdemo::default")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range scripts {
		got = append(got, s.Name())
	}
	want := "labfailtest/test/answer.sh labfailtest/test/wrong.sh labok/test/files.sh"
	if strings.Join(got, " ") != want {
		t.Errorf("scripts %v, want %s", got, want)
	}
}

func TestFindTestScripts_UnknownCookbookIsAUsageError(t *testing.T) {
	_, err := findTestScripts([]string{repoPath(t, "testdata/cookbooks")}, "labok,nosuch::default")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != ExitUsage || !strings.Contains(err.Error(), "cookbook nosuch") {
		t.Fatalf("err %v, want a usage error naming cookbook nosuch", err)
	}
}

func TestRunListCookbooks_ExpandsRolesOnce(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("web.json", `{"run_list": ["recipe[apache2]", "role[base]"]}`)
	write("base.json", `{"run_list": ["ntp::client", "role[web]"]}`)
	got, err := runListCookbooks([]string{"role[web]", "recipe[app::deploy@1.2.0]", "role[missing]"}, dir, map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "apache2,ntp,app" {
		t.Errorf("cookbooks %v, want apache2, ntp, app", got)
	}
}
