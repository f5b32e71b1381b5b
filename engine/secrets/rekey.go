package secrets

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/hashicorp/go-multierror"
)

// Encrypted lists every age file Rekey re-encrypts: secrets/*.age and
// data_bags/*/*.age, sorted.
func (s *Store) Encrypted() ([]string, error) {
	var all []string
	for _, pat := range []string{
		filepath.Join(s.Dir, "*.age"),
		filepath.Join(s.DataBagsDir(), "*", "*.age"),
	} {
		m, err := filepath.Glob(pat)
		if err != nil {
			return nil, err
		}
		all = append(all, m...)
	}
	sort.Strings(all)
	return all, nil
}

// Rekey re-encrypts every file of Encrypted to the current recipients.
// It decrypts them all first: when one cannot be decrypted, nothing is
// rewritten and the error names each file that failed. It returns the
// files rewritten.
func (s *Store) Rekey(k *Keyring) ([]string, error) {
	if _, err := s.Recipients(); err != nil {
		return nil, err
	}
	paths, err := s.Encrypted()
	if err != nil {
		return nil, err
	}
	plains := make([][]byte, len(paths))
	var errs *multierror.Error
	for i, p := range paths {
		plain, err := k.Decrypt(p)
		if err != nil {
			errs = multierror.Append(errs, err)
			continue
		}
		plains[i] = plain
	}
	if err := errs.ErrorOrNil(); err != nil {
		return nil, fmt.Errorf("nothing was re-encrypted: %v", err)
	}
	var done []string
	for i, p := range paths {
		if err := s.WriteFile(p, plains[i]); err != nil {
			return done, err
		}
		done = append(done, p)
	}
	return done, nil
}
