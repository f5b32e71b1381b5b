package resources

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/shell"
)

// accountNameRe is a user or group name as useradd and groupadd accept
// it (a trailing $ for Samba machine accounts). Checking names at compile
// time keeps a value such as --reference=/etc/shadow from ever reaching
// chown, useradd or su as an option.
var accountNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*\$?$`)

const maxAccountName = 32

// validAccountName reports whether s is a user or group name.
func validAccountName(s string) bool {
	return len(s) <= maxAccountName && accountNameRe.MatchString(s)
}

// validAccountID reports whether s is a name or a decimal uid/gid.
func validAccountID(s string) bool {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil && n < 1<<32-1 && s[0] != '+' {
		return true
	}
	return validAccountName(s)
}

// checkAccount returns a compile error for property prop when s (set) is
// not a name (or, with ids, a decimal id).
func checkAccount(r *engine.Common, prop, s string, ids bool) error {
	ok := validAccountName(s)
	if ids {
		ok = validAccountID(s)
	}
	if ok {
		return nil
	}
	what := "a user or group name"
	if ids {
		what = "a user or group name or a decimal id"
	}
	return engine.Errorf(r, "names start with a letter or _, then letters, digits, _ . - (at most 32, an optional trailing $)",
		"%s %q is not %s", prop, s, what)
}

// checkOwnership validates owner and group.
func checkOwnership(r *engine.Common, o Ownership) error {
	if o.Owner != "" || r.IsSet("owner") {
		if err := checkAccount(r, "owner", o.Owner, true); err != nil {
			return err
		}
	}
	if o.Group != "" || r.IsSet("group") {
		if err := checkAccount(r, "group", o.Group, true); err != nil {
			return err
		}
	}
	return nil
}

// checkID refuses a negative uid or gid.
func checkID(r *engine.Common, prop string, id int) error {
	if r.IsSet(prop) && (id < 0 || int64(id) >= 1<<32-1) {
		return engine.Errorf(r, "ids are 0 to 4294967294", "%s %d is not a valid id", prop, id)
	}
	return nil
}

// isNumericID reports whether s is a decimal uid or gid (Chef's user
// 1000), not a name.
func isNumericID(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// accountWord returns the shell word that names the user (db "passwd")
// or group (db "group") s to su or sg, and the command to run before it.
// A name is the quoted name, with nothing before it. su and sg take no
// numeric id, so for one the command looks its name up on the node with
// getent into a variable, and fails (status 96, as a failed write step)
// when the node has no account with that id; the word is that variable.
func accountWord(db, s string) (pre, word string) {
	if !isNumericID(s) {
		return "", shell.Quote(s)
	}
	v, what := "converge_user", "user has uid"
	if db == "group" {
		v, what = "converge_group", "group has gid"
	}
	pre = fmt.Sprintf(`%[1]s=$(getent %[2]s %[3]s | cut -d: -f1); [ -n "$%[1]s" ] || { echo "converge: no %[4]s %[3]s" >&2; exit 96; }; `, v, db, s, what)
	return pre, `"$` + v + `"`
}
