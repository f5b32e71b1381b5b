package shell

import (
	"os/exec"
	"testing"
)

func TestQuote_RoundTripsThroughSh(t *testing.T) {
	cases := []string{
		"plain", "", "with space", "it's", `"double"`, "$(touch /tmp/pwned)", "`id`",
		"; rm -rf /", "a\nb", "back\\slash", "*", "~root", "--flag", "$HOME", "tab\there", "-n",
	}
	for _, c := range cases {
		out, err := exec.Command("sh", "-c", "printf '%s' "+Quote(c)).Output()
		if err != nil {
			t.Fatalf("sh rejected quoted %q: %v", c, err)
		}
		if string(out) != c {
			t.Errorf("Quote(%q) came back as %q", c, out)
		}
	}
}

func TestJoin(t *testing.T) {
	got := Join("apt-get", "install", "a b", "c'd")
	want := `apt-get install 'a b' 'c'\''d'`
	if got != want {
		t.Errorf("Join = %s, want %s", got, want)
	}
}
