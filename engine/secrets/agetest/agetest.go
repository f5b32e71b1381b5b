package agetest

import (
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
)

// IdentityFile writes a new age X25519 identity to path (mode 0600, its
// directory made if need be) in age-keygen's format, a "# public key:"
// comment then the AGE-SECRET-KEY- line, and returns its recipient
// (age1...). It fails t on any error.
func IdentityFile(t testing.TB, path string) (recipient string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	recipient = id.Recipient().String()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("# public key: "+recipient+"\n"+id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return recipient
}
