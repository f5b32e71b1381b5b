package recipe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/converge-cm/converge/engine"
)

// Data bags are Chef's: data_bags/BAG/ITEM.json holds one item, a JSON
// object whose "id" is ITEM. An encrypted item is data_bags/BAG/ITEM.age,
// an age file holding the item's JSON object: it is decrypted on the
// control machine only, and every value in it but its id is a secret of
// the run (see builtinSecret).

// builtinDataBag is data_bag("BAG"): the names of the bag's items, sorted.
func (c *compiler) builtinDataBag(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var bag string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &bag); err != nil {
		return nil, err
	}
	pos := callerPos(thread)
	what := fmt.Sprintf("data_bag(%q)", bag)
	if err := checkBagName(pos, what, "bag", bag); err != nil {
		return nil, err
	}
	return c.repo.team.get("data_bag:"+bag, func() (starlark.Value, error) {
		names, err := c.repo.bagItems(bag)
		if err != nil {
			return nil, &engine.Diagnostic{Pos: pos, Summary: what + ": " + err.Error(),
				Detail: fmt.Sprintf("a data bag is a directory of items: %s", filepath.Join(c.repo.Root, "data_bags", bag, "ITEM.json"))}
		}
		l := make([]starlark.Value, len(names))
		for i, n := range names {
			l[i] = starlark.String(n)
		}
		list := starlark.NewList(l)
		list.Freeze()
		return list, nil
	})
}

// bagItems lists the items of data_bags/BAG: ITEM.json and ITEM.age.
func (r *Repo) bagItems(bag string) ([]string, error) {
	dir := filepath.Join(r.Root, "data_bags", bag)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist%s", dir, r.bagsHint())
	}
	if err != nil {
		return nil, err
	}
	seen := map[string]string{}
	var names []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".json" && ext != ".age") {
			continue
		}
		n := strings.TrimSuffix(e.Name(), ext)
		if prev, dup := seen[n]; dup {
			return nil, fmt.Errorf("item %s is both %s and %s; keep one of them", n, filepath.Join(dir, n+prev), filepath.Join(dir, e.Name()))
		}
		seen[n] = ext
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// bagsHint names the bags that exist, for an error about one that does
// not.
func (r *Repo) bagsHint() string {
	entries, err := os.ReadDir(filepath.Join(r.Root, "data_bags"))
	if err != nil {
		return "; there is no data_bags directory"
	}
	var bags []string
	for _, e := range entries {
		if e.IsDir() {
			bags = append(bags, e.Name())
		}
	}
	if len(bags) == 0 {
		return "; data_bags holds no bag"
	}
	return "; data bags: " + strings.Join(bags, ", ")
}

// builtinDataBagItem is data_bag_item("BAG", "ITEM"): the item as a
// frozen dict.
func (c *compiler) builtinDataBagItem(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var bag, item string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &bag, &item); err != nil {
		return nil, err
	}
	pos := callerPos(thread)
	what := fmt.Sprintf("data_bag_item(%q, %q)", bag, item)
	if err := checkBagName(pos, what, "bag", bag); err != nil {
		return nil, err
	}
	if err := checkBagName(pos, what, "item", item); err != nil {
		return nil, err
	}
	return c.repo.team.get("data_bag_item:"+bag+"/"+item, func() (starlark.Value, error) {
		return c.repo.openItem(pos, what, bag, item)
	})
}

// builtinDataBagExists is data_bag_exists(BAG[, ITEM]): whether
// data_bags/BAG holds items (and ITEM among them). A bag or item that is
// None, empty or not a name does not exist. It is how a migrated recipe
// tests what Chef's rescue around a data bag read caught.
func (c *compiler) builtinDataBagExists(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var bag, item starlark.Value = starlark.None, starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &bag, &item); err != nil {
		return nil, err
	}
	name := func(v starlark.Value) (string, bool) {
		s, ok := v.(starlark.String)
		return string(s), ok && secretName.MatchString(string(s)) && s != "." && s != ".."
	}
	bn, ok := name(bag)
	if !ok {
		return starlark.False, nil
	}
	names, err := c.repo.bagItems(bn)
	if err != nil {
		return starlark.False, nil
	}
	if item == starlark.None {
		return starlark.True, nil
	}
	in, ok := name(item)
	return starlark.Bool(ok && slices.Contains(names, in)), nil
}

func checkBagName(pos engine.Pos, what, kind, name string) error {
	if !secretName.MatchString(name) || name == "." || name == ".." {
		return &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s: %q is not a data bag %s name; use letters, digits, '_', '-' and '.'", what, name, kind)}
	}
	return nil
}

func (r *Repo) openItem(pos engine.Pos, what, bag, item string) (starlark.Value, error) {
	dir := filepath.Join(r.Root, "data_bags", bag)
	plain, sealed := filepath.Join(dir, item+".json"), filepath.Join(dir, item+".age")
	_, perr := os.Stat(plain)
	_, serr := os.Stat(sealed)
	switch {
	case perr == nil && serr == nil:
		return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s: the item is both %s and %s", what, plain, sealed),
			Detail: "keep one of them: the .age file if the item holds secrets"}
	case perr == nil:
		b, err := os.ReadFile(plain)
		if err != nil {
			return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s: %v", what, err)}
		}
		doc, docOrd, err := decodeObject(b)
		if err != nil {
			return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s: %s: %v", what, plain, err),
				Detail: fmt.Sprintf(`an item is a JSON object with its id: {"id": %q, ...}`, item)}
		}
		if err := checkItemID(doc, plain, item, true); err != nil {
			return nil, &engine.Diagnostic{Pos: pos, Summary: what + ": " + err.Error(),
				Detail: fmt.Sprintf(`Chef requires an item's "id" to be its file name: set "id": %q in %s`, item, plain)}
		}
		v := jsonToStarlark(doc, docOrd)
		v.Freeze()
		return v, nil
	case serr == nil:
		return r.openSealedItem(pos, what, sealed, bag, item)
	}
	var detail string
	if names, err := r.bagItems(bag); err != nil {
		detail = err.Error()
	} else if len(names) == 0 {
		detail = "data bag " + bag + " has no items"
	} else {
		detail = "items of " + bag + ": " + strings.Join(names, ", ")
	}
	return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s: neither %s nor %s exists", what, plain, sealed),
		Detail: detail + fmt.Sprintf(`; create %s ({"id": %q, ...}), or %s with converge secrets edit`, plain, item, sealed)}
}

// openSealedItem decrypts an encrypted item (an age file holding its JSON
// object) and registers its values as secrets of the run. Its id is its
// name, not a secret: it is added when the object has none.
func (r *Repo) openSealedItem(pos engine.Pos, what, path, bag, item string) (starlark.Value, error) {
	if r.Decrypt == nil {
		return nil, &engine.Diagnostic{Pos: pos, Summary: what + ": " + path + " is encrypted and this command reads no secrets", Detail: "encrypted data bag items are read by converge runs, plan and check"}
	}
	plain, err := r.Decrypt.Decrypt(path)
	if err != nil {
		return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s: %v", what, err)}
	}
	doc, docOrd, err := decodeObject(plain)
	if err != nil {
		return nil, &engine.Diagnostic{Pos: pos, Summary: fmt.Sprintf("%s: %s: %v", what, path, err), Detail: "fix it with converge secrets edit " + path}
	}
	if err := checkItemID(doc, path, item, false); err != nil {
		return nil, &engine.Diagnostic{Pos: pos, Summary: what + ": " + err.Error(),
			Detail: fmt.Sprintf(`set "id": %q with converge secrets edit %s`, item, path)}
	}
	for k, v := range doc {
		if k != "id" {
			r.Secrets.AddAll(v)
		}
	}
	doc["id"] = item
	v := jsonToStarlark(doc, docOrd)
	v.Freeze()
	return v, nil
}

// checkItemID checks that an item's "id" is item; required says a plain
// item must have one (Chef's rule), an encrypted one may leave it out.
func checkItemID(doc map[string]any, path, item string, required bool) error {
	id, ok := doc["id"]
	if !ok {
		if required {
			return fmt.Errorf("%s has no \"id\"", path)
		}
		return nil
	}
	if s, isStr := id.(string); !isStr || s != item {
		return fmt.Errorf("%s has \"id\": %v, but the item is %s", path, jsonText(id), item)
	}
	return nil
}

func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}
