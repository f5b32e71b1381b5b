package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Config says how to reach one node. Zero fields take their value from
// ssh_config, then from OpenSSH's defaults.
type Config struct {
	// Host is an ssh_config alias or a host name or address.
	Host string
	// Port overrides ssh_config's Port; default 22.
	Port int
	// User overrides ssh_config's User; default $USER.
	User string
	// IdentityFiles are private keys tried first, before ssh_config's
	// IdentityFile entries, on the node and on its jump hosts; they must
	// exist. With neither, ~/.ssh/id_ed25519, id_ecdsa and id_rsa are tried
	// when present, then ssh-agent's keys.
	IdentityFiles []string
	// KnownHostsFiles are the known_hosts files trusted; missing ones count
	// as empty. Default ~/.ssh/known_hosts.
	KnownHostsFiles []string
	// RecordHostKeysTo is where AcceptNewHostKeys appends; default the first
	// of KnownHostsFiles. It is always read as well.
	RecordHostKeysTo string
	// AcceptNewHostKeys records the key of a host that known_hosts does not
	// know instead of refusing it. A changed key is refused regardless.
	AcceptNewHostKeys bool
	// SSHConfigFile replaces ~/.ssh/config; it must exist when given.
	SSHConfigFile string
	// Timeout bounds the TCP connect and SSH handshake of each hop;
	// default 30s.
	Timeout time.Duration
	// DisableAgent ignores SSH_AUTH_SOCK.
	DisableAgent bool
}

// DefaultTimeout bounds connect and handshake when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Dial connects to cfg.Host, through its ProxyJump hops if any, verifying
// every host key, and returns a Transport that multiplexes all its commands
// over this one connection.
func Dial(ctx context.Context, cfg Config) (*Transport, error) {
	r, err := resolve(cfg.Host, cfg.SSHConfigFile, overrides{User: cfg.User, Port: cfg.Port})
	if err != nil {
		return nil, err
	}
	hk, err := newHostKeys(cfg)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	a := &auth{explicit: cfg.IdentityFiles, disableAgent: cfg.DisableAgent}
	defer a.close()

	var hops []*ssh.Client
	closeHops := func() {
		for i := len(hops) - 1; i >= 0; i-- {
			hops[i].Close()
		}
	}
	var via *ssh.Client
	for _, j := range r.Jumps {
		c, err := connect(ctx, via, j, hk, a, timeout)
		if err != nil {
			closeHops()
			return nil, fmt.Errorf("%w (jump host %s of %s)", err, j.Alias, cfg.Host)
		}
		hops = append(hops, c)
		via = c
	}
	c, err := connect(ctx, via, r, hk, a, timeout)
	if err != nil {
		closeHops()
		return nil, err
	}
	return newTransport(c, hops, r.User+"@"+r.Address()), nil
}

// connect opens one SSH connection to r, directly or through via.
func connect(ctx context.Context, via *ssh.Client, r Resolved, hk *hostKeys, a *auth, timeout time.Duration) (*ssh.Client, error) {
	addr := r.Address()
	who := r.User + "@" + addr

	method, tried, err := a.method(r.IdentityFiles)
	if err != nil {
		return nil, err
	}
	cb, algos, rejected, err := hk.verifier(addr)
	if err != nil {
		return nil, err
	}

	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var conn net.Conn
	if via == nil {
		var d net.Dialer
		conn, err = d.DialContext(hctx, "tcp", addr)
	} else {
		conn, err = via.DialContext(hctx, "tcp", addr)
	}
	if err != nil {
		return nil, connectError(ctx, who, "connect", timeout, err)
	}
	// Channel connections through a jump host have no deadlines, so the
	// handshake is bounded by closing the connection instead.
	stop := context.AfterFunc(hctx, func() { conn.Close() })
	cc, chans, reqs, err := ssh.NewClientConn(conn, addr, &ssh.ClientConfig{
		User:              r.User,
		Auth:              []ssh.AuthMethod{method},
		HostKeyCallback:   cb,
		HostKeyAlgorithms: algos,
	})
	if !stop() {
		if cc != nil {
			cc.Close()
		}
		return nil, connectError(ctx, who, "handshake", timeout, context.DeadlineExceeded)
	}
	if err != nil {
		conn.Close()
		if *rejected != nil {
			return nil, *rejected
		}
		var hke *HostKeyError
		if errors.As(err, &hke) {
			return nil, hke
		}
		// x/crypto has no typed error for this one.
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, &AuthError{User: r.User, Address: addr, Tried: tried}
		}
		return nil, fmt.Errorf("ssh: %s: %w", who, err)
	}
	return ssh.NewClient(cc, chans, reqs), nil
}

// connectError explains a failed connect or handshake, telling the
// caller's cancellation apart from the timeout.
func connectError(ctx context.Context, who, phase string, timeout time.Duration, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("ssh: %s: %s: %w", who, phase, ctx.Err())
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return fmt.Errorf("ssh: %s: %s timed out after %s: %w", who, phase, timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("ssh: %s: %s: %w", who, phase, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
