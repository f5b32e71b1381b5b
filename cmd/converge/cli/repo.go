package cli

import (
	"os"

	"github.com/converge-cm/converge/engine/recipe"
)

// openRepo loads the cookbooks of paths as the repository in the current
// directory: roles/ when there is one, the run's secrets, and a keyring
// that decrypts secrets/ and encrypted data bags on the first secret() a
// recipe calls.
func (io *IO) openRepo(paths []string) (*recipe.Repo, error) {
	repo, err := recipe.LoadRepo(paths)
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err}
	}
	if st, err := os.Stat("roles"); err == nil && st.IsDir() {
		repo.RolesDir = "roles"
	}
	repo.Secrets = io.Secrets
	if io.Decrypt != nil {
		repo.Decrypt = io.Decrypt
	}
	return repo, nil
}
