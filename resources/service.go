package resources

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/converge-cm/converge/engine"
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

func (s *Service) probe() string { return s.p.Probe(s.ServiceName, s.Pattern) }

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
	}
	if !st.Exists && action != "stop" && action != "disable" {
		return engine.Diff{}, fmt.Errorf("the node has no service %q (%s); install its package first, or set service_name=", s.ServiceName, s.p.Name())
	}
	change := func(msg string) engine.Diff {
		cmd := s.command(action, st.Running)
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
		if st.Running {
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

// command is the init system's command for the action; restart starts a
// service that is not running.
func (s *Service) command(action string, running bool) string {
	switch action {
	case "enable":
		return s.p.Enable(s.ServiceName)
	case "disable":
		return s.p.Disable(s.ServiceName)
	case "start":
		return s.p.Start(s.ServiceName)
	case "stop":
		return s.p.Stop(s.ServiceName)
	case "restart":
		if !running {
			return s.p.Start(s.ServiceName)
		} else if s.Supports != nil && !s.Supports["restart"] && s.IsSet("supports") {
			return s.p.Stop(s.ServiceName) + " ; " + s.p.Start(s.ServiceName)
		}
		return s.p.Restart(s.ServiceName)
	case "reload":
		if s.IsSet("supports") && !s.Supports["reload"] {
			return s.p.Restart(s.ServiceName)
		}
		return s.p.Reload(s.ServiceName)
	}
	return ""
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
