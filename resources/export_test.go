package resources

import "github.com/converge-cm/converge/engine/transport"

// FixCmd is Ownership.fixCmd for the tables of package resources_test.
func FixCmd(owner, group, mode, p string) string {
	return Ownership{Owner: owner, Group: group, Mode: mode}.fixCmd(p)
}

// DeleteFileCmd, MkdirCmd and RmdirCmd are the pinned commands of file's
// delete and directory's create and delete as plans show them, for the
// tables.
func DeleteFileCmd(p string, backups int) string {
	return transport.ShowPinned(deleteFileCmd(p, backups))
}

func MkdirCmd(p string, parents bool, mode string) string {
	return transport.ShowPinned(mkdirCmd(p, parents, mode))
}

func RmdirCmd(p string, recursive bool) string { return transport.ShowPinned(rmdirCmd(p, recursive)) }

// PinnedAt is pinnedAt with a body that names ./NAME itself, as plans
// show it, for the tables.
func PinnedAt(what, p, body string) string {
	return transport.ShowPinned(pinnedAt(what, p, func(string) string { return body }))
}

// TouchCmd is file's pinned touch as plans show it, for the tables.
func TouchCmd(p string) string { return transport.ShowPinned(touchCmd(p)) }
