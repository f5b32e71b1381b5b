package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/converge-cm/converge/engine/migrate/ruby"
	"github.com/converge-cm/converge/engine/share/semver"
)

// A chef-repo's data bags and environments are carried over: converge
// reads data_bags/BAG/ITEM.json and environments/NAME.json in Chef's
// format. Encrypted data bag items are not: converge encrypts with age,
// so each one is listed in MIGRATION.md with how to re-encrypt it.

// EncryptedItem is a Chef encrypted data bag item left for a person.
type EncryptedItem struct {
	Bag, Item string
	File      string // source file, as Todo.File
}

// migrateTeamData carries the data bags and environments of the chef-repo
// dir into outDir.
func migrateTeamData(r *Report, dir, outDir string) error {
	if err := migrateDataBags(r, dir, outDir); err != nil {
		return err
	}
	return migrateEnvironments(r, dir, outDir)
}

func migrateDataBags(r *Report, dir, outDir string) error {
	root := filepath.Join(dir, "data_bags")
	bags, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, bag := range bags {
		if !bag.IsDir() || strings.HasPrefix(bag.Name(), ".") {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(root, bag.Name(), "*.json"))
		sort.Strings(files)
		n := 0
		for _, f := range files {
			item := strings.TrimSuffix(filepath.Base(f), ".json")
			rel := filepath.Base(dir) + "/data_bags/" + bag.Name() + "/" + filepath.Base(f)
			data, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			doc, err := decodeJSONObject(data)
			if err != nil {
				r.Todos = append(r.Todos, Todo{File: rel, Construct: "data bag item", Why: err.Error() + "; fix it and copy it to data_bags/" + bag.Name() + "/"})
				continue
			}
			if encryptedItem(doc) {
				r.Encrypted = append(r.Encrypted, EncryptedItem{Bag: bag.Name(), Item: item, File: rel})
				r.Todos = append(r.Todos, Todo{File: rel, Construct: "encrypted data bag item",
					Why: fmt.Sprintf("not copied: re-encrypt it as data_bags/%s/%s.age (see \"Encrypted data bag items\" in MIGRATION.md)", bag.Name(), item)})
				continue
			}
			out := data
			switch id, ok := doc["id"]; {
			case !ok:
				var o orderedJSON
				o.set("id", item)
				for _, k := range sortedKeys(doc) {
					o.set(k, doc[k])
				}
				if out, err = o.marshal(); err != nil {
					return fmt.Errorf("migrate: %s: %w", rel, err)
				}
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s has no \"id\"; written with \"id\": %q, its file name, as Chef requires", rel, item))
			case id != item:
				r.Todos = append(r.Todos, Todo{File: rel, Construct: "data bag item",
					Why: fmt.Sprintf("its \"id\" is %s, not %q (its file name), which Chef requires; rename the file or fix the id, then copy it to data_bags/%s/", jsonString(id), item, bag.Name())})
				continue
			}
			if err := writeFile(filepath.Join(outDir, "data_bags", bag.Name(), filepath.Base(f)), out); err != nil {
				return err
			}
			n++
		}
		if n > 0 {
			r.DataBags = append(r.DataBags, fmt.Sprintf("%s (%d)", bag.Name(), n))
		}
	}
	return nil
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// decodeJSONObject decodes a JSON object, numbers kept as written.
func decodeJSONObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("not valid JSON: more than one value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

// encryptedItem reports whether a data bag item is a Chef encrypted one:
// every value but its id is an object with encrypted_data, iv (version
// 1 and 2; version 3 has auth_tag too), version and cipher.
func encryptedItem(doc map[string]any) bool {
	found := false
	for k, v := range doc {
		if k == "id" {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := m["encrypted_data"]; !ok {
			return false
		}
		if _, ok := m["cipher"]; !ok {
			return false
		}
		found = true
	}
	return found
}

func migrateEnvironments(r *Report, dir, outDir string) error {
	files, _ := filepath.Glob(filepath.Join(dir, "environments", "*"))
	sort.Strings(files)
	fromJSON := map[string]bool{}
	for _, f := range files {
		if filepath.Ext(f) == ".json" {
			fromJSON[strings.TrimSuffix(filepath.Base(f), ".json")] = true
		}
	}
	for _, f := range files {
		ext := filepath.Ext(f)
		if ext != ".json" && ext != ".rb" {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ext)
		rel := filepath.Base(dir) + "/environments/" + filepath.Base(f)
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var env *chefEnv
		var todos []Todo
		if ext == ".json" {
			env, todos = readEnvJSON(rel, name, data)
		} else {
			if fromJSON[name] {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s: environments/%s.json was carried over instead", rel, name))
				continue
			}
			env, todos = readEnvRb(rel, name, string(data))
		}
		r.Todos = append(r.Todos, todos...)
		if env == nil {
			continue
		}
		b, err := env.json().marshal()
		if err != nil {
			return fmt.Errorf("migrate: %s: %w", rel, err)
		}
		if err := writeFile(filepath.Join(outDir, "environments", name+".json"), b); err != nil {
			return err
		}
		r.Environments = append(r.Environments, name)
	}
	return nil
}

// chefEnv is what converge keeps of a Chef environment: all of it.
type chefEnv struct {
	name, description string
	versions          map[string]string
	def, ovr          map[string]any
}

func (e *chefEnv) json() orderedJSON {
	var o orderedJSON
	o.set("name", e.name)
	if e.description != "" {
		o.set("description", e.description)
	}
	v := map[string]any{}
	for k, c := range e.versions {
		v[k] = c
	}
	o.set("cookbook_versions", v)
	o.set("default_attributes", orEmpty(e.def))
	o.set("override_attributes", orEmpty(e.ovr))
	return o
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// envConstraint checks a cookbook_versions constraint the way converge
// will read it.
func envConstraint(cb, c string) error {
	if _, err := semver.ParseConstraint(c); err != nil {
		return fmt.Errorf("cookbook_versions %s: %v", cb, err)
	}
	return nil
}

// readEnvJSON validates a Chef environment in JSON; what converge would
// refuse is a TODO and the file is not written.
func readEnvJSON(rel, name string, data []byte) (*chefEnv, []Todo) {
	bad := func(why string) (*chefEnv, []Todo) {
		return nil, []Todo{{File: rel, Construct: "environment", Why: why + "; fix it and copy it to environments/"}}
	}
	doc, err := decodeJSONObject(data)
	if err != nil {
		return bad(err.Error())
	}
	env := &chefEnv{name: name, versions: map[string]string{}}
	for _, k := range sortedKeys(doc) {
		v := doc[k]
		switch k {
		case "name":
			s, ok := v.(string)
			if !ok || s != name {
				return bad(fmt.Sprintf("its name is %s, not %q (its file name)", jsonString(v), name))
			}
		case "description":
			s, ok := v.(string)
			if !ok {
				return bad("description is not a string")
			}
			env.description = s
		case "default_attributes", "override_attributes":
			m, ok := v.(map[string]any)
			if !ok && v != nil {
				return bad(k + " is not an object")
			}
			if k == "default_attributes" {
				env.def = m
			} else {
				env.ovr = m
			}
		case "cookbook_versions":
			m, ok := v.(map[string]any)
			if !ok && v != nil {
				return bad("cookbook_versions is not an object")
			}
			for cb, c := range m {
				s, ok := c.(string)
				if !ok {
					return bad(fmt.Sprintf("cookbook_versions %s is not a string", cb))
				}
				if err := envConstraint(cb, s); err != nil {
					return bad(err.Error())
				}
				env.versions[cb] = s
			}
		case "json_class", "chef_type":
		default:
			return bad(fmt.Sprintf("unknown key %q", k))
		}
	}
	return env, nil
}

// readEnvRb translates the usual environment DSL: name, description,
// cookbook_versions(HASH), cookbook NAME, CONSTRAINT,
// default_attributes(HASH) and override_attributes(HASH), with literal
// values. Anything else is a TODO, and then no file is written: an
// environment missing part of its attributes would change runs silently.
func readEnvRb(rel, name, src string) (*chefEnv, []Todo) {
	stmts, _ := ruby.Parse(src)
	env := &chefEnv{name: name, versions: map[string]string{}}
	var todos []Todo
	for _, s := range stmts {
		bad := func(construct, why string) {
			todos = append(todos, Todo{File: rel, Line: s.Line, Construct: construct, Why: why})
		}
		c, ok := s.X.(*ruby.CallExpr)
		if !ok || c.Recv != nil || c.Block != nil {
			bad("statement in an environment", "only name, description, cookbook_versions, cookbook, default_attributes and override_attributes are translated; write the environment as JSON")
			continue
		}
		switch c.Name {
		case "name", "description":
			if len(c.Args) != 1 {
				bad(c.Name, "expected one string")
				continue
			}
			v, ok := staticString(c.Args[0], nil)
			if !ok {
				bad(c.Name, "the value is computed; write it as a literal")
				continue
			}
			if c.Name == "description" {
				env.description = v
			} else if v != name {
				bad("name", fmt.Sprintf("the environment is named %q in %s; converge names it after its file: rename the file to %s.rb", v, rel, v))
			}
		case "cookbook":
			if len(c.Args) != 2 {
				bad("cookbook", "expected a cookbook name and a version constraint")
				continue
			}
			cb, ok1 := staticString(c.Args[0], nil)
			cons, ok2 := staticString(c.Args[1], nil)
			if !ok1 || !ok2 {
				bad("cookbook", "the value is computed; write it as a literal")
				continue
			}
			if err := envConstraint(cb, cons); err != nil {
				bad("cookbook "+cb, err.Error())
				continue
			}
			env.versions[cb] = cons
		case "cookbook_versions", "default_attributes", "override_attributes":
			h, err := argHash(c.Args)
			if err != nil {
				bad(c.Name, strings.TrimPrefix(err.Error(), fmt.Sprintf("line %d: ", s.Line)))
				continue
			}
			if c.Name != "cookbook_versions" {
				m := map[string]any{}
				for k, v := range h {
					m[k] = v
				}
				if c.Name == "default_attributes" {
					env.def = mergeMaps(env.def, m)
				} else {
					env.ovr = mergeMaps(env.ovr, m)
				}
				continue
			}
			for cb, v := range h {
				cons, ok := v.(string)
				if !ok {
					bad("cookbook_versions", fmt.Sprintf("the constraint of %s is not a string", cb))
					continue
				}
				if err := envConstraint(cb, cons); err != nil {
					bad("cookbook_versions "+cb, err.Error())
					continue
				}
				env.versions[cb] = cons
			}
		default:
			bad(c.Name, "not part of the environment DSL converge translates; write the environment as JSON")
		}
	}
	if len(todos) > 0 {
		for i := range todos {
			todos[i].Why += "; environments/" + name + ".json was not written"
		}
		return nil, todos
	}
	return env, nil
}

// mergeMaps merges src over dst, key by key (a second
// default_attributes call adds to the first, as in Chef).
func mergeMaps(dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				dst[k] = mergeMaps(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

// argHash reads the arguments of default_attributes and its kin: one hash
// (with or without braces or parentheses) of literal values.
func argHash(args []ruby.Expr) (map[string]any, error) {
	if len(args) != 1 {
		return nil, errors.New("expected one hash of literal values")
	}
	h, ok := args[0].(*ruby.HashLit)
	if !ok {
		return nil, errors.New("expected one hash of literal values")
	}
	v, err := rubyLiteral(h)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// rubyLiteral converts a Ruby literal (hash, array, string, symbol,
// number, true, false, nil) to its JSON value.
func rubyLiteral(x ruby.Expr) (any, error) {
	switch v := x.(type) {
	case *ruby.HashLit:
		m := map[string]any{}
		for i, k := range v.Keys {
			key, ok := staticString(k, nil)
			if !ok {
				return nil, fmt.Errorf("line %d: a hash key is computed; write it as a literal", k.ExprLine())
			}
			val, err := rubyLiteral(v.Vals[i])
			if err != nil {
				return nil, err
			}
			m[key] = val
		}
		return m, nil
	case *ruby.ArrayLit:
		l := make([]any, 0, len(v.Elems))
		for _, e := range v.Elems {
			val, err := rubyLiteral(e)
			if err != nil {
				return nil, err
			}
			l = append(l, val)
		}
		return l, nil
	case *ruby.StrLit, *ruby.SymLit:
		s, ok := staticString(v, nil)
		if !ok {
			return nil, fmt.Errorf("line %d: the string interpolates a value; write it as a literal", x.ExprLine())
		}
		return s, nil
	case *ruby.IntLit:
		return json.Number(strconv.FormatInt(v.Val, 10)), nil
	case *ruby.FloatLit:
		if _, err := strconv.ParseFloat(strings.ReplaceAll(v.Text, "_", ""), 64); err != nil {
			return nil, fmt.Errorf("line %d: the number %s is not a plain float", v.Line, v.Text)
		}
		return json.Number(strings.ReplaceAll(v.Text, "_", "")), nil
	case *ruby.BoolLit:
		return v.Val, nil
	case *ruby.NilLit:
		return nil, nil
	case *ruby.UnaryExpr:
		if v.Op == "-" {
			n, err := rubyLiteral(v.X)
			if num, ok := n.(json.Number); ok && err == nil {
				return json.Number("-" + string(num)), nil
			}
		}
	}
	return nil, fmt.Errorf("line %d: the value is computed; only literal hashes, arrays, strings, numbers, true, false and nil are translated", x.ExprLine())
}

// teamDataSummary lists the data bags and environments carried over, for
// the head of MIGRATION.md.
func (r Report) teamDataSummary(b *strings.Builder) {
	if len(r.DataBags) > 0 {
		b.WriteString("Data bags: " + strings.Join(r.DataBags, ", ") + "\n")
	}
	if len(r.Environments) > 0 {
		b.WriteString("Environments: " + strings.Join(r.Environments, ", ") + "\n")
	}
}

// encryptedMarkdown is MIGRATION.md's section on the encrypted items left
// out, with how to re-encrypt them.
func (r Report) encryptedMarkdown(b *strings.Builder) {
	if len(r.Encrypted) == 0 {
		return
	}
	b.WriteString("\n## Encrypted data bag items\n\n")
	b.WriteString("These Chef encrypted data bag items were not copied. converge encrypts data bag items with age, as data_bags/BAG/ITEM.age, decrypted on the control machine only; recipes read them with `data_bag_item(\"BAG\", \"ITEM\")` as before, and every value in them is a secret of the run.\n\n")
	for _, e := range r.Encrypted {
		fmt.Fprintf(b, "- %s: write data_bags/%s/%s.age\n", mdEscape(e.File), e.Bag, e.Item)
	}
	b.WriteString("\nTo re-encrypt them, with the recipients in secrets/recipients.txt:\n\n")
	b.WriteString("1. `converge secrets import BAG --chef-secret FILE`, with FILE the bag's Chef secret (often /etc/chef/encrypted_data_bag_secret), decrypts the Chef items of data_bags/BAG and writes data_bags/BAG/ITEM.age for each; or\n")
	b.WriteString("2. decrypt an item with knife (`knife data bag show BAG ITEM --secret-file FILE -F json -z`), and paste its JSON into `converge secrets edit data_bags/BAG/ITEM.age`; delete the plaintext afterwards.\n")
}

// dataBagCall translates Chef's data bag calls in recipes and attribute
// files: data_bag("BAG") and data_bag_item("BAG", "ITEM") are converge's
// builtins of the same names. An encrypted item
// (data_bag_item("BAG", "ITEM", secret), encrypted_data_bag_item(...) or
// Chef::EncryptedDataBagItem.load(...)) is read with data_bag_item once
// it is re-encrypted as data_bags/BAG/ITEM.age, which needs no secret
// argument: the keyring decrypts it on the control machine.
func (e *emitter) dataBagCall(c *ruby.CallExpr) (sx, bool) {
	if c.Block != nil {
		return sx{}, false
	}
	args := func(n int) string {
		out := make([]string, n)
		for i := range out {
			out[i] = e.expr(c.Args[i]).code
		}
		return strings.Join(out, ", ")
	}
	switch c.Name {
	case "data_bag":
		if len(c.Args) == 1 {
			return atom("data_bag(" + args(1) + ")"), true
		}
	case "data_bag_item", "encrypted_data_bag_item", "load":
		if len(c.Args) == 2 || len(c.Args) == 3 {
			return atom("data_bag_item(" + args(2) + ")"), true
		}
	}
	return sx{}, false
}
