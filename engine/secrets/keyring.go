package secrets

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"
)

// EnvIdentity names the environment variable holding the path of an age
// identity file (or an unencrypted SSH private key).
const EnvIdentity = "CONVERGE_AGE_IDENTITY"

// ErrNoIdentity is returned by Keyring.Identities when no identity file
// exists at any of the default places.
var ErrNoIdentity = errors.New("no age identity found")

// Keyring finds identities lazily, once, at the first Decrypt. It is safe
// for concurrent use.
type Keyring struct {
	// IdentityFile is the identity given explicitly (the --identity-file
	// flag); "" looks at CONVERGE_AGE_IDENTITY, then the default places.
	IdentityFile string

	once    sync.Once
	ids     []Identity
	tried   []string // every file looked at, with why it gave nothing
	loadErr error
}

// Identity is one private key the keyring found.
type Identity struct {
	Path   string // the file it came from
	Public string // its public key, as a line of recipients.txt
	age.Identity
}

// NewKeyring returns a keyring reading identityFile, or, when it is "",
// CONVERGE_AGE_IDENTITY, then ~/.config/converge/age.txt, ~/.ssh/id_ed25519
// and ~/.ssh/id_rsa (unencrypted SSH keys only).
func NewKeyring(identityFile string) *Keyring {
	return &Keyring{IdentityFile: identityFile}
}

// DefaultIdentityPath is ~/.config/converge/age.txt, where converge
// secrets init generates an identity when there is none.
func DefaultIdentityPath() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the home directory for the default age identity: %v (set %s)", err, EnvIdentity)
	}
	return filepath.Join(home, ".config", "converge", "age.txt"), nil
}

// Identities returns the identities found: the explicit file (an error
// when it is missing or unusable), or every usable default file. With no
// explicit file and none of the defaults present, the error is
// ErrNoIdentity (wrapped, with the places looked at).
func (k *Keyring) Identities() ([]Identity, error) {
	k.once.Do(k.load)
	return k.ids, k.loadErr
}

func (k *Keyring) load() {
	explicit, source := k.IdentityFile, "--identity-file"
	if explicit == "" {
		explicit, source = os.Getenv(EnvIdentity), EnvIdentity
	}
	if explicit != "" {
		ids, err := readIdentityFile(explicit)
		k.tried = append(k.tried, explicit)
		if err != nil {
			k.loadErr = fmt.Errorf("age identity %s (from %s): %v", explicit, source, err)
			return
		}
		k.ids = ids
		return
	}
	home, err := os.UserHomeDir()
	if err != nil {
		k.loadErr = fmt.Errorf("%w: cannot find the home directory: %v (set %s)", ErrNoIdentity, err, EnvIdentity)
		return
	}
	var skipped []string
	for _, p := range []string{
		filepath.Join(home, ".config", "converge", "age.txt"),
		filepath.Join(home, ".ssh", "id_ed25519"),
		filepath.Join(home, ".ssh", "id_rsa"),
	} {
		ids, err := readIdentityFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			k.tried = append(k.tried, fmt.Sprintf("%s (skipped: %v)", p, err))
			skipped = append(skipped, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		k.tried = append(k.tried, p)
		k.ids = append(k.ids, ids...)
	}
	if len(k.ids) > 0 {
		return
	}
	if len(skipped) > 0 {
		k.loadErr = fmt.Errorf("no usable age identity: %s; give one with --identity-file or %s", strings.Join(skipped, "; "), EnvIdentity)
		return
	}
	k.loadErr = fmt.Errorf("%w: looked for ~/.config/converge/age.txt, ~/.ssh/id_ed25519 and ~/.ssh/id_rsa; run 'converge secrets init' to generate one, or give one with --identity-file or %s", ErrNoIdentity, EnvIdentity)
}

// readIdentityFile reads an age identity file (AGE-SECRET-KEY-1… lines,
// # comments) or an unencrypted ed25519 or RSA OpenSSH private key. Its
// errors never hold the file's content.
func readIdentityFile(path string) ([]Identity, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(data, []byte("-----BEGIN")) {
		id, pub, err := parseSSHIdentity(data)
		if err != nil {
			return nil, err
		}
		return []Identity{{Path: path, Public: pub, Identity: id}}, nil
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not an age identity file (AGE-SECRET-KEY-1… lines) nor an SSH private key: %v", err)
	}
	var out []Identity
	for _, id := range ids {
		pub := ""
		if x, ok := id.(*age.X25519Identity); ok {
			pub = x.Recipient().String()
		}
		out = append(out, Identity{Path: path, Public: pub, Identity: id})
	}
	return out, nil
}

func parseSSHIdentity(pem []byte) (age.Identity, string, error) {
	raw, err := ssh.ParseRawPrivateKey(pem)
	var pm *ssh.PassphraseMissingError
	if errors.As(err, &pm) {
		return nil, "", errors.New("the SSH key is passphrase-protected, and converge reads only unencrypted keys: use an age identity (converge secrets init generates ~/.config/converge/age.txt) or an unencrypted key")
	}
	if err != nil {
		return nil, "", fmt.Errorf("not a readable SSH private key: %v", err)
	}
	id, err := agessh.ParseIdentity(pem)
	if err != nil {
		return nil, "", fmt.Errorf("SSH key: %v (age takes ed25519 and RSA keys)", err)
	}
	signer, ok := raw.(crypto.Signer)
	if !ok {
		return nil, "", fmt.Errorf("SSH key of type %T has no public key", raw)
	}
	pk, err := ssh.NewPublicKey(signer.Public())
	if err != nil {
		return nil, "", fmt.Errorf("SSH key: %v", err)
	}
	return id, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))), nil
}

// Decrypt returns the whole plaintext of the age file at path.
func (k *Keyring) Decrypt(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ids, err := k.Identities()
	if err != nil {
		return nil, fmt.Errorf("cannot decrypt %s: %v", path, err)
	}
	ages := make([]age.Identity, len(ids))
	for i, id := range ids {
		ages[i] = id.Identity
	}
	r, err := age.Decrypt(f, ages...)
	var nm *age.NoIdentityMatchError
	if errors.As(err, &nm) {
		return nil, fmt.Errorf("cannot decrypt %s: none of your identities is one of its recipients (tried %s); ask a recipient to add your public key to secrets/recipients.txt and run converge secrets rekey", path, strings.Join(k.tried, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("cannot decrypt %s: %v (is it an age file written by converge secrets?)", path, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("cannot decrypt %s: %v (the file is damaged or truncated)", path, err)
	}
	return plain, nil
}

// Read decrypts the secret name of s and decodes it as a JSON object,
// numbers as json.Number.
func (k *Keyring) Read(s *Store, name string) (map[string]any, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	p := s.Path(name)
	plain, err := k.Decrypt(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("secret %q does not exist (no %s): create it with 'converge secrets edit %s'", name, p, name)
	}
	if err != nil {
		return nil, err
	}
	obj, err := DecodeObject(plain)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	return obj, nil
}
