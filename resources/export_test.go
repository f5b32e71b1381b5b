package resources

// FixCmd is Ownership.fixCmd for the tables of package resources_test.
func FixCmd(owner, group, mode, p string) string {
	return Ownership{Owner: owner, Group: group, Mode: mode}.fixCmd(p)
}
