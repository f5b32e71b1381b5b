package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/converge-cm/converge/engine"
)

// interruptible returns a context that the first SIGINT or SIGTERM cancels
// with engine.ErrInterrupted as its cause: the run then starts nothing new
// (no node, resource or delayed notification), abandons the command in
// flight (a write in flight is never installed partly), reports every node
// and exits ExitInterrupted. A second signal exits at once. stop releases
// the signals.
func interruptible(parent context.Context, stderr io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		var sig os.Signal
		select {
		case sig = <-sigs:
		case <-done:
			return
		}
		fmt.Fprintf(stderr, "\nconverge: %s: starting nothing new and abandoning the work in flight; a second signal quits at once\n", signalName(sig))
		cancel(fmt.Errorf("%w by %s", engine.ErrInterrupted, signalName(sig)))
		select {
		case sig = <-sigs:
			fmt.Fprintf(stderr, "converge: %s again: quitting now\n", signalName(sig))
			os.Exit(ExitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}
