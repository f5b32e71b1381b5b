package recipe_test

import (
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
)

func TestValueForPlatform_ChefSemantics(t *testing.T) {
	const table = `{
    "ubuntu": {"22.04": "exact", ">= 20.04, < 22.04": "focal-ish", "~> 18.0": "bionic-ish", "default": "ubuntu-default"},
    ("centos", "redhat"): {"~> 7.0": "el7", ">= 8": "el8+"},
    "debian": {"default": "debian"},
    "default": "fallback",
}`
	for _, tc := range []struct{ platform, version, family, want, wantFamily string }{
		{"ubuntu", "22.04", "debian", "exact", "deb"},
		{"ubuntu", "20.04", "debian", "focal-ish", "deb"},
		{"ubuntu", "18.04", "debian", "bionic-ish", "deb"},
		{"ubuntu", "16.04", "debian", "ubuntu-default", "deb"},
		{"centos", "7.1.1503", "rhel", "el7", "el"},
		{"redhat", "9.2", "rhel", "el8+", "el"},
		{"centos", "6.7", "rhel", "fallback", "el"},
		{"debian", "12", "debian", "debian", "deb"},
		{"alpine", "3.19", "alpine", "fallback", "other"},
	} {
		f := facts.Facts{Hostname: "n", Platform: tc.platform, PlatformVersion: tc.version, PlatformFamily: tc.family, Init: "systemd"}
		src := "x = value_for_platform(" + table + ")\ny = value_for_platform_family({(\"rhel\", \"fedora\"): \"el\", \"debian\": \"deb\", \"default\": \"other\"})\nfile(\"/tmp/\" + x + \"-\" + y)\n"
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"cookbooks/t/metadata.star": `name = "t"`, "cookbooks/t/recipes/default.star": src})
		coll, err := loadRepo(t, dir).Compile(recipe.Input{Name: "n", Facts: f, RunList: []string{"t"}})
		if err != nil {
			t.Fatalf("%s %s: %v", tc.platform, tc.version, err)
		}
		if got, want := coll.Resources[0].Base().Name, "/tmp/"+tc.want+"-"+tc.wantFamily; got != want {
			t.Errorf("%s %s: %s, want %s", tc.platform, tc.version, got, want)
		}
	}
	for _, tc := range []struct{ src, want string }{
		{`value_for_platform({"centos": "not a dict"})`, `the value of "centos" must be a dict of versions`},
		{`value_for_platform({"centos": {">= 7": 1, "~> 7.1": 2}})`, `version 7.1.1503 meets more than one constraint (>= 7, ~> 7.1)`},
		{`value_for_platform({"centos": {">= x": 1}})`, `version constraint ">= x"`},
	} {
		if _, err := compileRecipe(t, tc.src, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.src, err, tc.want)
		}
	}
}
