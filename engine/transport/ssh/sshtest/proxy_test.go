package sshtest

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// echo starts a TCP server that echoes what it reads and returns its
// address; received gets how many bytes each connection read in all.
func echo(t *testing.T, received chan<- int64) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				n, _ := io.Copy(c, c)
				received <- n
			}()
		}
	}()
	return l.Addr().String()
}

func TestProxy_ForwardsCutsAfterNBytesAndStalls(t *testing.T) {
	received := make(chan int64, 10)
	p := NewProxy(t, echo(t, received))
	dial := func() net.Conn {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	// Forwarding both ways.
	c := dial()
	msg := bytes.Repeat([]byte("x"), 100_000)
	go func() { _, _ = c.Write(msg) }()
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo through the proxy: %v", err)
	}
	if p.BytesUp() != int64(len(msg)) {
		t.Errorf("BytesUp = %d, want %d", p.BytesUp(), len(msg))
	}

	c.Close()
	<-received

	// A cut after n bytes: exactly n reach the server, then both sides
	// are closed.
	for _, n := range []int64{0, 1, 1000} {
		p.CutAfter(n)
		c := dial()
		go func() { _, _ = c.Write(msg) }()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err := io.ReadAll(c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("CutAfter(%d): the connection was not closed", n)
		}
		select {
		case got := <-received:
			if got != n {
				t.Errorf("CutAfter(%d): the server received %d bytes", n, got)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("CutAfter(%d): the server side was not closed", n)
		}
	}
	p.CutAfter(-1)

	// Stall: nothing flows, the socket stays open; Resume lets it through.
	c = dial()
	p.Stall()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c.Read(make([]byte, 4)); n != 0 || err == nil {
		t.Fatalf("stalled proxy forwarded %d bytes (%v)", n, err)
	}
	p.Resume()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	back := make([]byte, 4)
	if _, err := io.ReadFull(c, back); err != nil || string(back) != "ping" {
		t.Fatalf("after Resume: %q, %v", back, err)
	}
}
