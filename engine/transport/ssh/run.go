package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/converge-cm/converge/engine/transport"
)

// MaxSessions is how many commands a Transport runs at once on its
// connection: OpenSSH's default MaxSessions. More wait their turn.
const MaxSessions = 10

// Transport runs commands on one node over one SSH connection. It is safe
// for concurrent use: each Run is a session multiplexed on the connection.
type Transport struct {
	client   *ssh.Client
	hops     []*ssh.Client // jump host connections, in dial order
	who      string        // user@host:port, for errors
	sessions chan struct{} // semaphore of MaxSessions

	done       chan struct{} // closed by Close; stops the keepalive
	mu         sync.Mutex
	idle       []*resident // resident shells waiting for a command
	noResident bool        // the node cannot run them: a session per command
	closed     bool
	lost       atomic.Pointer[string] // why keepalive closed the connection
	closeOnce  sync.Once
	closeErr   error
}

// Keepalive: like OpenSSH's ServerAliveInterval 15 / ServerAliveCountMax 3,
// a connection that answers nothing for 45s is closed, so that commands on
// a node that vanished (rebooted, cable pulled) fail instead of hanging.
var (
	keepaliveInterval = 15 * time.Second
	keepaliveMissed   = 3
)

var _ transport.Transport = (*Transport)(nil)

func newTransport(c *ssh.Client, hops []*ssh.Client, who string) *Transport {
	t := &Transport{
		client:   c,
		hops:     hops,
		who:      who,
		sessions: make(chan struct{}, MaxSessions),
		done:     make(chan struct{}),
	}
	go t.keepalive(keepaliveInterval, keepaliveMissed)
	return t
}

// keepalive sends a global request every interval and closes the
// connection when none is answered for missed intervals. OpenSSH answers
// the unknown request with a failure, which is an answer all the same.
func (t *Transport) keepalive(interval time.Duration, missed int) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-t.done:
			return
		case <-tick.C:
		}
		answered := make(chan error, 1)
		go func() {
			_, _, err := t.client.SendRequest("keepalive@openssh.com", true, nil)
			answered <- err
		}()
		select {
		case err := <-answered:
			if err != nil {
				return // the connection is gone; Run reports it
			}
		case <-time.After(interval * time.Duration(missed)):
			why := fmt.Sprintf("connection lost: no answer to keepalive for %s", interval*time.Duration(missed))
			t.lost.Store(&why)
			t.client.Close()
			return
		case <-t.done:
			return
		}
	}
}

// String is user@host:port of the node.
func (t *Transport) String() string { return t.who }

// Run hands cmd, as is, to the login shell of the remote user, feeding it
// stdin when not nil. A non-zero exit is reported in Result.ExitCode; an
// error means the command could not run or its end was not seen. When ctx
// is done Run sends the command SIGKILL, closes its session and returns
// ctx's error at once; sshd does not deliver the signal to root sessions,
// where a command that ignores its closed pipes may run on.
func (t *Transport) Run(ctx context.Context, cmd string, stdin io.Reader) (transport.Result, error) {
	select {
	case t.sessions <- struct{}{}:
	case <-ctx.Done():
		return transport.Result{}, fmt.Errorf("ssh: %s: %w", t.who, ctx.Err())
	}
	defer func() { <-t.sessions }()

	r, ok, err := t.getResident(ctx)
	if err != nil {
		return transport.Result{}, err
	}
	if ok {
		var in []byte
		if stdin != nil {
			if in, err = io.ReadAll(stdin); err != nil {
				t.putResident(r)
				return transport.Result{}, fmt.Errorf("ssh: %s: read stdin: %w", t.who, err)
			}
		}
		res, err := r.run(ctx, t, cmd, in)
		if err != nil {
			r.close()
			return res, err
		}
		t.putResident(r)
		return res, nil
	}

	s, err := t.newSession(ctx)
	if err != nil {
		return transport.Result{}, err
	}
	defer s.Close()
	var stdout, stderr bytes.Buffer
	s.Stdout, s.Stderr = &stdout, &stderr
	if stdin != nil {
		s.Stdin = stdin
	}
	if err := s.Start(cmd); err != nil {
		return transport.Result{}, fmt.Errorf("ssh: %s: start command: %w", t.who, err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		// Best effort: OpenSSH refuses signals for root sessions (no
		// post-auth privilege separation), and a process that neither reads
		// nor writes (sleep) outlives its closed channel.
		_ = s.Signal(ssh.SIGKILL)
		s.Close()
		// The buffers are still being written by x/crypto's copy
		// goroutines, so no partial output is returned.
		return transport.Result{}, fmt.Errorf("ssh: %s: %w", t.who, ctx.Err())
	}
	res := transport.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var exit *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitStatus()
	case t.lost.Load() != nil:
		return res, fmt.Errorf("ssh: %s: %s", t.who, *t.lost.Load())
	case errors.As(err, &missing):
		return res, fmt.Errorf("ssh: %s: command ended without an exit status (connection lost?)", t.who)
	default:
		return res, fmt.Errorf("ssh: %s: %w", t.who, err)
	}
	return res, nil
}

// newSession opens a session, waiting while the server refuses it: OpenSSH
// answers "open failed" when the connection has MaxSessions open, which
// happens with a server limit below ours or while it has not yet processed
// the close of a finished session. It gives up after sessionWait.
func (t *Transport) newSession(ctx context.Context) (*ssh.Session, error) {
	backoff := 5 * time.Millisecond
	giveUp := time.Now().Add(sessionWait)
	for {
		s, err := t.client.NewSession()
		if err == nil {
			return s, nil
		}
		if lost := t.lost.Load(); lost != nil {
			return nil, fmt.Errorf("ssh: %s: %s", t.who, *lost)
		}
		var oce *ssh.OpenChannelError
		if !errors.As(err, &oce) || oce.Reason == ssh.UnknownChannelType || time.Now().After(giveUp) {
			return nil, fmt.Errorf("ssh: %s: open session: %w", t.who, err)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil, fmt.Errorf("ssh: %s: open session: %w (server refused: %v)", t.who, ctx.Err(), err)
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// sessionWait bounds how long Run waits for the server to accept a session.
const sessionWait = time.Minute

// Put writes path atomically (see transport.PutScript).
func (t *Transport) Put(ctx context.Context, path string, data []byte, opts transport.PutOptions) error {
	return transport.PutWith(ctx, t, path, data, opts)
}

// Get reads path.
func (t *Transport) Get(ctx context.Context, path string) ([]byte, error) {
	return transport.GetWith(ctx, t, path)
}

// Close closes the connection and those to its jump hosts. Later calls
// return the first call's result.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		close(t.done)
		t.closeResidents()
		t.closeErr = closeQuietly(t.client)
		for i := len(t.hops) - 1; i >= 0; i-- {
			if err := closeQuietly(t.hops[i]); t.closeErr == nil {
				t.closeErr = err
			}
		}
		if t.closeErr != nil {
			t.closeErr = fmt.Errorf("ssh: %s: close: %w", t.who, t.closeErr)
		}
	})
	return t.closeErr
}

// closeQuietly closes c, ignoring the error of a connection already gone.
func closeQuietly(c *ssh.Client) error {
	err := c.Close()
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
