package cli

import (
	"os"

	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/engine/secrets"
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
	repo.Decrypt = io.Decrypt
	if repo.Decrypt == nil {
		// identities from CONVERGE_AGE_IDENTITY, ~/.config/converge/age.txt
		// or ~/.ssh, read at the first secret a recipe opens
		repo.Decrypt = secrets.NewKeyring("")
	}
	return repo, nil
}
