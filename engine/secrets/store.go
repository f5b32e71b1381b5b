package secrets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
)

// RecipientsFile is the name of the recipients list in a Store's Dir.
const RecipientsFile = "recipients.txt"

// Store is a repository's secrets/ directory.
type Store struct {
	Dir string // e.g. "secrets" under the repository
}

// NewStore is the store of the repository at repoDir.
func NewStore(repoDir string) *Store {
	return &Store{Dir: filepath.Join(repoDir, "secrets")}
}

var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// CheckName says whether name can name a secret: [A-Za-z0-9_.-]+, not
// "." or "..".
func CheckName(name string) error {
	if !validName.MatchString(name) || name == "." || name == ".." {
		return fmt.Errorf("invalid secret name %q: use letters, digits, '_', '.' and '-' only", name)
	}
	return nil
}

// Path is the file of the secret name: Dir/NAME.age. It does not check
// name; Write, Keyring.Read and the CLI do (CheckName).
func (s *Store) Path(name string) string {
	return filepath.Join(s.Dir, name+".age")
}

func (s *Store) recipientsPath() string { return filepath.Join(s.Dir, RecipientsFile) }

// DataBagsDir is the repository's data_bags directory, next to Dir.
func (s *Store) DataBagsDir() string {
	return filepath.Join(filepath.Dir(s.Dir), "data_bags")
}

// Recipients reads recipients.txt: one age1… X25519 public key or
// ssh-ed25519 / ssh-rsa public key per line; blank lines and # comments
// are ignored. Errors name recipients.txt:LINE.
func (s *Store) Recipients() ([]age.Recipient, error) {
	p := s.recipientsPath()
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: run 'converge secrets init' to create it", p)
	}
	if err != nil {
		return nil, err
	}
	var recs []age.Recipient
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := ParseRecipient(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", p, n, err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: no recipients: add an age1… or ssh-ed25519/ssh-rsa public key, one per line", p)
	}
	return recs, nil
}

// ParseRecipient parses one recipient line: an age1… X25519 public key
// or an ssh-ed25519 / ssh-rsa public key (authorized_keys format; the
// comment is allowed).
func ParseRecipient(line string) (age.Recipient, error) {
	switch {
	case strings.HasPrefix(line, "AGE-SECRET-KEY-"):
		// Never echo it: it is a private key.
		return nil, errors.New("this is an age private key, not a public key: put its public key (age1…, printed by 'age-keygen -y') here and keep the private key out of the repository")
	case strings.HasPrefix(line, "age1pq1"):
		return nil, errors.New("post-quantum age1pq1… recipients are not supported (age cannot mix them with the SSH and X25519 ones): use an X25519 age1… key (age-keygen without -pq)")
	case strings.HasPrefix(line, "age1"):
		r, err := age.ParseX25519Recipient(line)
		if err != nil {
			return nil, fmt.Errorf("invalid age public key %q: %v", line, err)
		}
		return r, nil
	case strings.HasPrefix(line, "ssh-ed25519 "), strings.HasPrefix(line, "ssh-rsa "):
		r, err := agessh.ParseRecipient(line)
		if err != nil {
			return nil, fmt.Errorf("invalid SSH public key: %v", err)
		}
		return r, nil
	case strings.HasPrefix(line, "-----BEGIN"):
		return nil, errors.New("this looks like a private key: put the public key (the .pub file's line) here")
	}
	f := strings.Fields(line)
	return nil, fmt.Errorf("unknown recipient type %q: want an age1… public key or an ssh-ed25519/ssh-rsa public key line", f[0])
}

// Names lists the secrets of the store, sorted, without ".age".
func (s *Store) Names() ([]string, error) {
	ents, err := os.ReadDir(s.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".age") {
			continue
		}
		if name := strings.TrimSuffix(n, ".age"); CheckName(name) == nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// Write encrypts plain, which must be a JSON object, to Recipients() and
// writes it to Path(name) atomically.
func (s *Store) Write(name string, plain []byte) error {
	if err := CheckName(name); err != nil {
		return err
	}
	return s.WriteFile(s.Path(name), plain)
}

// WriteFile encrypts plain, which must be a JSON object, to Recipients()
// and writes it to path atomically (a temporary file in path's directory,
// renamed over it). Data bag items (data_bags/BAG/ITEM.age) are written
// with it.
func (s *Store) WriteFile(path string, plain []byte) error {
	if _, err := DecodeObject(plain); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	recs, err := s.Recipients()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recs...)
	if err != nil {
		return fmt.Errorf("%s: encrypt: %v", path, err)
	}
	if _, err := w.Write(plain); err != nil {
		return fmt.Errorf("%s: encrypt: %v", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("%s: encrypt: %v", path, err)
	}
	return writeAtomic(path, buf.Bytes(), 0o644)
}

// writeAtomic writes data to a temporary file next to path and renames it
// over path: a reader sees the old file or the new one, never a part.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %v", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %v", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %v", path, err)
	}
	return nil
}

// DecodeObject decodes plain as one JSON object, numbers as json.Number.
// A syntax error says its line and column.
func DecodeObject(plain []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(plain, err)
	}
	if _, err := dec.Token(); err == nil {
		off := dec.InputOffset()
		line, col := lineCol(plain, off)
		return nil, fmt.Errorf("invalid JSON at line %d, column %d: more than one value (want one JSON object)", line, col)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object: a secret is an object such as {\"password\": \"…\"}, got %s", jsonKind(v))
	}
	return obj, nil
}

func jsonError(plain []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset is just past the byte that was wrong.
		line, col := lineCol(plain, max(se.Offset-1, 0))
		return fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) && len(bytes.TrimSpace(plain)) == 0 {
		return errors.New("invalid JSON: empty (want a JSON object such as {})")
	}
	var ue *json.UnmarshalTypeError
	if errors.As(err, &ue) {
		line, col := lineCol(plain, ue.Offset)
		return fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, ue)
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

func lineCol(b []byte, off int64) (line, col int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line, col = 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
