package sshtest

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP connections to a target and can cut or stall them,
// as a flaky network or a node that stops answering would.
type Proxy struct {
	t      testing.TB
	target string
	l      net.Listener
	up     atomic.Int64 // bytes forwarded client->server, all connections

	mu     sync.Mutex
	cut    int64         // CutAfter's n for connections accepted from now on; <0: never
	gate   chan struct{} // non-nil while stalled; closed by Resume
	conns  map[*proxyConn]struct{}
	closed bool
}

// proxyConn is one forwarded connection.
type proxyConn struct {
	client, server net.Conn
	once           sync.Once
	done           chan struct{} // closed when both sockets are closed

	mu    sync.Mutex
	up    int64 // bytes forwarded client->server on this connection
	limit int64 // close once up reaches it; <0: never
}

// NewProxy listens on 127.0.0.1:0 and forwards every connection to target
// (host:port). It is closed, with every connection, by t.Cleanup.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sshtest: proxy: %v", err)
	}
	p := &Proxy{t: t, target: target, l: l, cut: -1, conns: map[*proxyConn]struct{}{}}
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the host:port to dial instead of the target.
func (p *Proxy) Addr() string { return p.l.Addr().String() }

// CutAfter closes every connection, both sides, once n more bytes have
// flowed client->server on it: counted from its start for connections
// accepted from now on, from this call for those already open. n < 0
// cuts nothing from now on.
func (p *Proxy) CutAfter(n int64) {
	p.mu.Lock()
	p.cut = n
	var cut []*proxyConn
	for c := range p.conns {
		c.mu.Lock()
		if n < 0 {
			c.limit = -1
		} else {
			c.limit = c.up + n
			if n == 0 {
				cut = append(cut, c)
			}
		}
		c.mu.Unlock()
	}
	p.mu.Unlock()
	for _, c := range cut {
		c.close()
	}
}

// Stall stops forwarding in both directions on every connection, open or
// accepted later, keeping the sockets open: the peer sees a node that has
// stopped answering. Resume undoes it.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gate == nil {
		p.gate = make(chan struct{})
	}
}

// Resume forwards again what Stall held back.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gate != nil {
		close(p.gate)
		p.gate = nil
	}
}

// BytesUp is how many bytes have been forwarded client->server so far, over
// all connections.
func (p *Proxy) BytesUp() int64 { return p.up.Load() }

// Close stops listening and closes every connection. It is safe to call
// more than once.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	conns := p.conns
	p.conns = map[*proxyConn]struct{}{}
	p.mu.Unlock()
	p.l.Close()
	for c := range conns {
		c.close()
	}
}

func (p *Proxy) accept() {
	for {
		client, err := p.l.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		c := &proxyConn{client: client, server: server, done: make(chan struct{})}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.close()
			return
		}
		c.limit = p.cut
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		if c.limit == 0 {
			p.drop(c)
			continue
		}
		go p.forward(c, true)
		go p.forward(c, false)
	}
}

// drop closes c and forgets it.
func (p *Proxy) drop(c *proxyConn) {
	c.close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// forward copies one direction of c: client->server when up.
func (p *Proxy) forward(c *proxyConn, up bool) {
	defer p.drop(c)
	src, dst := c.server, c.client
	if up {
		src, dst = c.client, c.server
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait(c) {
				return
			}
			b := buf[:n]
			cut := false
			if up {
				c.mu.Lock()
				if c.limit >= 0 && c.up+int64(len(b)) >= c.limit {
					b, cut = b[:c.limit-c.up], true
				}
				c.up += int64(len(b))
				c.mu.Unlock()
				p.up.Add(int64(len(b)))
			}
			if len(b) > 0 {
				if _, werr := dst.Write(b); werr != nil {
					return
				}
			}
			if cut {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return
			}
			// Half-close: pass the EOF on, keep the other direction.
			if tc, ok := dst.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
				<-c.done
			}
			return
		}
	}
}

// wait blocks while the proxy is stalled. It returns false when c was
// closed meanwhile.
func (p *Proxy) wait(c *proxyConn) bool {
	for {
		p.mu.Lock()
		g := p.gate
		p.mu.Unlock()
		if g == nil {
			return true
		}
		select {
		case <-g:
		case <-c.done:
			return false
		}
	}
}

func (c *proxyConn) close() {
	c.once.Do(func() {
		c.client.Close()
		c.server.Close()
		close(c.done)
	})
}
