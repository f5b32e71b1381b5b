package keyorder

import (
	"encoding/json"
	"fmt"
)

// Decode reads the next JSON value from d as d.Decode(&v) would into an
// any with UseNumber (objects map[string]any, arrays []any, numbers
// json.Number) and records the key order of every object in t. Of a key
// written twice the last value wins, at the place of the first, as
// Ruby's JSON.parse does.
func Decode(d *json.Decoder, t *Table) (any, error) {
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	return value(d, t, tok)
}

func value(d *json.Decoder, t *Table, tok json.Token) (any, error) {
	switch x := tok.(type) {
	case json.Delim:
		switch x {
		case '{':
			m := map[string]any{}
			var keys []string
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("invalid object key %v", kt)
				}
				vt, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := value(d, t, vt)
				if err != nil {
					return nil, err
				}
				if _, dup := m[k]; !dup {
					keys = append(keys, k)
				}
				m[k] = v
			}
			if _, err := d.Token(); err != nil { // }
				return nil, err
			}
			t.Set(m, keys)
			return m, nil
		case '[':
			l := []any{}
			for d.More() {
				et, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := value(d, t, et)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			if _, err := d.Token(); err != nil { // ]
				return nil, err
			}
			return l, nil
		}
		return nil, fmt.Errorf("unexpected %v", x)
	}
	return tok, nil
}
