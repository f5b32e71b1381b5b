package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/converge-cm/converge/engine/secrets"
	"github.com/converge-cm/converge/engine/secrets/agetest"
)

// secretsEnv is a repository in the working directory, a HOME of its own,
// and TMPDIR pointing at a directory the test lists to find any plaintext
// that converge secrets edit left behind.
type secretsEnv struct {
	repo, home, tmp string
}

func newSecretsEnv(t *testing.T) *secretsEnv {
	t.Helper()
	e := &secretsEnv{repo: t.TempDir(), home: t.TempDir(), tmp: t.TempDir()}
	t.Chdir(e.repo)
	t.Setenv("HOME", e.home)
	t.Setenv("TMPDIR", e.tmp)
	t.Setenv(secrets.EnvIdentity, "")
	t.Setenv("EDITOR", "")
	t.Setenv("VISUAL", "")
	return e
}

func secretsCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// assertTmpEmpty fails when anything is left in TMPDIR.
func (e *secretsEnv) assertTmpEmpty(t *testing.T, after string) {
	t.Helper()
	var left []string
	filepath.WalkDir(e.tmp, func(p string, d os.DirEntry, err error) error {
		if p != e.tmp {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("after %s, the temporary directory holds %v", after, left)
	}
}

// editorScript writes a shell script to use as $EDITOR: body runs with $f
// the file to edit (the last argument, so that EDITOR='script -w' works).
func editorScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "editor.sh")
	text := "#!/bin/sh\nfor f; do :; done\n" + body + "\n"
	if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func sshKeyFile(t *testing.T, kind, path string) (pubLine string) {
	t.Helper()
	var priv, pub any
	if kind == "rsa" {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		priv, pub = k, &k.PublicKey
	} else {
		p, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		priv, pub = k, p
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(path), 0o700)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	spk, _ := ssh.NewPublicKey(pub)
	pubLine = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spk)))
	if err := os.WriteFile(path+".pub", []byte(pubLine+" me@host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return pubLine
}

func TestSecrets_InitEditShowRoundTrip(t *testing.T) {
	e := newSecretsEnv(t)
	log := filepath.Join(t.TempDir(), "editor.log")

	code, out, stderr := secretsCLI(t, "secrets", "init")
	if code != 0 || !strings.Contains(out, "public key: age1") {
		t.Fatalf("init: exit %d\n%s%s", code, out, stderr)
	}
	idPath := filepath.Join(e.home, ".config", "converge", "age.txt")
	if fi, err := os.Stat(idPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("init generated %s: %v %v, want mode 0600", idPath, fi, err)
	}
	rec, _ := os.ReadFile("secrets/recipients.txt")
	pub := strings.Fields(strings.SplitAfter(out, "public key: ")[1])[0]
	if !strings.Contains(string(rec), pub) {
		t.Fatalf("recipients.txt does not list the generated public key %s:\n%s", pub, rec)
	}
	t.Setenv("EDITOR", "true")
	if code, out, _ := secretsCLI(t, "secrets", "edit", "unused"); code != 0 || out != "secrets/unused.age: no change, not created\n" {
		t.Errorf("edit of a new secret left {}: exit %d %q", code, out)
	}
	if _, err := os.Stat("secrets/unused.age"); err == nil {
		t.Error("an edit that changed nothing created secrets/unused.age")
	}
	e.assertTmpEmpty(t, "an edit that changed nothing")
	if code, _, stderr := secretsCLI(t, "secrets", "init"); code != ExitUsage || !strings.Contains(stderr, "already exists") {
		t.Errorf("second init: exit %d, %s", code, stderr)
	}

	cipher := func() string { b, _ := os.ReadFile("secrets/db.age"); return string(b) }
	steps := []struct {
		name, editor string
		wantCode     int
		wantOut      string // in stdout or stderr
		changed      bool
	}{
		{"new secret", editorScript(t, `stat -c '%a' "$(dirname "$f")" "$f" > `+log+`; cat "$f" >> `+log+`
printf '{\n  "password": "s3cret<&>",\n  "port": 5432\n}\n' > "$f"`), 0, "wrote secrets/db.age", true},
		{"editor fails", editorScript(t, `printf '{"password": "lost"}' > "$f"; exit 1`), ExitUsage, "failed: exit status 1; secrets/db.age is unchanged", false},
		{"invalid JSON", editorScript(t, `printf '{\n  "password": "x",\n}\n' > "$f"`), ExitUsage, "invalid JSON at line 3, column 1", false},
		{"not an object", editorScript(t, `echo '["a"]' > "$f"`), ExitUsage, "not a JSON object", false},
		{"no change", "true", 0, "secrets/db.age: no change", false},
		// EDITOR is a command line run by sh, as EDITOR='code -w'.
		{"edit existing with flags", editorScript(t, `cat "$f" > `+log+`; sed -i 's/"port": 5432/"port": 5433, "user": "app"/' "$f"`) + " -w", 0, "wrote secrets/db.age", true},
	}
	for i, st := range steps {
		t.Setenv("EDITOR", st.editor)
		before := cipher()
		code, out, stderr := secretsCLI(t, "secrets", "edit", "db")
		if code != st.wantCode || !strings.Contains(out+stderr, st.wantOut) {
			t.Errorf("%s: exit %d, want %d with %q:\n%s%s", st.name, code, st.wantCode, st.wantOut, out, stderr)
		}
		if changed := cipher() != before; changed != st.changed {
			t.Errorf("%s: secrets/db.age changed=%v, want %v", st.name, changed, st.changed)
		}
		if strings.Contains(out+stderr, "s3cret") || strings.Contains(out+stderr, "lost") {
			t.Errorf("%s: the output shows the plaintext:\n%s%s", st.name, out, stderr)
		}
		e.assertTmpEmpty(t, st.name)
		if i == 0 {
			l, _ := os.ReadFile(log)
			if want := "700\n600\n{}\n"; string(l) != want {
				t.Errorf("a new secret: the editor saw %q, want dir 700, file 600 and {}", l)
			}
		}
	}
	if l, _ := os.ReadFile(log); !strings.Contains(string(l), `"password": "s3cret<&>"`) {
		t.Errorf("editing an existing secret: the editor saw %q, want its decrypted JSON", l)
	}

	for _, tc := range []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"show", "db"}, 0, "{\n  \"password\": \"s3cret<&>\",\n  \"port\": 5433,\n  \"user\": \"app\"\n}\n"},
		{[]string{"show", "db", "password"}, 0, "s3cret<&>\n"},
		{[]string{"show", "db", "port"}, 0, "5433\n"},
		{[]string{"show", "db", "nope"}, ExitUsage, `secret "db" has no key "nope" (its keys: password, port, user)`},
		{[]string{"show", "other"}, ExitUsage, `secret "other" does not exist`},
		{[]string{"show", "../db"}, ExitUsage, "invalid secret name"},
		{[]string{"edit", "a/b"}, ExitUsage, "invalid secret name"},
		{[]string{"list"}, 0, "db\n"},
		{[]string{"show"}, ExitUsage, "accepts between 1 and 2 arg(s)"},
	} {
		code, out, stderr := secretsCLI(t, append([]string{"secrets"}, tc.args...)...)
		got := out
		if tc.wantCode != 0 {
			got = stderr
		}
		if code != tc.wantCode || (tc.wantCode == 0 && got != tc.want) || !strings.Contains(got, tc.want) {
			t.Errorf("secrets %v: exit %d, want %d, output %q, want %q", tc.args, code, tc.wantCode, got, tc.want)
		}
	}
}

func TestSecrets_InitRecipients(t *testing.T) {
	for _, tc := range []struct {
		name     string
		setup    func(t *testing.T, e *secretsEnv) (args []string, wantLines []string)
		wantCode int
		wantErr  string
	}{
		{"identity found in ~/.ssh", func(t *testing.T, e *secretsEnv) ([]string, []string) {
			pub := sshKeyFile(t, "ed25519", filepath.Join(e.home, ".ssh", "id_ed25519"))
			return nil, []string{pub}
		}, 0, ""},
		{"--identity-file", func(t *testing.T, e *secretsEnv) ([]string, []string) {
			p := filepath.Join(t.TempDir(), "k.txt")
			return []string{"--identity-file", p}, []string{agetest.IdentityFile(t, p)}
		}, 0, ""},
		{"--recipient missing file", func(t *testing.T, e *secretsEnv) ([]string, []string) {
			agePub := agetest.IdentityFile(t, filepath.Join(t.TempDir(), "k.txt"))
			return []string{"--recipient", agePub, "--recipient", filepath.Join(t.TempDir(), "id_rsa.pub")}, nil
		}, ExitUsage, "not a public key (age1…, ssh-ed25519 …, ssh-rsa …) and not a readable file"},
		{"--recipient rsa .pub file", func(t *testing.T, e *secretsEnv) ([]string, []string) {
			k := filepath.Join(t.TempDir(), "id_rsa")
			rsaPub := sshKeyFile(t, "rsa", k)
			agePub := agetest.IdentityFile(t, filepath.Join(t.TempDir(), "a.txt"))
			return []string{"--recipient", agePub, "--recipient", k + ".pub"}, []string{agePub, rsaPub + " me@host"}
		}, 0, ""},
		{"--recipient bad key", func(t *testing.T, e *secretsEnv) ([]string, []string) {
			return []string{"--recipient", "age1bogus"}, nil
		}, ExitUsage, `--recipient: invalid age public key "age1bogus"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSecretsEnv(t)
			args, want := tc.setup(t, e)
			code, out, stderr := secretsCLI(t, append([]string{"secrets", "init"}, args...)...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Fatalf("init %v: exit %d, want %d with %q\n%s%s", args, code, tc.wantCode, tc.wantErr, out, stderr)
			}
			if code != 0 {
				if _, err := os.Stat("secrets/recipients.txt"); err == nil {
					t.Error("a failed init wrote recipients.txt")
				}
				return
			}
			if _, err := os.Stat(filepath.Join(e.home, ".config", "converge", "age.txt")); err == nil {
				t.Error("init generated an identity although one was there")
			}
			data, _ := os.ReadFile("secrets/recipients.txt")
			var lines []string
			for _, l := range strings.Split(string(data), "\n") {
				if l != "" && !strings.HasPrefix(l, "#") {
					lines = append(lines, l)
				}
			}
			if !reflect.DeepEqual(lines, want) {
				t.Errorf("recipients.txt lists %q, want %q", lines, want)
			}
		})
	}
}

func TestSecrets_RekeyAfterAddingARecipient(t *testing.T) {
	e := newSecretsEnv(t)
	keys := t.TempDir()
	alice := filepath.Join(keys, "alice.txt")
	alicePub := agetest.IdentityFile(t, alice)
	bob := filepath.Join(keys, "id_bob")
	bobPub := sshKeyFile(t, "ed25519", bob)
	carol := filepath.Join(keys, "id_carol")
	carolPub := sshKeyFile(t, "rsa", carol)

	if code, _, stderr := secretsCLI(t, "secrets", "init", "--recipient", alicePub); code != 0 {
		t.Fatal(stderr)
	}
	t.Setenv("EDITOR", editorScript(t, `echo '{"token": "t0ken"}' > "$f"`))
	if code, _, stderr := secretsCLI(t, "secrets", "--identity-file", alice, "edit", "api"); code != 0 {
		t.Fatal(stderr)
	}
	e.assertTmpEmpty(t, "edit")

	show := func(id string) (int, string) {
		code, out, stderr := secretsCLI(t, "secrets", "show", "--identity-file", id, "api", "token")
		return code, out + stderr
	}
	code, msg := show(bob)
	for _, want := range []string{"cannot decrypt secrets/api.age", "tried " + bob, "ask a recipient to add your public key to secrets/recipients.txt and run converge secrets rekey"} {
		if code != ExitUsage || !strings.Contains(msg, want) {
			t.Errorf("show by a non-recipient: exit %d, %q does not say %q", code, msg, want)
		}
	}
	// CONVERGE_AGE_IDENTITY names the identity as --identity-file does.
	t.Setenv(secrets.EnvIdentity, alice)
	if code, out, stderr := secretsCLI(t, "secrets", "show", "api", "token"); code != 0 || out != "t0ken\n" {
		t.Errorf("show with %s: exit %d %q %s", secrets.EnvIdentity, code, out, stderr)
	}
	t.Setenv(secrets.EnvIdentity, "")

	f, _ := os.OpenFile("secrets/recipients.txt", os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(bobPub + " bob@laptop\n" + carolPub + "\n")
	f.Close()
	if code, _ := show(bob); code == 0 {
		t.Fatal("bob reads the secret before rekey")
	}
	code, out, stderr := secretsCLI(t, "secrets", "--identity-file", alice, "rekey")
	if code != 0 || out != "rekeyed secrets/api.age\n" {
		t.Fatalf("rekey: exit %d\n%s%s", code, out, stderr)
	}
	for _, id := range []string{alice, bob, carol} {
		if code, msg := show(id); code != 0 || msg != "t0ken\n" {
			t.Errorf("show by %s after rekey: exit %d %q", filepath.Base(id), code, msg)
		}
	}
}

// TestSecrets_EditSignals sends converge (a process of its own) a signal
// while the editor runs.
func TestSecrets_EditSignals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sig      syscall.Signal
		wantCode int
		want     string
		saved    bool
	}{
		// SIGTERM: the editor is ended, nothing is saved, no plaintext stays.
		{"SIGTERM", syscall.SIGTERM, ExitInterrupted, "edit of db interrupted by SIGTERM; secrets/db.age is unchanged", false},
		// SIGINT (Ctrl-C, which vi takes as a key): converge survives it
		// and saves the edit once the editor exits.
		{"SIGINT", syscall.SIGINT, 0, "wrote secrets/db.age", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSecretsEnv(t)
			if code, _, stderr := secretsCLI(t, "secrets", "init"); code != 0 {
				t.Fatal(stderr)
			}
			ctl := t.TempDir()
			started, goOn := filepath.Join(ctl, "started"), filepath.Join(ctl, "go")
			t.Setenv("EDITOR", editorScript(t, `touch `+started+`
while [ ! -e `+goOn+` ]; do sleep 0.05; done
echo '{"k": "v"}' > "$f"`))
			cmd := exec.Command(os.Args[0], "secrets", "edit", "db")
			cmd.Env = append(os.Environ(), asCLI+"=1")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				if _, err := os.Stat(started); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("the editor did not start:\n%s", out.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			cmd.Process.Signal(tc.sig)
			time.Sleep(200 * time.Millisecond)
			os.WriteFile(goOn, nil, 0o644)
			err := cmd.Wait()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode || !strings.Contains(out.String(), tc.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", code, tc.wantCode, tc.want, out.String())
			}
			if _, err := os.Stat("secrets/db.age"); (err == nil) != tc.saved {
				t.Errorf("secrets/db.age written=%v, want %v", err == nil, tc.saved)
			}
			e.assertTmpEmpty(t, tc.name)
		})
	}
}

func TestSecrets_ImportChefDataBag(t *testing.T) {
	if _, err := exec.LookPath("ruby"); err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("ruby is needed to produce Chef encrypted data bag items")
		}
		t.Skip("no ruby: cannot produce Chef encrypted data bag items")
	}
	oracle, err := filepath.Abs("../../../engine/secrets/testdata/chef_encrypt.rb")
	if err != nil {
		t.Fatal(err)
	}
	e := newSecretsEnv(t)
	secretFile := filepath.Join(t.TempDir(), "encrypted_data_bag_secret")
	os.WriteFile(secretFile, []byte("bag-s3cret\n"), 0o600)
	wrongFile := filepath.Join(t.TempDir(), "wrong")
	os.WriteFile(wrongFile, []byte("bag-s3creT\n"), 0o600)
	idFile := filepath.Join(e.home, ".config", "converge", "age.txt")
	os.MkdirAll(filepath.Dir(idFile), 0o700)
	if code, _, stderr := secretsCLI(t, "secrets", "init", "--recipient", agetest.IdentityFile(t, idFile)); code != 0 {
		t.Fatal(stderr)
	}
	os.MkdirAll("data_bags/users", 0o755)
	items := map[string]string{}
	for v, name := range []string{"v1", "v2", "v3"} {
		item := `{"id": "` + name + `", "password": "pw-` + name + `", "uid": ` + string(rune('1'+v)) + `}`
		items[name] = item
		cmd := exec.Command("ruby", oracle, secretFile, string(rune('1'+v)))
		cmd.Stdin = strings.NewReader(item)
		enc, err := cmd.Output()
		if err != nil {
			t.Fatalf("ruby: %v", err)
		}
		os.WriteFile("data_bags/users/"+name+".json", enc, 0o644)
	}
	os.WriteFile("data_bags/users/plain.json", []byte(`{"id": "plain", "shell": "/bin/sh"}`), 0o644)

	code, out, stderr := secretsCLI(t, "secrets", "import", "users", "--chef-secret", wrongFile)
	if code != ExitUsage || !strings.Contains(stderr, `data_bags/users/v1.json: key "password": cannot decrypt: wrong Chef secret`) {
		t.Errorf("import with a wrong secret: exit %d\n%s%s", code, out, stderr)
	}
	if m, _ := filepath.Glob("data_bags/users/*.age"); len(m) != 0 {
		t.Errorf("import with a wrong secret wrote %v", m)
	}
	if code, _, stderr := secretsCLI(t, "secrets", "import", "users"); code != ExitUsage || !strings.Contains(stderr, "needs --chef-secret FILE") {
		t.Errorf("import without --chef-secret: exit %d %s", code, stderr)
	}

	code, out, stderr = secretsCLI(t, "secrets", "import", "users", "--chef-secret", secretFile)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
	}
	if !strings.Contains(out, "data_bags/users/plain.json is not encrypted: left as it is") || !strings.Contains(out, "wrote data_bags/users/v3.age") {
		t.Errorf("import output:\n%s", out)
	}
	kr := secrets.NewKeyring("")
	for name, item := range items {
		plain, err := kr.Decrypt("data_bags/users/" + name + ".age")
		if err != nil {
			t.Fatal(err)
		}
		var got, want map[string]any
		json.Unmarshal(plain, &got)
		json.Unmarshal([]byte(item), &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("data_bags/users/%s.age holds %v, want %v", name, got, want)
		}
	}
	// The imported items are rekeyed with the secrets.
	code, out, _ = secretsCLI(t, "secrets", "rekey")
	if code != 0 || !strings.Contains(out, "rekeyed data_bags/users/v2.age") {
		t.Errorf("rekey after import: exit %d\n%s", code, out)
	}
}

// TestSecrets_EncryptedDataBagItemEditedThenReadByARecipe: `secrets edit
// data_bags/users/deploy` starts a new item from {"id": "deploy"} and
// writes data_bags/users/deploy.age; a recipe reads it with
// data_bag_item() and secret() in `converge check` (real age, the
// default keyring), and check's output never shows the values.
func TestSecrets_EncryptedDataBagItemEditedThenReadByARecipe(t *testing.T) {
	e := newSecretsEnv(t)
	if code, out, stderr := secretsCLI(t, "secrets", "init"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, stderr)
	}
	editor := filepath.Join(t.TempDir(), "ed")
	os.WriteFile(editor, []byte(`#!/bin/sh
grep -q '"id": "deploy"' "$1" || { echo "a new item does not start from its id" >&2; exit 1; }
printf '{"id": "deploy", "password": "bag-pw-81f2"}\n' > "$1"
`), 0o755)
	t.Setenv("EDITOR", editor)
	if code, out, stderr := secretsCLI(t, "secrets", "edit", "data_bags/users/deploy"); code != 0 || out != "wrote data_bags/users/deploy.age\n" {
		t.Fatalf("edit: exit %d %q %s", code, out, stderr)
	}
	e.assertTmpEmpty(t, "an edit of a data bag item")
	if b, err := os.ReadFile("data_bags/users/deploy.age"); err != nil || bytes.Contains(b, []byte("bag-pw")) {
		t.Fatalf("data_bags/users/deploy.age: %v (plaintext inside: %v)", err, bytes.Contains(b, []byte("bag-pw")))
	}
	if code, out, _ := secretsCLI(t, "secrets", "show", "data_bags/users/deploy", "password"); code != 0 || out != "bag-pw-81f2\n" {
		t.Fatalf("show: exit %d %q", code, out)
	}
	t.Setenv("EDITOR", "printf '{\"db\": \"secret-pw-5c0d\"}' > ")
	if code, _, stderr := secretsCLI(t, "secrets", "edit", "app"); code != 0 {
		t.Fatalf("edit app: %s", stderr)
	}
	writeTestFiles(t, ".", map[string]string{
		"cookbooks/t/metadata.star": `name = "t"`,
		"cookbooks/t/recipes/default.star": `
pw = data_bag_item("users", "deploy")["password"]
if pw != "bag-pw-81f2" or secret("app")["db"] != "secret-pw-5c0d":
    fail("the values did not decrypt: " + pw)
print("read " + pw)
execute("echo " + pw)
`,
	})
	code, out, stderr := secretsCLI(t, "check", "-r", "t", "--platform", "debian-12")
	if code != 0 || !strings.Contains(out, "ok: 1 compile") {
		t.Fatalf("check: exit %d\n%s%s", code, out, stderr)
	}
	if strings.Contains(out+stderr, "bag-pw") {
		t.Errorf("check shows the item's password:\n%s%s", out, stderr)
	}
}
