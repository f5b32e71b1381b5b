// Package ssh is the transport for nodes reached over SSH, built on
// golang.org/x/crypto/ssh. Import it as sshtransport.
//
// What it promises:
//
//   - One SSH connection per node for the whole run, with sessions
//     multiplexed on it; a Transport is safe for concurrent use.
//   - Commands run through resident shells (shell.go): the login shell and
//     its rc files start once per session, not once per command, and each
//     command runs in a fresh /bin/sh -c. A node where that loop cannot
//     start gets a session per command.
//   - Commands are handed to the remote user's shell as written: callers pass
//     POSIX sh text with every value quoted (engine/shell).
//   - Host keys are verified strictly against known_hosts. An unknown key is
//     refused unless Config.AcceptNewHostKeys, which records it; a changed key
//     is always refused, naming the file:line of the key it contradicts.
//     Both failures are a *HostKeyError.
//   - Keys come from Config.IdentityFiles, ssh_config's IdentityFile (or
//     ~/.ssh/id_*), and ssh-agent. A refusal is an *AuthError listing them.
//   - ~/.ssh/config is honoured for HostName, User, Port, IdentityFile and
//     ProxyJump (see Resolve); explicit Config fields win over it.
//   - Put is atomic (transport.PutScript) and Close is idempotent.
//   - A cancelled context makes Run return at once, closing the session and
//     sending SIGKILL (which sshd does not deliver to root sessions).
//   - A connection that answers no keepalive for 45s is closed, so commands
//     on a vanished node fail instead of hanging.
package ssh
