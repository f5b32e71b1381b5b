package lab

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/crypto/ssh"
)

// KeyPath is the lab's SSH key, relative to the repository: root on every
// node accepts it.
const KeyPath = ".converge/lab/id_ed25519"

// KnownHostsPath is converge's known_hosts, relative to the repository.
const KnownHostsPath = ".converge/known_hosts"

// KeyFile is the absolute path of the lab's private key.
func (l *Lab) KeyFile() string { return filepath.Join(l.RepoDir, KeyPath) }

// KnownHostsFile is the absolute path of converge's known_hosts.
func (l *Lab) KnownHostsFile() string { return filepath.Join(l.RepoDir, KnownHostsPath) }

// ensureKey makes an ed25519 key pair at path (and path.pub) unless one is
// there, and returns the public key in authorized_keys form.
func ensureKey(path, comment string) (string, error) {
	if b, err := os.ReadFile(path + ".pub"); err == nil {
		if _, err := os.Stat(path); err == nil {
			return strings.TrimSpace(string(b)), nil
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return "", err
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		return "", err
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " " + comment
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	if err := writeFileAtomic(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return "", err
	}
	if err := writeFileAtomic(path+".pub", []byte(line+"\n"), 0o644); err != nil {
		return "", err
	}
	return line, nil
}

// inventoryEntry is the part of nodes/NAME.json the lab owns.
type inventoryConverge struct {
	Host     string `json:"host"`
	User     string `json:"user"`
	Port     int    `json:"port"`
	Identity string `json:"identity"`
}

// inventoryJSON returns nodes/NAME.json for a lab node. Keys of an existing
// file other than "name" and "converge" (run_list, attributes) are kept.
func inventoryJSON(existing []byte, name, addr, identity string) ([]byte, error) {
	doc := map[string]json.RawMessage{}
	if len(existing) > 0 {
		if err := json.Unmarshal(existing, &doc); err != nil {
			doc = map[string]json.RawMessage{}
		}
	}
	c, _ := json.Marshal(inventoryConverge{Host: addr, User: "root", Port: 22, Identity: identity})
	doc["converge"] = c
	delete(doc, "name")
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// "name" first, the rest in order, as a person would write it.
	var b bytes.Buffer
	n, _ := json.Marshal(name)
	fmt.Fprintf(&b, "{\n  \"name\": %s", n)
	for _, k := range keys {
		kj, _ := json.Marshal(k)
		var v bytes.Buffer
		if err := json.Indent(&v, doc[k], "  ", "  "); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, ",\n  %s: %s", kj, v.Bytes())
	}
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}

// replaceKnownHost returns known_hosts content with every line for host
// (port 22) removed and, unless key is empty, "host key" appended.
func replaceKnownHost(content, host, key string) string {
	var out []string
	for _, line := range strings.Split(content, "\n") {
		if line == "" {
			continue
		}
		if knownHostsLineMatches(line, host) {
			continue
		}
		out = append(out, line)
	}
	if key != "" {
		out = append(out, host+" "+key)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

func knownHostsLineMatches(line, host string) bool {
	t := strings.TrimSpace(line)
	if t == "" || strings.HasPrefix(t, "#") {
		return false
	}
	f := strings.Fields(t)
	hosts := f[0]
	if strings.HasPrefix(hosts, "@") && len(f) > 1 { // @cert-authority, @revoked
		hosts = f[1]
	}
	for _, h := range strings.Split(hosts, ",") {
		if h == host || h == "["+host+"]:22" {
			return true
		}
	}
	return false
}

// updateKnownHosts replaces the lines of host in the known_hosts file.
func updateKnownHosts(path, host, key string) error {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return writeFileAtomic(path, []byte(replaceKnownHost(string(b), host, key)), 0o644)
}

// writeInventory writes nodes/NAME.json and the node's known_hosts line.
func writeInventory(repo, name, addr, hostKey string) error {
	p := filepath.Join(repo, "nodes", name+".json")
	old, _ := os.ReadFile(p)
	b, err := inventoryJSON(old, name, addr, filepath.Join(repo, KeyPath))
	if err != nil {
		return err
	}
	if err := writeFileAtomic(p, b, 0o644); err != nil {
		return fmt.Errorf("write inventory %s: %w", p, err)
	}
	return updateKnownHosts(filepath.Join(repo, KnownHostsPath), addr, hostKey)
}

// removeInventory removes nodes/NAME.json and the node's known_hosts lines.
func removeInventory(repo, name, addr string) error {
	if err := os.Remove(filepath.Join(repo, "nodes", name+".json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if addr == "" {
		return nil
	}
	kh := filepath.Join(repo, KnownHostsPath)
	if _, err := os.Stat(kh); err != nil {
		return nil
	}
	return updateKnownHosts(kh, addr, "")
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
