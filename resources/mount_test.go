package resources_test

import (
	"testing"

	"github.com/converge-cm/converge/engine"
)

func TestMount_Table(t *testing.T) {
	mounts := "sysfs /sys sysfs rw 0 0\n/dev/sdb1 /srv/data ext4 rw,relatime 0 0\ntmpfs /mnt/my\\040tmp tmpfs rw,size=1024k 0 0\n"
	fstab := "# /etc/fstab\nUUID=abc / ext4 errors=remount-ro 0 1\n/dev/sdb1 /srv/data ext4 defaults 0 2\n"
	probed := func(m, f string) []engine.ShellResult {
		return []engine.ShellResult{{Stdout: m + "==converge-fstab==\n" + f}}
	}
	data := `mount("/srv/data", device="/dev/sdb1", fstype="ext4")`
	runKindCases(t, []kindCase{
		{name: "mounted already", src: data, shell: probed(mounts, fstab)},
		{name: "mount", src: data, shell: probed("sysfs /sys sysfs rw 0 0\n", fstab),
			changes: []string{"mount /dev/sdb1 on /srv/data"}, commands: []string{"mount -t ext4 -o defaults -- /dev/sdb1 /srv/data"}},
		{name: "umount", src: data, action: "umount", shell: probed(mounts, fstab),
			changes: []string{"unmount /srv/data"}, commands: []string{"umount -- /srv/data"}},
		{name: "unmount of an unmounted filesystem", src: data, action: "unmount", shell: probed("", fstab)},
		{name: "remount with the options", src: `mount("/srv/data/", device="/dev/sdb1", options=["noatime", "nodev"])`, action: "remount", shell: probed(mounts, fstab),
			changes: []string{"remount /srv/data"}, commands: []string{"mount -o remount,noatime,nodev -- /srv/data"}},
		{name: "enable: the entry as declared", src: data, action: "enable", shell: probed(mounts, fstab)},
		{name: "enable: changed options replace the entry in place", src: `mount("/srv/data", device="/dev/sdb1", fstype="ext4", options="noatime,nofail")`, action: "enable",
			shell: probed(mounts, fstab), changes: []string{"update /srv/data in /etc/fstab"},
			content: "# /etc/fstab\nUUID=abc / ext4 errors=remount-ro 0 1\n/dev/sdb1 /srv/data ext4 noatime,nofail 0 2\n"},
		{name: "enable: a new uuid entry is appended", src: `mount("/srv/logs", device="1234-abcd", device_type="uuid", fstype="xfs", pass_=0)`, action: "enable",
			shell: probed(mounts, fstab), changes: []string{"add /srv/logs to /etc/fstab"}, content: fstab + "UUID=1234-abcd /srv/logs xfs defaults 0 0\n"},
		{name: "disable removes the entry", src: data, action: "disable", shell: probed(mounts, fstab),
			changes: []string{"remove /srv/data from /etc/fstab"}, content: "# /etc/fstab\nUUID=abc / ext4 errors=remount-ro 0 1\n"},
		{name: "disable without an entry", src: `mount("/srv/none", action="disable")`, shell: probed(mounts, fstab)},
		{name: "hostile mount point: octal in /proc/mounts, quoted in commands", src: `mount("/mnt/my tmp", device="tmpfs", fstype="tmpfs", options=["size=1m"])`, action: "umount",
			shell: probed(mounts, ""), changes: []string{"unmount /mnt/my tmp"}, commands: []string{"umount -- '/mnt/my tmp'"}},
		{name: "hostile mount point in fstab", src: `mount("/mnt/$(id) x", device="tmpfs", fstype="tmpfs")`, action: "enable",
			shell: probed("", ""), changes: []string{"add /mnt/$(id) x to /etc/fstab"}, content: "tmpfs /mnt/$(id)\\040x tmpfs defaults 0 2\n"},
		{name: "mount a hostile mount point", src: `mount("/mnt/$(id) x", device="tmpfs", fstype="tmpfs")`,
			shell: probed("", ""), changes: []string{"mount tmpfs on /mnt/$(id) x"}, commands: []string{"mount -t tmpfs -o defaults -- tmpfs '/mnt/$(id) x'"}},
	})
}

func TestMount_BadInput(t *testing.T) {
	runBadInputs(t, []badInput{
		{"no device", "# data\nmount(\"/srv/data\", fstype=\"ext4\")\n", 2, `mount /srv/data has no device`},
		{"no device to enable", "mount(\"/srv/data\", action=[\"enable\"])\n", 1, `mount /srv/data has no device`},
		{"hostile device", "mount(\"/srv/data\", device=\"/dev/sdb1; rm -rf /\")\n", 1, `device "/dev/sdb1; rm -rf /" is not valid`},
		{"options with a space", "mount(\"/srv/data\", device=\"/dev/sdb1\", options=[\"rw noatime\"])\n", 1, `options "rw noatime" are not valid`},
		{"fstype", "mount(\"/srv/data\", device=\"/dev/sdb1\", fstype=\"ext4 x\")\n", 1, `fstype "ext4 x" is not valid`},
		{"device type", "mount(\"/srv/data\", device=\"x\", device_type=\"partuuid\")\n", 1, `device_type "partuuid" is not valid`},
		{"relative", "mount(\"srv\", device=\"x\")\n", 1, `path "srv" is not absolute`},
		{"newline", "mount(\"/srv/a\\nb\", device=\"x\")\n", 1, `contains a tab, newline or backslash`},
		{"pass", "mount(\"/srv/a\", device=\"x\", pass_=12)\n", 1, `dump 0 or pass 12 is out of range`},
	})
}
