// Package secrets keeps a repository's secrets encrypted with age
// (filippo.io/age): secrets/NAME.age holds one JSON object, encrypted to
// every recipient of secrets/recipients.txt (age X25519 public keys, or a
// team member's existing ssh-ed25519 or ssh-rsa public key).
//
// A Store reads recipients.txt and writes secrets atomically; a Keyring
// finds the identities that decrypt them (the --identity-file flag,
// CONVERGE_AGE_IDENTITY, ~/.config/converge/age.txt, ~/.ssh/id_ed25519,
// ~/.ssh/id_rsa) once, at the first Decrypt. Rekey re-encrypts every
// secret and encrypted data bag item after the recipients changed, and
// chef.go reads Chef's encrypted data bag items (format versions 1 to 3)
// so that converge secrets import can re-encrypt them with age.
package secrets
