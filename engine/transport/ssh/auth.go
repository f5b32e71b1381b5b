package ssh

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// AuthError is returned by Dial when the server accepted none of the keys.
type AuthError struct {
	User, Address string
	// Tried describes each key source offered: file names, "agent".
	Tried []string
}

func (e *AuthError) Error() string {
	tried := "none: no identity file given, none in ~/.ssh, no ssh-agent"
	if len(e.Tried) > 0 {
		tried = strings.Join(e.Tried, ", ")
	}
	return fmt.Sprintf("ssh: %s@%s: authentication refused (tried keys: %s)", e.User, e.Address, tried)
}

// defaultIdentities are tried, when they exist, if no identity file is given
// on the command line or in ssh_config.
var defaultIdentities = []string{"id_ed25519", "id_ecdsa", "id_rsa"}

// auth supplies the keys for every connection of one Dial.
type auth struct {
	explicit     []string // Config.IdentityFiles: must exist
	disableAgent bool

	agentOnce sync.Once
	agentConn net.Conn
	agent     agent.ExtendedAgent
	agentNote string // why the agent is not used, for errors
}

func (a *auth) close() {
	if a.agentConn != nil {
		a.agentConn.Close()
	}
}

// method returns the public-key auth method for a host whose ssh_config
// names configured identity files, and a description of what it offers.
func (a *auth) method(configured []string) (ssh.AuthMethod, []string, error) {
	var signers []ssh.Signer
	var tried []string

	load := func(path string, mustExist bool) error {
		data, err := os.ReadFile(path)
		if err != nil {
			if !mustExist && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("ssh: identity file: %w", err)
		}
		s, err := ssh.ParsePrivateKey(data)
		var pm *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &pm):
			// No prompting: a passphrase-protected key is used via ssh-agent.
			tried = append(tried, path+" (passphrase-protected, skipped: add it to ssh-agent)")
			return nil
		case err != nil && mustExist:
			return fmt.Errorf("ssh: identity file %s: %w", path, err)
		case err != nil:
			tried = append(tried, path+" (unreadable, skipped: "+err.Error()+")")
			return nil
		}
		signers = append(signers, s)
		tried = append(tried, path)
		return nil
	}
	for _, f := range a.explicit {
		if err := load(f, true); err != nil {
			return nil, nil, err
		}
	}
	for _, f := range configured {
		if err := load(f, false); err != nil {
			return nil, nil, err
		}
	}
	if len(a.explicit) == 0 && len(configured) == 0 {
		if home, err := os.UserHomeDir(); err == nil {
			for _, name := range defaultIdentities {
				if err := load(filepath.Join(home, ".ssh", name), false); err != nil {
					return nil, nil, err
				}
			}
		}
	}

	ag := a.connectAgent()
	if ag != nil {
		tried = append(tried, "agent")
	} else if a.agentNote != "" {
		tried = append(tried, a.agentNote)
	}
	m := ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		all := signers
		if ag != nil {
			// An agent that fails now just contributes no keys.
			if more, err := ag.Signers(); err == nil {
				all = append(all[:len(all):len(all)], more...)
			}
		}
		return all, nil
	})
	return m, tried, nil
}

// connectAgent opens SSH_AUTH_SOCK once per Dial.
func (a *auth) connectAgent() agent.ExtendedAgent {
	a.agentOnce.Do(func() {
		if a.disableAgent {
			return
		}
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return
		}
		c, err := net.Dial("unix", sock)
		if err != nil {
			a.agentNote = "agent (SSH_AUTH_SOCK unreachable: " + err.Error() + ")"
			return
		}
		a.agentConn = c
		a.agent = agent.NewClient(c)
	})
	return a.agent
}
