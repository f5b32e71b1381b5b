package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/converge-cm/converge/engine/secrets"
)

// SecretsOptions are the flags every converge secrets command shares.
type SecretsOptions struct {
	IO           *IO
	IdentityFile string
}

// store is the secrets/ of the repository in the working directory, as
// nodes/, roles/ and data_bags/ are found.
func (o *SecretsOptions) store() *secrets.Store { return secrets.NewStore(".") }

// secretsErr is a failed secrets command: exit status 2, as for every
// input error converge finds before changing anything.
func secretsErr(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: ExitUsage, err: err}
}

// NewCmdSecrets is converge secrets and its subcommands.
func NewCmdSecrets(io *IO) *cobra.Command {
	opts := &SecretsOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Keep secrets encrypted with age in secrets/NAME.age",
		Long: `A secret is one JSON object in secrets/NAME.age, encrypted with age to
every recipient of secrets/recipients.txt: age public keys (age1…) or the
team's existing ssh-ed25519 and ssh-rsa public keys, one per line.

Your identity (private key) is --identity-file, else $CONVERGE_AGE_IDENTITY,
else ~/.config/converge/age.txt, ~/.ssh/id_ed25519 and ~/.ssh/id_rsa
(unencrypted SSH keys only). After a change of recipients.txt, run
'converge secrets rekey' so that the new recipients can read every secret.`,
		Example: `  converge secrets init --recipient ~/.ssh/id_ed25519.pub
  EDITOR='code -w' converge secrets edit db
  converge secrets show db password
  converge secrets rekey`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageErr("converge secrets needs a subcommand: init, edit, show, list, rekey or import (see 'converge secrets --help')")
		},
	}
	cmd.PersistentFlags().StringVar(&opts.IdentityFile, "identity-file", "", "age identity file or unencrypted SSH private key (default $"+secrets.EnvIdentity+", ~/.config/converge/age.txt, ~/.ssh/id_ed25519, ~/.ssh/id_rsa)")
	cmd.AddCommand(
		newCmdSecretsInit(opts),
		newCmdSecretsEdit(opts),
		newCmdSecretsShow(opts),
		newCmdSecretsList(opts),
		newCmdSecretsRekey(opts),
		newCmdSecretsImport(opts),
	)
	return cmd
}

func newCmdSecretsInit(opts *SecretsOptions) *cobra.Command {
	var recipients []string
	cmd := &cobra.Command{
		Use:   "init [--recipient KEY|FILE ...]",
		Short: "Create secrets/ and secrets/recipients.txt",
		Long: `init creates secrets/recipients.txt with the recipients given (a public key,
or a file of them such as ~/.ssh/id_ed25519.pub), or, with none, with the
public key of your identity. When you have no identity, init generates
~/.config/converge/age.txt (mode 0600) and prints its public key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return secretsErr(secretsInitRun(opts, recipients))
		},
	}
	cmd.Flags().StringArrayVar(&recipients, "recipient", nil, "recipient public key (age1…, ssh-ed25519 …, ssh-rsa …) or a file of them (repeatable)")
	return cmd
}

func secretsInitRun(opts *SecretsOptions, recipientArgs []string) error {
	s := opts.store()
	rpath := filepath.Join(s.Dir, secrets.RecipientsFile)
	if _, err := os.Stat(rpath); err == nil {
		return fmt.Errorf("%s already exists: edit it to change the recipients, then run 'converge secrets rekey'", rpath)
	}
	var lines []string
	for _, arg := range recipientArgs {
		got, err := recipientLines(arg)
		if err != nil {
			return err
		}
		lines = append(lines, got...)
	}
	if len(recipientArgs) == 0 {
		kr := secrets.NewKeyring(opts.IdentityFile)
		ids, err := kr.Identities()
		switch {
		case errors.Is(err, secrets.ErrNoIdentity):
			pub, path, err := generateIdentity()
			if err != nil {
				return err
			}
			fmt.Fprintf(opts.IO.Out, "generated age identity %s (keep it private, back it up)\npublic key: %s\n", path, pub)
			lines = append(lines, "# "+path, pub)
		case err != nil:
			return err
		default:
			id := ids[0]
			if id.Public == "" {
				return fmt.Errorf("cannot derive a public key from the identity %s: give one with --recipient", id.Path)
			}
			lines = append(lines, "# "+id.Path, id.Public)
		}
	}
	text := "# Recipients of converge's secrets: one age1… public key or ssh-ed25519 /\n" +
		"# ssh-rsa public key per line. After a change, run: converge secrets rekey\n" +
		strings.Join(lines, "\n") + "\n"
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(rpath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if _, err := s.Recipients(); err != nil {
		return fmt.Errorf("this is a bug in converge: the recipients.txt init wrote does not parse: %v", err)
	}
	fmt.Fprintf(opts.IO.Out, "created %s; next: converge secrets edit NAME\n", rpath)
	return nil
}

// recipientLines is one --recipient: a public key line, or a file of them
// (# comments and blank lines dropped).
func recipientLines(arg string) ([]string, error) {
	arg = strings.TrimSpace(arg)
	if strings.HasPrefix(arg, "age1") || strings.HasPrefix(arg, "ssh-") {
		if _, err := secrets.ParseRecipient(arg); err != nil {
			return nil, fmt.Errorf("--recipient: %v", err)
		}
		return []string{arg}, nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return nil, fmt.Errorf("--recipient %s: not a public key (age1…, ssh-ed25519 …, ssh-rsa …) and not a readable file: %v", arg, err)
	}
	var lines []string
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if _, err := secrets.ParseRecipient(l); err != nil {
			return nil, fmt.Errorf("--recipient %s:%d: %v", arg, i+1, err)
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("--recipient %s: no public key in the file", arg)
	}
	return lines, nil
}

// generateIdentity writes a new X25519 identity to the default path, in
// age-keygen's format, mode 0600.
func generateIdentity() (pub, path string, err error) {
	path, err = secrets.DefaultIdentityPath()
	if err != nil {
		return "", "", err
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", "", err
	}
	pub = id.Recipient().String()
	text := fmt.Sprintf("# created: %s\n# public key: %s\n%s\n", time.Now().UTC().Format(time.RFC3339), pub, id.String())
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", "", fmt.Errorf("generate age identity: %v", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		os.Remove(path)
		return "", "", err
	}
	return pub, path, f.Close()
}

func newCmdSecretsEdit(opts *SecretsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "edit NAME",
		Short: "Edit secrets/NAME.age in $EDITOR",
		Long: `edit decrypts secrets/NAME.age (a new NAME starts from {}) to a private
temporary file, opens it in $EDITOR (then $VISUAL, then vi; run by sh, so
EDITOR='code -w' works), checks that the result is one JSON object and
re-encrypts it when it changed. On invalid JSON or an editor failure the
secret is left unchanged. The temporary file is removed in every case.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return secretsErr(secretsEditRun(opts, args[0]))
		},
	}
}

func editorCommand() string {
	for _, v := range []string{"EDITOR", "VISUAL"} {
		if e := strings.TrimSpace(os.Getenv(v)); e != "" {
			return e
		}
	}
	return "vi"
}

func secretsEditRun(opts *SecretsOptions, name string) error {
	if err := secrets.CheckName(name); err != nil {
		return err
	}
	s := opts.store()
	// A broken recipients.txt fails now, not after the edit.
	if _, err := s.Recipients(); err != nil {
		return err
	}
	path := s.Path(name)
	before := []byte("{}\n")
	_, statErr := os.Stat(path)
	if err := statErr; err == nil {
		obj, err := secrets.NewKeyring(opts.IdentityFile).Read(s, name)
		if err != nil {
			return err
		}
		if before, err = prettyJSON(obj); err != nil {
			return err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	after, err := editPrivately(name, before, opts.IO)
	if err != nil {
		code := ExitUsage
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		return &exitError{code: code, err: fmt.Errorf("%v; %s is unchanged", err, path)}
	}
	if bytes.Equal(bytes.TrimSpace(after), bytes.TrimSpace(before)) {
		if statErr != nil {
			fmt.Fprintf(opts.IO.Out, "%s: no change, not created\n", path)
			return nil
		}
		fmt.Fprintf(opts.IO.Out, "%s: no change\n", path)
		return nil
	}
	if _, err := secrets.DecodeObject(after); err != nil {
		return fmt.Errorf("your edit of %s is not saved: %v; %s is unchanged", name, err, path)
	}
	if err := s.Write(name, after); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "wrote %s\n", path)
	return nil
}

// editPrivately writes plain to NAME.json in a new temporary directory
// (0700, file 0600), runs the editor on it and returns what it holds
// then. The directory is removed in every case: editor failure, and
// SIGINT, SIGTERM or SIGHUP while the editor runs (the editor is sent the
// signal, converge waits for it, removes the file and reports the
// signal). SIGINT is not forwarded: Ctrl-C reaches the editor from the
// terminal already, and an editor such as vi takes it as a key; converge
// only survives it.
func editPrivately(name string, plain []byte, io *IO) (_ []byte, err error) {
	dir, err := os.MkdirTemp("", "converge-secret-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = fmt.Errorf("remove the plaintext copy %s: %v", dir, rerr)
		}
	}()
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	file := filepath.Join(dir, name+".json")
	if err := os.WriteFile(file, plain, 0o600); err != nil {
		return nil, err
	}
	editor := editorCommand()
	// exec: a signal sent to the shell reaches the editor itself.
	c := exec.Command("sh", "-c", "exec "+editor+` "$1"`, "sh", file)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	if f, ok := io.Err.(*os.File); ok {
		c.Stderr = f
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("start the editor %q: %v", editor, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- c.Wait() }()
	var got os.Signal
	var werr error
wait:
	for {
		select {
		case sig := <-sigs:
			if sig == os.Interrupt {
				continue
			}
			if got == nil {
				got = sig
			}
			_ = c.Process.Signal(sig)
		case werr = <-waited:
			break wait
		}
	}
	if got != nil {
		return nil, &exitError{code: ExitInterrupted, err: fmt.Errorf("edit of %s interrupted by %s", name, signalName(got))}
	}
	if werr != nil {
		return nil, fmt.Errorf("the editor %q failed: %v", editor, werr)
	}
	return os.ReadFile(file)
}

func newCmdSecretsShow(opts *SecretsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME [KEY]",
		Short: "Print a secret's JSON, or the value of one of its keys",
		Long: `show prints secrets/NAME.age decrypted, as indented JSON; with KEY, the value
of that key alone (a string as it is, without quotes, anything else as JSON).`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return secretsErr(secretsShowRun(opts, args))
		},
	}
}

func secretsShowRun(opts *SecretsOptions, args []string) error {
	s := opts.store()
	obj, err := secrets.NewKeyring(opts.IdentityFile).Read(s, args[0])
	if err != nil {
		return err
	}
	var v any = obj
	if len(args) == 2 {
		val, ok := obj[args[1]]
		if !ok {
			keys := make([]string, 0, len(obj))
			for k := range obj {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return fmt.Errorf("secret %q has no key %q (its keys: %s)", args[0], args[1], strings.Join(keys, ", "))
		}
		if str, ok := val.(string); ok {
			fmt.Fprintln(opts.IO.Out, str)
			return nil
		}
		v = val
	}
	out, err := prettyJSON(v)
	if err != nil {
		return err
	}
	_, err = opts.IO.Out.Write(out)
	return err
}

// prettyJSON is v as indented JSON and a newline, with <, > and & as they
// are (a password is not HTML).
func prettyJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func newCmdSecretsList(opts *SecretsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the secrets of secrets/",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			names, err := opts.store().Names()
			if err != nil {
				return secretsErr(err)
			}
			for _, n := range names {
				fmt.Fprintln(opts.IO.Out, n)
			}
			return nil
		},
	}
}

func newCmdSecretsRekey(opts *SecretsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "rekey",
		Short: "Re-encrypt every secret and encrypted data bag item to the current recipients",
		Long: `rekey re-encrypts secrets/*.age and data_bags/*/*.age to the recipients of
secrets/recipients.txt, after one was added or removed. It decrypts them all
first: when one cannot be decrypted with your identity, nothing is rewritten.
A removed recipient can still read old copies (git history): rotate the
secrets themselves too.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s := opts.store()
			done, err := s.Rekey(secrets.NewKeyring(opts.IdentityFile))
			for _, p := range done {
				fmt.Fprintf(opts.IO.Out, "rekeyed %s\n", p)
			}
			if err != nil {
				return secretsErr(err)
			}
			if len(done) == 0 {
				fmt.Fprintln(opts.IO.Out, "nothing to rekey: no secrets/*.age nor data_bags/*/*.age")
			}
			return nil
		},
	}
}

func newCmdSecretsImport(opts *SecretsOptions) *cobra.Command {
	var chefSecret string
	cmd := &cobra.Command{
		Use:   "import BAG --chef-secret FILE",
		Short: "Re-encrypt a Chef encrypted data bag with age",
		Long: `import reads the Chef encrypted data bag items data_bags/BAG/*.json (Chef's
formats 1 to 3) with the Chef secret FILE and writes each one, decrypted,
as data_bags/BAG/ITEM.age encrypted to secrets/recipients.txt. The .json
files are left as they are: remove them once you have checked the result
(converge secrets show does not read data bags; use data_bag_item() in a
recipe, or decrypt with age -d).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if chefSecret == "" {
				return usageErr("converge secrets import %s needs --chef-secret FILE, the secret the data bag was encrypted with", args[0])
			}
			return secretsErr(secretsImportRun(opts, args[0], chefSecret))
		},
	}
	cmd.Flags().StringVar(&chefSecret, "chef-secret", "", "Chef encrypted data bag secret file (Chef's encrypted_data_bag_secret)")
	return cmd
}

func secretsImportRun(opts *SecretsOptions, bag, secretFile string) error {
	if err := secrets.CheckName(bag); err != nil {
		return fmt.Errorf("data bag: %v", err)
	}
	s := opts.store()
	if _, err := s.Recipients(); err != nil {
		return err
	}
	key, err := secrets.LoadChefSecret(secretFile)
	if err != nil {
		return err
	}
	dir := filepath.Join(s.DataBagsDir(), bag)
	items, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return fmt.Errorf("no data bag items in %s (want data_bags/%s/ITEM.json)", dir, bag)
	}
	sort.Strings(items)
	// Decrypt every item before writing one: a wrong secret writes nothing.
	type out struct {
		path  string
		plain []byte
	}
	var outs []out
	for _, p := range items {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		plain, encrypted, err := secrets.DecryptChefItem(data, key)
		if err != nil {
			return fmt.Errorf("%s: %v", p, err)
		}
		if !encrypted {
			fmt.Fprintf(opts.IO.Out, "%s is not encrypted: left as it is\n", p)
			continue
		}
		outs = append(outs, out{strings.TrimSuffix(p, ".json") + ".age", plain})
	}
	for _, o := range outs {
		if err := s.WriteFile(o.path, o.plain); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "wrote %s (remove %s once checked)\n", o.path, strings.TrimSuffix(o.path, ".age")+".json")
	}
	return nil
}
