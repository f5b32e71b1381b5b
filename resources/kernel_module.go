package resources

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// KernelModule loads, unloads, installs (loads at boot) and blacklists a
// kernel module, as Chef's kernel_module does.
type KernelModule struct {
	engine.Common
	Modname   string   `prop:"modname,name" doc:"The module's name; defaults to the resource name."`
	Options   []string `prop:"options" doc:"Module parameters (\"minor_count=4\"), written to /etc/modprobe.d/options_MODNAME.conf by install."`
	LoadDir   string   `prop:"load_dir" doc:"Where install writes MODNAME.conf to load the module at boot (default /etc/modules-load.d)."`
	UnloadDir string   `prop:"unload_dir" doc:"Where blacklist and options files go (default /etc/modprobe.d)."`
}

var _ engine.Resource = (*KernelModule)(nil)

func init() {
	engine.Register(engine.Kind{Name: "kernel_module", Actions: []string{"install", "uninstall", "blacklist", "unblacklist", "load", "unload"},
		New: func() engine.Resource { return &KernelModule{} }, Doc: "A kernel module loaded now and at boot, unloaded, or blacklisted."})
}

var (
	modnameRe   = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)
	modOptionRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*(=[^\s'"\\]*)?$`)
)

// Prepare validates the name and options.
func (k *KernelModule) Prepare(*engine.PrepareContext) error {
	if !modnameRe.MatchString(k.Modname) {
		return engine.Errorf(&k.Common, "a module name is letters, digits, _ and -, as lsmod lists it", "kernel module name %q is not valid", k.Modname)
	}
	for _, o := range k.Options {
		if !modOptionRe.MatchString(o) {
			return engine.Errorf(&k.Common, "write each option as name=value without spaces or quotes", "kernel module option %q is not valid", o)
		}
	}
	if k.LoadDir == "" {
		k.LoadDir = "/etc/modules-load.d"
	}
	if k.UnloadDir == "" {
		k.UnloadDir = "/etc/modprobe.d"
	}
	if err := checkAbs(&k.Common, k.LoadDir); err != nil {
		return err
	}
	return checkAbs(&k.Common, k.UnloadDir)
}

func (k *KernelModule) loadFile() string {
	return strings.TrimSuffix(k.LoadDir, "/") + "/" + k.Modname + ".conf"
}
func (k *KernelModule) optionsFile() string {
	return strings.TrimSuffix(k.UnloadDir, "/") + "/options_" + k.Modname + ".conf"
}
func (k *KernelModule) blacklistFile() string {
	return strings.TrimSuffix(k.UnloadDir, "/") + "/blacklist_" + k.Modname + ".conf"
}

// probe exits 0 when the module is loaded (or built in with parameters):
// /proc/modules and /sys/module name it with underscores.
func (k *KernelModule) probe() string {
	m := shell.Quote(strings.ReplaceAll(k.Modname, "-", "_"))
	return "grep -q \"^\"" + m + "\" \" /proc/modules || test -d /sys/module/" + m
}

// Probes asks whether the module is loaded and stats its files.
func (k *KernelModule) Probes() []engine.Probe {
	return []engine.Probe{engine.ShellProbe(k.probe(), "/proc/modules"),
		engine.StatProbe(k.loadFile()), engine.StatProbe(k.optionsFile()), engine.StatProbe(k.blacklistFile())}
}

// Touches is the module's files and the list of loaded modules.
func (k *KernelModule) Touches() []string {
	return []string{k.loadFile(), k.optionsFile(), k.blacklistFile(), "/proc/modules"}
}

// Check compares the files and the loaded state with the action.
func (k *KernelModule) Check(action string, p engine.Probed) (engine.Diff, error) {
	r, err := shellOf(p, k.probe())
	if err != nil {
		return engine.Diff{}, err
	}
	loaded := r.ExitCode == 0 && !p.Assumed()
	var sts [3]engine.FileState
	for i, f := range []string{k.loadFile(), k.optionsFile(), k.blacklistFile()} {
		if sts[i], err = statOf(p, f); err != nil {
			return engine.Diff{}, err
		}
	}
	var d engine.Diff
	var plan steps
	mod := shell.Quote(k.Modname)
	load := func() {
		if !loaded {
			d.Changes = append(d.Changes, "load kernel module "+k.Modname)
			plan.run("modprobe -- " + mod)
			plan[len(plan)-1].fail = k.notAvailable
		}
	}
	unload := func() {
		if loaded {
			d.Changes = append(d.Changes, "unload kernel module "+k.Modname)
			plan.run("modprobe -r -- " + mod)
		}
	}
	// write creates the directory first, as Chef's kernel_module does: a
	// node without kmod has no /etc/modprobe.d.
	write := func(st engine.FileState, path, data string) {
		if !st.Exists {
			plan.run("mkdir -p -- " + shell.Quote(path[:strings.LastIndexByte(path, '/')]))
		}
		if !fileStep(&d, &plan, st, path, []byte(data), "0644") && !st.Exists {
			plan = plan[:len(plan)-1]
		}
	}
	switch action {
	case "install":
		write(sts[0], k.loadFile(), k.Modname+"\n")
		if len(k.Options) > 0 {
			write(sts[1], k.optionsFile(), "options "+k.Modname+" "+strings.Join(k.Options, " ")+"\n")
		} else {
			removeStep(&d, &plan, sts[1], k.optionsFile())
		}
		load()
	case "uninstall":
		removeStep(&d, &plan, sts[0], k.loadFile())
		removeStep(&d, &plan, sts[1], k.optionsFile())
		unload()
	case "blacklist":
		write(sts[2], k.blacklistFile(), "blacklist "+k.Modname+"\n")
	case "unblacklist":
		removeStep(&d, &plan, sts[2], k.blacklistFile())
	case "load":
		load()
	case "unload":
		unload()
	}
	if d.Empty() {
		return engine.Diff{}, nil
	}
	d.Commands, d.Data = plan.commands(), plan
	return d, nil
}

// notAvailable explains a failed modprobe.
func (k *KernelModule) notAvailable(err error) error {
	return fmt.Errorf("the %s kernel module is not available on this node, or the node may not load modules: "+
		"install the package that builds or ships it for the running kernel (in a container, load it on the host): %w", k.Modname, err)
}

// Apply writes and removes the files and loads or unloads the module.
func (k *KernelModule) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	return applySteps(ctx, d, h)
}
