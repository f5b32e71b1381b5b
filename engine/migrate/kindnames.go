package migrate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/converge-cm/converge/engine"
)

// builtinClash reports whether a cookbook's kind is named like a kind
// converge has built in: the cron cookbook's resources/d.rb is cron_d,
// which it ships for Chef versions before the core cron_d. In Chef the
// cookbook's resource takes over from the core one for the recipes that
// run with the cookbook, so the migration keeps the cookbook's
// implementation rather than swap in converge's (whose properties
// differ: cron_d has no predefined_value, comment or cookbook) and, since
// converge refuses a cookbook kind named like a built-in one, names it
// cookbook_NAME (cron_cron_d). The recipes and kinds of the cookbooks
// that can see it in Chef (the cookbook itself, its test cookbooks, and
// the cookbooks depending on it) call that name; any other cookbook
// migrated with it keeps converge's built-in (kindsFor), and MIGRATION.md
// says so.
func builtinClash(cookbook, chefName string) bool {
	if !strings.HasPrefix(chefName, cookbook+"_") && chefName != cookbook {
		return false // renamed after the cookbook anyway
	}
	_, ok := engine.LookupKind(chefName)
	return ok
}

// kindsFor is the kinds the recipes and kinds of cookbook can call:
// every kind migrated, but for those named like a built-in kind
// (builtinClash) only the ones of cookbook itself, of the cookbook it is
// a test cookbook of, and of those it depends on.
func (r *Report) kindsFor(cookbook, testOf string, depends [][2]string) map[string]*crKind {
	sees := func(cb string) bool {
		if cb == cookbook || cb == testOf {
			return true
		}
		return slices.ContainsFunc(depends, func(d [2]string) bool { return d[0] == cb })
	}
	var out map[string]*crKind
	for name, k := range r.kinds {
		if !builtinClash(k.cookbook, k.chefName) || sees(k.cookbook) {
			continue
		}
		if out == nil {
			out = maps.Clone(r.kinds)
		}
		delete(out, name)
	}
	if out == nil {
		return r.kinds
	}
	return out
}

// renamedKind is chefName with the cookbook's Chef name, its prefix, replaced
// by the name the cookbook is migrated as (testnames.go).
func renamedKind(chefName, chefCookbook, cookbook string) string {
	switch {
	case chefCookbook == cookbook:
	case chefName == chefCookbook:
		return cookbook
	case strings.HasPrefix(chefName, chefCookbook+"_"):
		return cookbook + strings.TrimPrefix(chefName, chefCookbook)
	}
	return chefName
}

// renameNote is the MIGRATION.md note of a kind migrated under another
// name than its Chef one, from the file rel.
func renameNote(rel string, k *crKind, kind string) string {
	if builtinClash(k.cookbook, k.chefName) {
		return fmt.Sprintf("%s: the %s %s is named like converge's built-in kind %s, and is the converge kind %s: the recipes and kinds of %s, of its test cookbooks and of the cookbooks depending on it migrated with it call it so (in Chef the cookbook's resource takes over from the core one); other cookbooks keep the built-in. Where the built-in is enough (see its properties), call %s and drop resources/%s.star",
			rel, k.style, k.chefName, k.chefName, kind, k.cookbook, k.chefName, k.stem)
	}
	return fmt.Sprintf("%s: the %s %s is the converge kind %s (converge names a kind after its cookbook); the recipes migrated with it call it so", rel, k.style, k.chefName, kind)
}
