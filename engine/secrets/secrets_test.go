package secrets

import (
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
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/converge-cm/converge/engine/secrets/agetest"
)

// keyPair is an identity file written for a test and its public key line.
type keyPair struct {
	path, public string
}

func writeFile(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}

// newAgeKey writes an age identity file (age-keygen's format) to path.
func newAgeKey(t *testing.T, path string) keyPair {
	t.Helper()
	return keyPair{path, agetest.IdentityFile(t, path)}
}

// newSSHKey writes an unencrypted OpenSSH private key of kind "ed25519" or
// "rsa" to path, or a passphrase-protected one when passphrase is set.
func newSSHKey(t *testing.T, kind, path, passphrase string) keyPair {
	t.Helper()
	var priv any
	var pub any
	switch kind {
	case "ed25519":
		p, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		priv, pub = k, p
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		priv, pub = k, &k.PublicKey
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	var block *pem.Block
	var err error
	if passphrase != "" {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(passphrase))
	} else {
		block, err = ssh.MarshalPrivateKey(priv, "test")
	}
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(pem.EncodeToMemory(block)), 0o600)
	spk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spk))) + " test@example"
	writeFile(t, path+".pub", line+"\n", 0o644)
	return keyPair{path, line}
}

// newRepo is a repository whose recipients.txt lists the public keys.
func newRepo(t *testing.T, public ...string) *Store {
	t.Helper()
	s := NewStore(t.TempDir())
	writeFile(t, filepath.Join(s.Dir, RecipientsFile), "# team\n\n"+strings.Join(public, "\n")+"\n", 0o644)
	return s
}

// isolate points HOME and CONVERGE_AGE_IDENTITY away from the user's keys.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv(EnvIdentity, "")
	return home
}

func TestSecrets_RoundTripPerRecipientKind(t *testing.T) {
	for _, kind := range []string{"age", "ed25519", "rsa"} {
		t.Run(kind, func(t *testing.T) {
			isolate(t)
			dir := t.TempDir()
			var k keyPair
			if kind == "age" {
				k = newAgeKey(t, filepath.Join(dir, "age.txt"))
			} else {
				k = newSSHKey(t, kind, filepath.Join(dir, "id_"+kind), "")
			}
			s := newRepo(t, k.public)
			plain := `{"password": "s3cret", "port": 5432, "nested": {"a": [1, "b"]}}`
			if err := s.Write("db", []byte(plain)); err != nil {
				t.Fatal(err)
			}
			ct, err := os.ReadFile(s.Path("db"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(ct), "s3cret") || !strings.HasPrefix(string(ct), "age-encryption.org/v1\n") {
				t.Fatalf("secrets/db.age is not an age file, or holds the plaintext:\n%q", ct)
			}
			got, err := NewKeyring(k.path).Read(s, "db")
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"password": "s3cret", "port": json.Number("5432"), "nested": map[string]any{"a": []any{json.Number("1"), "b"}}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Read = %#v, want %#v", got, want)
			}
			names, err := s.Names()
			if err != nil || !reflect.DeepEqual(names, []string{"db"}) {
				t.Errorf("Names = %v, %v; want [db]", names, err)
			}
		})
	}
}

func TestSecrets_KeyringDefaultPlaces(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, home string) keyPair
	}{
		{"env", func(t *testing.T, home string) keyPair {
			k := newAgeKey(t, filepath.Join(t.TempDir(), "mine.txt"))
			t.Setenv(EnvIdentity, k.path)
			return k
		}},
		{"config age.txt", func(t *testing.T, home string) keyPair {
			return newAgeKey(t, filepath.Join(home, ".config", "converge", "age.txt"))
		}},
		{"ssh id_ed25519", func(t *testing.T, home string) keyPair {
			return newSSHKey(t, "ed25519", filepath.Join(home, ".ssh", "id_ed25519"), "")
		}},
		{"ssh id_rsa", func(t *testing.T, home string) keyPair {
			return newSSHKey(t, "rsa", filepath.Join(home, ".ssh", "id_rsa"), "")
		}},
		{"passphrase-protected id_ed25519 skipped for age.txt", func(t *testing.T, home string) keyPair {
			newSSHKey(t, "ed25519", filepath.Join(home, ".ssh", "id_ed25519"), "pw")
			return newAgeKey(t, filepath.Join(home, ".config", "converge", "age.txt"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := isolate(t)
			k := tc.setup(t, home)
			s := newRepo(t, k.public)
			if err := s.Write("x", []byte(`{"k": "v"}`)); err != nil {
				t.Fatal(err)
			}
			kr := NewKeyring("")
			got, err := kr.Read(s, "x")
			if err != nil {
				t.Fatal(err)
			}
			if got["k"] != "v" {
				t.Errorf("Read = %v", got)
			}
			ids, _ := kr.Identities()
			var pubs []string
			for _, id := range ids {
				pubs = append(pubs, id.Public)
			}
			// The public key the keyring derives is the one init writes.
			if !strings.HasPrefix(k.public, strings.Join(pubs, "")) || len(pubs) != 1 {
				t.Errorf("keyring public keys %q, want [%q]", pubs, k.public)
			}
		})
	}
}

func TestSecrets_WrongIdentityErrorNamesFileTriedAndFix(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	owner := newAgeKey(t, filepath.Join(dir, "owner.txt"))
	other := newSSHKey(t, "ed25519", filepath.Join(dir, "id_other"), "")
	s := newRepo(t, owner.public)
	if err := s.Write("db", []byte(`{"password": "s3cret"}`)); err != nil {
		t.Fatal(err)
	}
	_, err := NewKeyring(other.path).Read(s, "db")
	if err == nil {
		t.Fatal("a non-recipient decrypted the secret")
	}
	msg := err.Error()
	for _, want := range []string{
		s.Path("db"),
		"tried " + other.path,
		"ask a recipient to add your public key to secrets/recipients.txt and run converge secrets rekey",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	key, _ := os.ReadFile(other.path)
	if strings.Contains(msg, "s3cret") || strings.Contains(msg, strings.Split(string(key), "\n")[1]) {
		t.Errorf("error leaks the secret or the key: %q", msg)
	}
}

func TestSecrets_IdentityErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, home string) string // the explicit identity file
		want  string
	}{
		{"passphrase-protected explicit", func(t *testing.T, home string) string {
			return newSSHKey(t, "ed25519", filepath.Join(t.TempDir(), "id"), "pw").path
		}, "passphrase-protected, and converge reads only unencrypted keys"},
		{"passphrase-protected default only", func(t *testing.T, home string) string {
			newSSHKey(t, "rsa", filepath.Join(home, ".ssh", "id_rsa"), "pw")
			return ""
		}, "id_rsa: the SSH key is passphrase-protected"},
		{"missing explicit", func(t *testing.T, home string) string {
			return filepath.Join(home, "nope.txt")
		}, "nope.txt (from --identity-file): open"},
		{"none", func(t *testing.T, home string) string { return "" }, "no age identity found: looked for ~/.config/converge/age.txt"},
		{"garbage", func(t *testing.T, home string) string {
			p := filepath.Join(home, "g.txt")
			writeFile(t, p, "hello\n", 0o600)
			return p
		}, "not an age identity file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := isolate(t)
			idFile := tc.setup(t, home)
			s := newRepo(t, newAgeKey(t, filepath.Join(t.TempDir(), "a.txt")).public)
			if err := s.Write("x", []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
			_, err := NewKeyring(idFile).Decrypt(s.Path("x"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decrypt error = %v, want it to say %q", err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), s.Path("x")) {
				t.Errorf("Decrypt error %q does not name the file", err)
			}
		})
	}
}

func TestSecrets_RecipientsErrorsNameLine(t *testing.T) {
	good := newAgeKey(t, filepath.Join(t.TempDir(), "a.txt")).public
	for _, tc := range []struct {
		name, text, want string
	}{
		{"unknown type", "# c\n" + good + "\necdsa-sha2-nistp256 AAAA x\n", "recipients.txt:3: unknown recipient type \"ecdsa-sha2-nistp256\""},
		{"bad age key", "age1notakey\n", "recipients.txt:1: invalid age public key \"age1notakey\""},
		{"private key pasted", "\n\nAGE-SECRET-KEY-1QQQ\n", "recipients.txt:3: this is an age private key"},
		{"bad ssh key", good + "\nssh-ed25519 AAAAnotbase64!\n", "recipients.txt:2: invalid SSH public key"},
		{"empty", "# nobody\n\n", "recipients.txt: no recipients"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStore(t.TempDir())
			writeFile(t, filepath.Join(s.Dir, RecipientsFile), tc.text, 0o644)
			_, err := s.Recipients()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Recipients error = %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "AGE-SECRET-KEY") {
				t.Errorf("error echoes a private key: %v", err)
			}
		})
	}
	s := NewStore(t.TempDir())
	if _, err := s.Recipients(); err == nil || !strings.Contains(err.Error(), "run 'converge secrets init'") {
		t.Errorf("missing recipients.txt: error = %v", err)
	}
}

func TestSecrets_NamesAndObjectsChecked(t *testing.T) {
	s := newRepo(t, newAgeKey(t, filepath.Join(t.TempDir(), "a.txt")).public)
	for _, tc := range []struct {
		name, plain, want string
	}{
		{"db.prod-1_x", `{}`, ""},
		{"../etc", `{}`, "invalid secret name"},
		{"a b", `{}`, "invalid secret name"},
		{"..", `{}`, "invalid secret name"},
		{"", `{}`, "invalid secret name"},
		{"arr", `[1]`, "not a JSON object"},
		{"two", `{} {}`, "more than one value"},
		{"bad", "{\n  \"a\": 1,\n}", "invalid JSON at line 3"},
		{"empty", "", "empty"},
	} {
		err := s.Write(tc.name, []byte(tc.plain))
		if tc.want == "" {
			if err != nil {
				t.Errorf("Write(%q) = %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Write(%q, %q) error = %v, want %q", tc.name, tc.plain, err, tc.want)
		}
	}
	ents, _ := os.ReadDir(s.Dir)
	var files []string
	for _, e := range ents {
		files = append(files, e.Name())
	}
	if want := []string{"db.prod-1_x.age", RecipientsFile}; !reflect.DeepEqual(files, want) {
		t.Errorf("secrets/ holds %v, want %v (no temporary file left)", files, want)
	}
}

func TestSecrets_RekeyMakesSecretsReadableByANewRecipient(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	alice := newAgeKey(t, filepath.Join(dir, "alice.txt"))
	bob := newSSHKey(t, "rsa", filepath.Join(dir, "id_bob"), "")
	s := newRepo(t, alice.public)
	bag := filepath.Join(s.DataBagsDir(), "users", "root.age")
	for _, p := range []string{s.Path("db"), bag} {
		if err := s.WriteFile(p, []byte(`{"password": "s3cret"}`)); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{s.Path("db"), bag} {
		if _, err := NewKeyring(bob.path).Decrypt(p); err == nil {
			t.Fatalf("bob read %s before he was a recipient", p)
		}
	}
	writeFile(t, filepath.Join(s.Dir, RecipientsFile), alice.public+"\n"+bob.public+"\n", 0o644)
	// Adding bob to recipients.txt is not enough: the files are not rekeyed.
	if _, err := NewKeyring(bob.path).Decrypt(s.Path("db")); err == nil {
		t.Fatal("bob read secrets/db.age before rekey")
	}
	// Bob cannot rekey for himself: nothing is rewritten.
	if _, err := s.Rekey(NewKeyring(bob.path)); err == nil || !strings.Contains(err.Error(), "nothing was re-encrypted") {
		t.Fatalf("rekey by a non-recipient: %v", err)
	}
	done, err := s.Rekey(NewKeyring(alice.path))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{bag, s.Path("db")}; !reflect.DeepEqual(done, want) {
		t.Errorf("rekeyed %v, want %v", done, want)
	}
	for _, who := range []keyPair{alice, bob} {
		for _, p := range []string{s.Path("db"), bag} {
			plain, err := NewKeyring(who.path).Decrypt(p)
			if err != nil || string(plain) != `{"password": "s3cret"}` {
				t.Errorf("%s after rekey: %q, %v", p, plain, err)
			}
		}
	}
	// Removing alice and rekeying locks her out of the new files.
	writeFile(t, filepath.Join(s.Dir, RecipientsFile), bob.public+"\n", 0o644)
	if _, err := s.Rekey(NewKeyring(bob.path)); err != nil {
		t.Fatal(err)
	}
	if _, err := NewKeyring(alice.path).Decrypt(s.Path("db")); err == nil {
		t.Error("alice still reads secrets/db.age after she was removed and it was rekeyed")
	}
}

// chefEncrypt encrypts item with Ruby's OpenSSL the way Chef does
// (testdata/chef_encrypt.rb).
func chefEncrypt(t *testing.T, script, secretFile string, version int, item string) []byte {
	t.Helper()
	if _, err := exec.LookPath("ruby"); err != nil {
		if os.Getenv("CONVERGE_E2E") == "1" {
			t.Fatal("ruby is needed to produce Chef encrypted data bag items")
		}
		t.Skip("no ruby: cannot produce Chef encrypted data bag items")
	}
	cmd := exec.Command("ruby", script, secretFile, string(rune('0'+version)))
	cmd.Stdin = strings.NewReader(item)
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("ruby: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	return out
}

func TestSecrets_ChefEncryptedDataBagItems(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "encrypted_data_bag_secret")
	writeFile(t, secretFile, "  c0rrect-horse-battery\n\n", 0o600)
	wrongFile := filepath.Join(dir, "wrong")
	writeFile(t, wrongFile, "c0rrect-horse-batterx\n", 0o600)
	key, err := LoadChefSecret(secretFile)
	if err != nil {
		t.Fatal(err)
	}
	wrong, _ := LoadChefSecret(wrongFile)
	item := `{"id": "root", "password": "s3cret", "uid": 0, "keys": ["ssh-ed25519 AAAA x"], "opts": {"shell": "/bin/sh", "admin": true}, "none": null}`
	var want map[string]any
	json.Unmarshal([]byte(item), &want)
	for _, version := range []int{1, 2, 3} {
		t.Run(string(rune('0'+version)), func(t *testing.T) {
			enc := chefEncrypt(t, "testdata/chef_encrypt.rb", secretFile, version, item)
			if strings.Contains(string(enc), "s3cret") {
				t.Fatalf("the oracle did not encrypt:\n%s", enc)
			}
			if !IsChefEncrypted(enc) {
				t.Error("IsChefEncrypted = false for an encrypted item")
			}
			plain, encrypted, err := DecryptChefItem(enc, key)
			if err != nil || !encrypted {
				t.Fatalf("DecryptChefItem = %v, %v\n%s", encrypted, err, enc)
			}
			var got map[string]any
			if err := json.Unmarshal(plain, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decrypted %v, want %v", got, want)
			}
			if _, _, err := DecryptChefItem(enc, wrong); err == nil {
				t.Error("a wrong Chef secret decrypted the item")
			} else if !strings.Contains(err.Error(), "wrong Chef secret") {
				t.Errorf("wrong secret error = %v", err)
			}
			if version == 2 {
				// An altered ciphertext fails the HMAC before decryption.
				var m map[string]map[string]any
				json.Unmarshal(enc, &m)
				m["password"]["encrypted_data"] = "AAAA" + m["password"]["encrypted_data"].(string)[4:]
				altered, _ := json.Marshal(m)
				if _, _, err := DecryptChefItem(altered, key); err == nil || !strings.Contains(err.Error(), "HMAC does not match") {
					t.Errorf("altered v2 item: %v", err)
				}
			}
		})
	}
	if IsChefEncrypted([]byte(item)) {
		t.Error("IsChefEncrypted = true for a plain item")
	}
	if _, encrypted, err := DecryptChefItem([]byte(item), key); err != nil || encrypted {
		t.Errorf("plain item: encrypted=%v, %v", encrypted, err)
	}
}
