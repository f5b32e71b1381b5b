// Package lab runs converge's local test nodes: Debian machines booted by
// systemd-nspawn on the machine converge runs on (root required), each with
// systemd (image debian-12) or SysV init (image debian-12-sysvinit) as PID
// 1, reached only over SSH like any server.
//
// Images are built once with debootstrap and cached in
// /var/lib/converge/images/<image>/rootfs (CONVERGE_LAB_IMAGES overrides the
// directory); each carries in its apt cache the packages the bundled
// cookbooks install, so nodes, which have no route off the machine, still
// install them. A node is an overlay of its image with its own upper layer,
// hostname, machine-id and SSH host key, in its own network namespace
// (cvg-NAME) joined by a veth pair to the bridge cvgbr0, whose address is
// the subnet's .1 (default 10.213.0.0/24, refused if it collides with a
// route of the machine). Nodes reach each other and the host; packets from
// the bridge are never forwarded, so nothing beyond.
//
// Everything the lab makes is recorded under /var/lib/converge/lab/<name>
// (CONVERGE_LAB_STATE) before it is made, and Down finds processes, mounts,
// namespaces and links from that state and from the machine itself, so it
// cleans up also after a converge that was killed half-way. Nodes join the
// repository's inventory: nodes/NAME.json and a line in
// .converge/known_hosts, reachable with the key .converge/lab/id_ed25519.
package lab
