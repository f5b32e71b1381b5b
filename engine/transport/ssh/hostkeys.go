package ssh

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is returned by Dial when a host key is not trusted: either
// the host is unknown (Changed is false) or known with another key (Changed
// is true). Use errors.As to tell them apart.
type HostKeyError struct {
	// Address is the host as known_hosts names it: host, or [host]:port.
	Address string
	// Key is the key the server offered.
	Key ssh.PublicKey
	// Changed is true when known_hosts holds other keys for the host.
	Changed bool
	// Known are the keys known_hosts holds for the host, with file and line.
	Known []knownhosts.KnownKey
	// RecordTo is the file --accept-new-host-keys would write to.
	RecordTo string
}

func (e *HostKeyError) Error() string {
	fp := ssh.FingerprintSHA256(e.Key)
	if !e.Changed {
		return fmt.Sprintf("ssh: host key for %s is unknown (%s %s); check the fingerprint, then run again with --accept-new-host-keys to record it in %s",
			e.Address, e.Key.Type(), fp, e.RecordTo)
	}
	var at []string
	for _, k := range e.Known {
		at = append(at, fmt.Sprintf("%s:%d (%s %s)", k.Filename, k.Line, k.Key.Type(), ssh.FingerprintSHA256(k.Key)))
	}
	return fmt.Sprintf("ssh: host key for %s has changed: the server offers %s %s but %s holds the known key; this may be a man-in-the-middle attack. If the change is expected, delete that line (ssh-keygen -R %s) and run again with --accept-new-host-keys",
		e.Address, e.Key.Type(), fp, strings.Join(at, ", "), sshKeygenHost(e.Address))
}

// sshKeygenHost quotes a [host]:port address for the shell hint.
func sshKeygenHost(addr string) string {
	if strings.HasPrefix(addr, "[") {
		return "'" + addr + "'"
	}
	return addr
}

// hostKeys verifies host keys against known_hosts files and records new
// ones when allowed.
type hostKeys struct {
	files     []string // read, in order; missing files count as empty
	record    string   // where new keys are appended
	acceptNew bool
}

func newHostKeys(cfg Config) (*hostKeys, error) {
	files := slices.Clone(cfg.KnownHostsFiles)
	if len(files) == 0 {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("ssh: no known_hosts file given and no home directory: %w", err)
		}
		files = []string{filepath.Join(home, ".ssh", "known_hosts")}
	}
	record := cfg.RecordHostKeysTo
	if record == "" {
		record = files[0]
	}
	// Keys recorded in an earlier run must be trusted in this one.
	if !slices.Contains(files, record) {
		files = append(files, record)
	}
	return &hostKeys{files: files, record: record, acceptNew: cfg.AcceptNewHostKeys}, nil
}

// load reads the known_hosts files that exist.
func (h *hostKeys) load() (ssh.HostKeyCallback, error) {
	var existing []string
	for _, f := range h.files {
		if _, err := os.Stat(f); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("ssh: known_hosts: %w", err)
		}
		existing = append(existing, f)
	}
	cb, err := knownhosts.New(existing...)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	return cb, nil
}

// probeKey never matches a known_hosts entry, so checking it lists every
// key known for an address.
var probeKey = sync.OnceValue(func() ssh.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic("ssh: generate probe key: " + err.Error())
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		panic("ssh: probe key: " + err.Error())
	}
	return k
})

// verifier returns the host key callback for one connection to addr
// (host:port) and the host key algorithms to offer: those of the keys
// already known for addr first, so that a server with several host keys
// shows the one we can check. After a failed handshake, *rejected holds the
// reason when the host key was at fault.
func (h *hostKeys) verifier(addr string) (cb ssh.HostKeyCallback, algos []string, rejected **HostKeyError, err error) {
	kh, err := h.load()
	if err != nil {
		return nil, nil, nil, err
	}
	algos = preferredAlgorithms(kh, addr)
	var rej *HostKeyError
	cb = func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := kh(hostname, remote, key)
		var ke *knownhosts.KeyError
		if !errors.As(err, &ke) {
			return err // nil, revoked, or a malformed address
		}
		e := &HostKeyError{
			Address:  knownhosts.Normalize(hostname),
			Key:      key,
			Changed:  len(ke.Want) > 0,
			Known:    ke.Want,
			RecordTo: h.record,
		}
		if !e.Changed && h.acceptNew {
			return h.add(hostname, remote, key)
		}
		rej = e
		return e
	}
	return cb, algos, &rej, nil
}

func preferredAlgorithms(kh ssh.HostKeyCallback, addr string) []string {
	dummy := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}
	var ke *knownhosts.KeyError
	if err := kh(addr, dummy, probeKey()); !errors.As(err, &ke) || len(ke.Want) == 0 {
		return nil // unknown host: x/crypto's defaults
	}
	supported := ssh.SupportedAlgorithms().HostKeys
	var algos []string
	for _, k := range ke.Want {
		for _, a := range algorithmsFor(k.Key.Type()) {
			if slices.Contains(supported, a) && !slices.Contains(algos, a) {
				algos = append(algos, a)
			}
		}
	}
	for _, a := range supported {
		if !slices.Contains(algos, a) {
			algos = append(algos, a)
		}
	}
	return algos
}

// algorithmsFor lists the signature algorithms a host key type can use.
func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// recordMu serialises appends to known_hosts files within this process.
var recordMu sync.Mutex

// add appends a line for hostname's key to the record file, unless another
// connection recorded it meanwhile.
func (h *hostKeys) add(hostname string, remote net.Addr, key ssh.PublicKey) error {
	recordMu.Lock()
	defer recordMu.Unlock()

	if err := os.MkdirAll(filepath.Dir(h.record), 0o700); err != nil {
		return fmt.Errorf("ssh: record host key: %w", err)
	}
	old, err := os.ReadFile(h.record)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("ssh: record host key: %w", err)
	}
	if len(old) > 0 {
		if cb, err := knownhosts.New(h.record); err == nil && cb(hostname, remote, key) == nil {
			return nil
		}
	}
	line := knownhosts.Line([]string{hostname}, key) + "\n"
	if len(old) > 0 && old[len(old)-1] != '\n' {
		line = "\n" + line
	}
	f, err := os.OpenFile(h.record, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("ssh: record host key: %w", err)
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("ssh: record host key in %s: %w", h.record, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("ssh: record host key in %s: %w", h.record, err)
	}
	return nil
}
