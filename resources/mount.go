package resources

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// Mount manages a filesystem's mounted state and its /etc/fstab entry,
// as Chef's mount does: mount, umount (unmount), remount, enable (the
// fstab entry) and disable. One probe reads /proc/mounts and /etc/fstab.
type Mount struct {
	engine.Common
	MountPoint string   `prop:"mount_point,name" doc:"Absolute path the filesystem is mounted on; defaults to the resource name."`
	Device     string   `prop:"device" doc:"What is mounted: a device path, a UUID or label (see device_type), host:/export for NFS, or tmpfs."`
	DeviceType string   `prop:"device_type" doc:"How device names the filesystem: device (default), uuid or label."`
	Fstype     string   `prop:"fstype" doc:"Filesystem type (ext4, xfs, nfs, tmpfs); default auto."`
	Options    []string `prop:"options" doc:"Mount options (default [\"defaults\"]); a string may list them separated by commas."`
	Dump       int      `prop:"dump" doc:"The fstab dump field (default 0)."`
	Pass       int      `prop:"pass_,chef=pass" doc:"The fstab fsck pass field (Chef's pass, a Starlark keyword): 0, 1 for the root filesystem, 2 for others (default 2)."`

	dev  string // device as fstab and mount name it
	opts string
}

var _ engine.Resource = (*Mount)(nil)

func init() {
	engine.Register(engine.Kind{Name: "mount", Actions: []string{"mount", "umount", "unmount", "remount", "enable", "disable"},
		New: func() engine.Resource { return &Mount{} }, Doc: "A mounted filesystem and its /etc/fstab entry."})
}

var mountWordRe = regexp.MustCompile(`^[A-Za-z0-9_.,=:+/@-]+$`)

// Prepare validates the mount and builds the fstab fields.
func (m *Mount) Prepare(*engine.PrepareContext) error {
	bad := func(detail, format string, a ...any) error { return engine.Errorf(&m.Common, detail, format, a...) }
	if err := checkAbs(&m.Common, m.MountPoint); err != nil {
		return err
	}
	if strings.ContainsAny(m.MountPoint, "\n\r\t\x00\\") {
		return bad("", "mount point %q contains a tab, newline or backslash", m.MountPoint)
	}
	if len(m.MountPoint) > 1 {
		m.MountPoint = strings.TrimSuffix(m.MountPoint, "/")
	}
	needsDevice := false
	for _, a := range m.Actions {
		if a == "mount" || a == "remount" || a == "enable" {
			needsDevice = true
		}
	}
	if m.Device == "" && needsDevice {
		return bad("set device= (/dev/sdb1, a UUID with device_type=\"uuid\", host:/export, tmpfs)", "mount %s has no device", m.MountPoint)
	}
	if m.Device != "" && !mountWordRe.MatchString(m.Device) {
		return bad("a device is a path, UUID, label, host:/export or tmpfs, without spaces", "device %q is not valid", m.Device)
	}
	switch m.DeviceType {
	case "", "device":
		m.dev = m.Device
	case "uuid":
		m.dev = "UUID=" + m.Device
	case "label":
		m.dev = "LABEL=" + m.Device
	default:
		return bad("use device, uuid or label", "device_type %q is not valid", m.DeviceType)
	}
	if m.Fstype == "" {
		m.Fstype = "auto"
	}
	if !mountWordRe.MatchString(m.Fstype) || strings.Contains(m.Fstype, ",") {
		return bad("use a type such as ext4, xfs, nfs or tmpfs", "fstype %q is not valid", m.Fstype)
	}
	if !m.IsSet("options") {
		m.Options = []string{"defaults"}
	}
	m.opts = strings.Join(m.Options, ",")
	if m.opts == "" || !mountWordRe.MatchString(m.opts) || strings.Contains(m.opts, ",,") {
		return bad("mount options are words such as rw, noatime, size=1g, without spaces", "options %q are not valid", m.opts)
	}
	if !m.IsSet("pass_") {
		m.Pass = 2
	}
	if m.Dump < 0 || m.Dump > 9 || m.Pass < 0 || m.Pass > 9 {
		return bad("dump is 0 or 1; pass is 0, 1 or 2", "dump %d or pass %d is out of range", m.Dump, m.Pass)
	}
	return nil
}

const fstabSep = "==converge-fstab=="

// probe prints /proc/mounts, a separator and /etc/fstab.
func (m *Mount) probe() string {
	return "cat /proc/mounts; echo " + fstabSep + "; cat /etc/fstab 2>/dev/null; true"
}

// Probes reads the mounted filesystems and fstab.
func (m *Mount) Probes() []engine.Probe {
	return []engine.Probe{engine.ShellProbe(m.probe(), "/etc/fstab", m.MountPoint)}
}

// Touches is the mount point and fstab.
func (m *Mount) Touches() []string { return []string{m.MountPoint, "/etc/fstab"} }

// unoctal decodes the \040-style escapes of /proc/mounts and fstab.
func unoctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// fstabLine is the entry enable writes.
func (m *Mount) fstabLine() string {
	mp := strings.ReplaceAll(m.MountPoint, " ", `\040`)
	return fmt.Sprintf("%s %s %s %s %d %d", m.dev, mp, m.Fstype, m.opts, m.Dump, m.Pass)
}

// Check compares the mounted state or the fstab entry with the action.
func (m *Mount) Check(action string, p engine.Probed) (engine.Diff, error) {
	r, err := shellOf(p, m.probe())
	if err != nil {
		return engine.Diff{}, err
	}
	mounts, fstab, _ := strings.Cut(r.Stdout, fstabSep+"\n")
	if p.Assumed() {
		mounts, fstab = "", ""
	}
	mounted := false
	for _, l := range strings.Split(mounts, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && unoctal(f[1]) == m.MountPoint {
			mounted = true
		}
	}
	mp := shell.Quote(m.MountPoint)
	var d engine.Diff
	var plan steps
	switch action {
	case "mount":
		if !mounted {
			d.Changes = append(d.Changes, fmt.Sprintf("mount %s on %s", m.dev, m.MountPoint))
			plan.run("mount -t " + shell.Quote(m.Fstype) + " -o " + shell.Quote(m.opts) + " -- " + shell.Quote(m.dev) + " " + mp)
		}
	case "umount", "unmount":
		if mounted {
			d.Changes = append(d.Changes, "unmount "+m.MountPoint)
			plan.run("umount -- " + mp)
		}
	case "remount":
		if mounted {
			d.Changes = append(d.Changes, "remount "+m.MountPoint)
			plan.run("mount -o " + shell.Quote("remount,"+m.opts) + " -- " + mp)
		}
	case "enable", "disable":
		lines := splitCrontab(fstab)
		var next []string
		found, same := false, false
		for _, l := range lines {
			f := strings.Fields(l)
			if len(f) >= 2 && !strings.HasPrefix(f[0], "#") && unoctal(f[1]) == m.MountPoint {
				if action == "enable" && !found {
					same = strings.Join(f, " ") == m.fstabLine()
					next = append(next, m.fstabLine())
				}
				found = true
				continue
			}
			next = append(next, l)
		}
		switch {
		case action == "enable" && !found:
			next = append(next, m.fstabLine())
			d.Changes = append(d.Changes, "add "+m.MountPoint+" to /etc/fstab")
		case action == "enable" && !same:
			d.Changes = append(d.Changes, "update "+m.MountPoint+" in /etc/fstab")
		case action == "disable" && found:
			d.Changes = append(d.Changes, "remove "+m.MountPoint+" from /etc/fstab")
		}
		if len(d.Changes) > 0 {
			old := ""
			if len(lines) > 0 {
				old = strings.Join(lines, "\n") + "\n"
			}
			data := []byte(strings.Join(next, "\n") + "\n")
			d.Content = &engine.ContentChange{Path: "/etc/fstab", Old: []byte(old), New: data}
			plan.write("/etc/fstab", data, "0644")
		}
	}
	if d.Empty() {
		return engine.Diff{}, nil
	}
	d.Commands, d.Data = plan.commands(), plan
	return d, nil
}

// Apply mounts, unmounts or writes fstab as Check planned.
func (m *Mount) Apply(ctx context.Context, _ string, d engine.Diff, h *engine.Host) error {
	return applySteps(ctx, d, h)
}
