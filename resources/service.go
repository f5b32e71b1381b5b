package resources

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
	"github.com/converge-cm/converge/resources/provider"
)

// Service manages a system service through the node's init system.
type Service struct {
	engine.Common
	ServiceName string          `prop:"service_name,name" doc:"Name of the service as the init system knows it; defaults to the resource name."`
	Pattern     string          `prop:"pattern" doc:"Process pattern for services whose init script has no status command."`
	Supports    map[string]bool `prop:"supports" doc:"What the service's init script supports: {\"restart\": True, \"reload\": True, \"status\": True}."`
	Provider    string          `prop:"provider" doc:"Init system to use (systemd, sysvinit, upstart); chosen from the node's facts when unset."`
	Timeout     int             `prop:"timeout" doc:"Seconds before the init system's command (start, restart, ...) is killed; 0 (the default) for no limit but the run's."`

	// Chef's own commands for a service the init system does not run as
	// wanted: each replaces the provider's command for its action.
	StartCommand   string `prop:"start_command" doc:"Shell command that starts the service, instead of the init system's."`
	StopCommand    string `prop:"stop_command" doc:"Shell command that stops the service, instead of the init system's."`
	RestartCommand string `prop:"restart_command" doc:"Shell command that restarts the service, instead of the init system's (or of stop then start)."`
	ReloadCommand  string `prop:"reload_command" doc:"Shell command that makes the service reload its configuration, instead of the init system's."`
	StatusCommand  string `prop:"status_command" doc:"Shell command that says whether the service runs (exit 0: running), instead of the init system's; it runs in the probe, read-only."`

	p provider.Service
}

var _ engine.Resource = (*Service)(nil)

func init() {
	engine.Register(engine.Kind{Name: "service", Actions: []string{"nothing", "enable", "disable", "start", "stop", "restart", "reload"},
		New: func() engine.Resource { return &Service{} }, Doc: "A service: enabled at boot, running, restarted on notification."})
}

// Prepare chooses the provider.
func (s *Service) Prepare(pc *engine.PrepareContext) error {
	if s.Timeout < 0 {
		return engine.Errorf(&s.Common, "set timeout to a number of seconds, or 0 for no limit", "timeout %d is negative", s.Timeout)
	}
	var err error
	if s.Provider != "" {
		s.p, err = provider.ServiceByName(s.Provider, pc.Node.Facts)
	} else {
		s.p, err = provider.ServiceFor(pc.Node.Facts)
	}
	if err != nil {
		return engine.Errorf(&s.Common, "set provider= to one of systemd, sysvinit, upstart", "%v", err)
	}
	return nil
}

// statusTag tags the status_command's exit status in the probe's output.
const statusTag = "status_command\t"

// probe is the provider's probe, then the status_command's exit status,
// its output and input discarded so that it cannot disturb the
// provider's lines (the newline ends a trailing comment in it).
func (s *Service) probe() string {
	p := s.p.Probe(s.ServiceName, s.Pattern)
	if s.StatusCommand != "" {
		p += "; (" + s.StatusCommand + "\n) >/dev/null 2>&1 </dev/null; printf '" + strings.TrimSuffix(statusTag, "\t") + `\t%s\n' "$?"`
	}
	return p
}

// statusRunning reads the status_command's exit status from the probe's
// output: the last line tagged with it.
func statusRunning(stdout string) (bool, error) {
	rc, found := "", false
	for _, line := range strings.Split(stdout, "\n") {
		if v, ok := strings.CutPrefix(line, statusTag); ok {
			rc, found = strings.TrimSpace(v), true
		}
	}
	if !found {
		return false, fmt.Errorf("service probe output has no status_command line: %q", stdout)
	}
	return rc == "0", nil
}

// Probes asks the init system whether the service is enabled and running.
func (s *Service) Probes() []engine.Probe { return []engine.Probe{engine.ShellProbe(s.probe())} }

// Touches: starting or stopping a service changes nothing converge stats,
// but its own state; probes with no paths are taken again anyway.
func (s *Service) Touches() []string { return []string{} }

// Check compares the service's state with the action.
func (s *Service) Check(action string, p engine.Probed) (engine.Diff, error) {
	r, ok := p.Shell(s.probe())
	if !ok {
		return engine.Diff{}, engine.MissingProbe(engine.ProbeShell, s.probe())
	}
	// A fresh node has the service its package installs, not yet enabled
	// or running.
	st := provider.ServiceState{Exists: true}
	if !p.Assumed() {
		var err error
		if st, err = s.p.ParseProbe(r.Stdout); err != nil {
			return engine.Diff{}, err
		}
		if s.StatusCommand != "" {
			if st.Running, err = statusRunning(r.Stdout); err != nil {
				return engine.Diff{}, err
			}
		}
	}
	cmd, initSystem := s.command(action, st.Running)
	if !st.Exists && action != "stop" && action != "disable" && initSystem {
		fix := "install its package first, or set service_name="
		if action != "enable" {
			fix = fmt.Sprintf("install its package first, set service_name=, or give the service its own %s_command=", action)
		}
		return engine.Diff{}, fmt.Errorf("the node has no service %q (%s); %s", s.ServiceName, s.p.Name(), fix)
	}
	change := func(msg string) engine.Diff {
		return engine.Diff{Changes: []string{msg}, Commands: []string{cmd}, Data: serviceCmd(cmd)}
	}
	switch action {
	case "enable":
		if !st.Enabled {
			return change("enable service " + s.ServiceName), nil
		}
	case "disable":
		if st.Enabled {
			return change("disable service " + s.ServiceName), nil
		}
	case "start":
		if !st.Running {
			return change("start service " + s.ServiceName), nil
		}
	case "stop":
		if st.Running {
			return change("stop service " + s.ServiceName), nil
		}
	case "restart":
		if st.Running || cmd == s.RestartCommand {
			return change("restart service " + s.ServiceName), nil
		}
		return change("start service " + s.ServiceName), nil
	case "reload":
		if st.Running {
			return change("reload service " + s.ServiceName), nil
		}
	}
	return engine.Diff{}, nil
}

// serviceCmd is the command Check planned, for Apply.
type serviceCmd string

// command is the command for the action, and whether it is the init
// system's (in part): the recipe's own (start_command, ...) where it
// gives one, else the init system's. restart starts a service that is not
// running (with restart_command when there is no start_command, as Chef
// runs it whatever the state); without restart support or a
// restart_command it is stop, then start. reload without reload support
// or a reload_command restarts (restart_command, else the init
// system's restart).
func (s *Service) command(action string, running bool) (cmd string, initSystem bool) {
	switch action {
	case "enable":
		return s.p.Enable(s.ServiceName), true
	case "disable":
		return s.p.Disable(s.ServiceName), true
	case "start":
		return s.own(s.StartCommand, s.p.Start)
	case "stop":
		return s.own(s.StopCommand, s.p.Stop)
	case "restart":
		switch {
		case !running && (s.StartCommand != "" || s.RestartCommand == ""):
			return s.own(s.StartCommand, s.p.Start)
		case s.RestartCommand != "":
			return s.RestartCommand, false
		case s.Supports != nil && !s.Supports["restart"] && s.IsSet("supports"):
			stop, i1 := s.own(s.StopCommand, s.p.Stop)
			start, i2 := s.own(s.StartCommand, s.p.Start)
			return sequence(stop, !i1) + " ; " + sequence(start, !i2), i1 || i2
		}
		return s.p.Restart(s.ServiceName), true
	case "reload":
		if s.ReloadCommand != "" {
			return s.ReloadCommand, false
		}
		if s.IsSet("supports") && !s.Supports["reload"] {
			return s.own(s.RestartCommand, s.p.Restart)
		}
		return s.p.Reload(s.ServiceName), true
	}
	return "", true
}

// own is the recipe's command when it gives one, else the init system's.
func (s *Service) own(cmd string, initSystem func(string) string) (string, bool) {
	if cmd != "" {
		return cmd, false
	}
	return initSystem(s.ServiceName), true
}

// sequence is a command that runs as one part of "a ; b": the recipe's
// own commands (custom) through sh -c, so that an exit or a comment in
// one ends that one only.
func sequence(cmd string, custom bool) string {
	if !custom {
		return cmd
	}
	return "sh -c " + shell.Quote(cmd)
}

// Apply runs the init system's command Check planned.
func (s *Service) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	cmd, ok := d.Data.(serviceCmd)
	if !ok || cmd == "" {
		return fmt.Errorf("apply without a plan from Check; this is a bug in converge")
	}
	if s.Timeout == 0 {
		_, err := h.Run(ctx, string(cmd), "")
		return err
	}
	limit := time.Duration(s.Timeout) * time.Second
	_, err := h.Run(ctx, timeLimited(string(cmd), limit), string(cmd))
	var ce *engine.CommandError
	if errors.As(err, &ce) && ce.ExitCode == 124 {
		return &engine.TimeoutError{What: "service command", Subject: string(cmd), Limit: limit, Hint: "raise the service's timeout, or 0 for no limit"}
	}
	return err
}
