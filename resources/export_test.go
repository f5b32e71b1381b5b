package resources

// FixCmd is Ownership.fixCmd for the tables of package resources_test.
func FixCmd(owner, group, mode, p string) string {
	return Ownership{Owner: owner, Group: group, Mode: mode}.fixCmd(p)
}

// DeleteFileCmd, MkdirCmd and RmdirCmd are the pinned commands of file's
// delete and directory's create and delete, for the tables.
func DeleteFileCmd(p string, backups int) string { return deleteFileCmd(p, backups) }

func MkdirCmd(p string, parents bool, mode string) string { return mkdirCmd(p, parents, mode) }

func RmdirCmd(p string, recursive bool) string { return rmdirCmd(p, recursive) }

// PinnedAt is pinnedAt with a body that names ./NAME itself, for the
// tables.
func PinnedAt(what, p, body string) string {
	return pinnedAt(what, p, func(string) string { return body })
}

// TouchCmd is file's pinned touch, for the tables.
func TouchCmd(p string) string { return touchCmd(p) }
