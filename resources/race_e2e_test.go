package resources_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/converge-cm/converge/cmd/converge/cli"
	"github.com/converge-cm/converge/engine/lab"
	"github.com/converge-cm/converge/engine/lab/labtest"
	"github.com/converge-cm/converge/engine/transport/ssh"
)

// aliceLoop is alice's side of the race, run as alice on the node: she
// owns /home/alice and /home/alice/.ssh, and keeps planting links to
// /etc/victim (or /etc) at every name converge uses or might use there,
// renaming converge's staging directories and putting links in their
// place, swapping .ssh itself for a link to /etc and back, and making work
// for the delete, rm -rf and mkdir -p of the recipe.
//
// She never deletes anything: whatever she takes away (her links, the
// files converge installed) is renamed into moved/ (or, for directories,
// beside itself), and logged, so that every byte converge writes stays
// findable: a successful write whose bytes are found nowhere would be a
// write that went somewhere else. (An earlier version of this loop used
// ln -sfn and rm -f: ln -sfn replaces a regular file at the name — it is
// alice's right in her directory — and rm -f of "her link" deletes the
// file converge renamed over it in between; the bytes of those writes
// were gone for good, which looked like lost writes. See the test.)
//
// Her errors go to the loop's stderr, a file root opened for her: a
// process of hers cannot open /dev/null on a lab node.
const aliceLoop = `H=/home/alice S=/home/alice/.ssh V=/etc/victim M=/home/alice/moved L=/home/alice/loop.log
i=0 j=0
log() { echo "$i $*" >> "$L"; }
# away P: rename whatever is at P into moved/ (a directory, which a
# directory of root's cannot leave, beside itself), logging what it was:
# looked at after the rename, as converge may rename a file over a link
# of hers between a look before and the rename.
away() {
  [ -e "$1" ] || [ -L "$1" ] || return 0
  j=$((j+1))
  if [ -d "$1" ] && [ ! -L "$1" ]; then dst=$1.moved.$i.$j; else dst=$M/$i.$j.${1##*/}; fi
  mv -T -- "$1" "$dst" || return 0
  # What was moved, looked at where only alice can change it.
  if [ -L "$dst" ]; then what=link
  elif [ -f "$dst" ]; then what="file inode $(stat -c %i -- "$dst") $(sha256sum < "$dst")"
  else what=directory; fi
  log "moved $1 ($what) to $dst"
}
names="authorized_keys victim newdir tree .converge-put-$$ .converge-put-XXXXXX .authorized_keys.tmp authorized_keys.tmp .converge-bak-copy"
mkdir -p "$M"
while [ ! -e "$H/stop" ]; do
  i=$((i+1))
  case $((i % 4)) in
  0)
    for n in $names authorized_keys.converge-bak.$i .converge-put-$i; do
      away "$S/$n"
      case $n in newdir|tree) to=/etc ;; *) to=$V ;; esac
      ln -s "$to" "$S/$n" && log "planted $S/$n -> $to"
    done
    sleep 0.02
    for n in $names authorized_keys.converge-bak.$i .converge-put-$i; do [ ! -L "$S/$n" ] || away "$S/$n"; done
    ;;
  1)
    k=0
    while [ $k -lt 40 ]; do
      k=$((k+1))
      for e in "$S"/.converge-put-*; do
        case $e in *.moved.*|*'*') continue ;; esac
        if [ -d "$e" ] && [ ! -L "$e" ] && mv -T -- "$e" "$e.moved.$i.$k"; then
          ln -s /etc "$e" && log "renamed staging $e, planted a link to /etc"
        fi
      done
    done
    ;;
  2)
    if [ ! -e "$H/.ssh.real" ] && mv -T -- "$S" "$H/.ssh.real"; then
      log "moved .ssh to .ssh.real"; ln -s /etc "$S" && log "swapped .ssh for a link to /etc"
      sleep 0.02
      [ ! -L "$S" ] || mv -T -- "$S" "$H/.ssh.link.$i"
      if ! mv -T -- "$H/.ssh.real" "$S"; then
        mv -T -- "$S" "$H/.ssh.gone.$i" && log "moved .ssh to .ssh.gone.$i (converge made it meanwhile)"
        mv -T -- "$H/.ssh.real" "$S"
      fi
      log "restored .ssh"
    fi
    ;;
  3)
    [ -e "$S/victim" ] || [ -L "$S/victim" ] || echo "alice's" > "$S/victim"
    [ -L "$S/tree" ] || { mkdir -p "$S/tree/sub" && echo "alice's" > "$S/tree/sub/f"; }
    if [ -d "$S/newdir" ] && [ ! -L "$S/newdir" ]; then away "$S/newdir"; fi
    sleep 0.01
    ;;
  esac
done
log stopped
`

// The node's root-owned state outside /home/alice, before and after: the
// victim, the secret, and every file and directory in the trees below
// (type, mode, owner, group, size, mtime; the content of regular files in
// /etc and /root). /var is left out: the journal and systemd write there
// whatever converge does.
const snapshotCmd = `find /etc /root /usr /opt /srv /home /boot -xdev -path /home/alice -prune -o -printf '%p %y %m %U %G %s %T@\n' | LC_ALL=C sort
find /etc /root -xdev -type f -exec sha256sum {} + | LC_ALL=C sort`

// TestRace_AliceSwapsLinksDuring200Converges is issue 14's must-show: an
// unprivileged process (alice) swaps links in a directory she owns
// (/home/alice/.ssh) during 200 converges of a file there (owner alice,
// mode 0600, new content each run, with the directory resource for .ssh
// in some runs, and in others a delete, a recursive directory delete, a
// mkdir -p and a link created or deleted, whose names have root-owned
// namesakes in /etc). Every run
// either succeeds, and then the file it wrote was right (content, owner,
// mode) where converge put it, or fails with a refusal; the root-owned
// victim file, the secret, and every root-owned file outside /home/alice
// are never modified.
//
// After each run alice is stopped (SIGSTOP to her process group) while
// the test looks: the file is there with this run's content, or it is
// not, and then this run's bytes must be found, with owner alice and mode
// 0600, in a file alice moved (her log says when), never nowhere.
func TestRace_AliceSwapsLinksDuring200Converges(t *testing.T) {
	wd, _ := os.Getwd()
	_, repo, nodes := labtest.Start(t, labtest.Options{What: "the race e2e test",
		Cookbooks: filepath.Join(wd, "testdata", "race_e2e", "cookbooks"),
		Prefix:    "rctest", Bridge: "cvgrc95", Subnet: "10.213.95.0/24", Timeout: 6 * time.Minute}, "rc1")
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	tr, err := ssh.Dial(ctx, ssh.Config{Host: nodes[0].Address, Port: 22, User: "root",
		IdentityFiles: []string{filepath.Join(repo, lab.KeyPath)}, KnownHostsFiles: []string{filepath.Join(repo, lab.KnownHostsPath)},
		DisableAgent: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	sh := func(cmd string) string {
		t.Helper()
		res, err := tr.Run(ctx, cmd, nil)
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("%s: %v, exit %d: %s%s", cmd, err, res.ExitCode, res.Stdout, res.Stderr)
		}
		return string(res.Stdout)
	}

	// alice, her .ssh, the victims, and alice's loop, stopped until the
	// first run.
	sh(`set -e
id alice >/dev/null 2>&1 || useradd -m -d /home/alice -s /bin/sh alice
install -d -o alice -g alice -m 0700 /home/alice/.ssh
printf 'root victim\n' > /etc/victim; chmod 0644 /etc/victim; touch -d '2020-01-02 03:04:05' /etc/victim
printf 'root secret\n' > /root/secret; chmod 0600 /root/secret
mkdir -p /etc/tree; printf 'keep\n' > /etc/tree/keep; printf 'root link victim\n' > /etc/rclink
cat > /usr/local/bin/rc-alice-loop <<'CONVERGE_EOF'
` + aliceLoop + `CONVERGE_EOF
chmod 0755 /usr/local/bin/rc-alice-loop`)
	victimBefore := sh(`stat -c '%U %G %a %s %Y %i' /etc/victim; sha256sum < /etc/victim`)
	before := sh(snapshotCmd)
	pid := strings.TrimSpace(sh(`setsid setpriv --reuid=alice --regid=alice --init-groups sh /usr/local/bin/rc-alice-loop >/home/alice/loop.out 2>&1 </dev/null & echo $!`))
	stopAlice := func() {
		t.Helper()
		sh("touch /home/alice/stop; kill -CONT -" + pid + " 2>/dev/null; i=0; while kill -0 " + pid + " 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; ! kill -0 " + pid + " 2>/dev/null")
	}
	defer func() {
		if !t.Failed() {
			return
		}
		_, _ = tr.Run(context.Background(), "touch /home/alice/stop; kill -CONT -"+pid, nil)
		res, _ := tr.Run(context.Background(), "tail -n 40 /home/alice/loop.log; echo ---; tail -n 20 /home/alice/loop.out; ls -la /home/alice /home/alice/.ssh", nil)
		t.Logf("alice's loop:\n%s", res.Stdout)
	}()

	const runs = 200
	// A run fails with one of these, and with nothing else: a refusal,
	// or a path alice took away that instant.
	refusal := regexp.MustCompile(`refusing to|is a link, not a|is a link, not a regular file|not a directory|cannot enter|was replaced|No such file or directory|File exists|cannot create a staging directory`)
	var ok, failed, inPlace, movedByAlice int
	reasons := map[string]int{}
	example := map[string]string{}
	type elsewhere struct {
		run       int
		sum, path string
	}
	var moved []elsewhere
	start := time.Now()
	for i := 1; i <= runs; i++ {
		content := fmt.Sprintf("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 race run %d\n", i)
		sum := sha256.Sum256([]byte(content))
		want := hex.EncodeToString(sum[:])
		args := []string{"-r", "rc_race", "-a", fmt.Sprintf("race.n=%d", i),
			"-a", fmt.Sprintf("race.dir=%t", i%5 == 0), "-a", fmt.Sprintf("race.extra=%t", i%2 == 1), "rc1"}
		var out, errb bytes.Buffer
		code := cli.Main(args, &out, &errb)
		// Alice stands still while the test looks.
		post := sh(`kill -STOP -` + pid + `; p=/home/alice/.ssh/authorized_keys
if [ -L $p ]; then echo "link $(readlink $p)"; elif [ -f $p ]; then echo "file $(stat -c '%U %G %a' $p) $(sha256sum < $p)"; else echo absent; fi
{ stat -c '%U %G %a %s %Y %i' /etc/victim && sha256sum < /etc/victim; } 2>&1 || true`)
		lines := strings.SplitN(post, "\n", 2)
		if v := lines[1]; v != victimBefore {
			t.Fatalf("run %d: /etc/victim changed:\nbefore %safter  %s\nconverge said:\n%s%s", i, victimBefore, v, out.String(), errb.String())
		}
		if code != 0 {
			failed++
			// The error the run failed with (those of ignore_failure
			// resources are printed above it).
			msg := out.String() + errb.String()
			if k := strings.Index(msg, "Node rc1 FAILED"); k >= 0 {
				msg = msg[k:]
			} else {
				t.Fatalf("run %d failed (exit %d) without saying why:\n%s", i, code, msg)
			}
			m := refusal.FindString(msg)
			if m == "" {
				t.Fatalf("run %d failed without a refusal (exit %d):\n%s", i, code, msg)
			}
			if reasons[m]++; reasons[m] == 1 {
				for _, l := range strings.Split(msg, "\n") {
					if strings.Contains(l, m) && !strings.Contains(l, "$") {
						example[m] = strings.TrimSpace(l)
						break
					}
				}
			}
		} else {
			ok++
			switch st := lines[0]; {
			case st == "file alice alice 600 "+want+"  -":
				inPlace++
			case strings.HasPrefix(st, "file "):
				t.Fatalf("run %d succeeded but %s is not what it wrote: %s", i, "/home/alice/.ssh/authorized_keys", st)
			default:
				// Gone already: alice moved it (or the .ssh it is in).
				found := sh(`find /home/alice -type f -exec sha256sum {} + | grep '^` + want + ` ' | while read -r s f; do stat -c '%U %G %a %n' "$f"; done`)
				if found == "" {
					t.Fatalf("run %d succeeded, the path holds %q, and its bytes are nowhere in /home/alice", i, st)
				}
				for _, f := range strings.Split(strings.TrimSpace(found), "\n") {
					if !strings.HasPrefix(f, "alice alice 600 /home/alice/") {
						t.Fatalf("run %d: its bytes are in %s: wrong owner or mode", i, f)
					}
				}
				movedByAlice++
				f := strings.Split(strings.TrimSpace(found), "\n")[0]
				moved = append(moved, elsewhere{i, want, f[strings.Index(f, "/home/"):]})
			}
		}
		sh(`kill -CONT -` + pid)
	}
	elapsed := time.Since(start)
	stopAlice()
	log := sh(`cat /home/alice/loop.log`)
	t.Logf("%d converges in %v: %d succeeded (%d found in place right after, %d moved away by alice meanwhile), %d refused: %v",
		runs, elapsed.Round(time.Millisecond), ok, inPlace, movedByAlice, failed, reasons)
	t.Logf("alice's loop: %d links planted, %d things moved, %d staging directories swapped, %d .ssh swaps",
		strings.Count(log, " planted "), strings.Count(log, " moved "), strings.Count(log, "renamed staging"), strings.Count(log, "swapped .ssh"))
	for m, e := range example {
		t.Logf("refusal %q, e.g.: %s", m, e)
	}
	// Each write found elsewhere was moved by alice: her log names the
	// file she moved (its sha256), or the .ssh directory it was in.
	for _, m := range moved {
		dir := strings.SplitN(strings.TrimPrefix(m.path, "/home/alice/"), "/", 2)[0]
		if !strings.Contains(log, m.sum) && !strings.Contains(log, "moved .ssh to "+dir) {
			t.Errorf("run %d: its bytes are in %s, but alice's log does not say she moved them there", m.run, m.path)
		} else {
			t.Logf("run %d: moved by alice to %s", m.run, m.path)
		}
	}
	if after := sh(snapshotCmd); after != before {
		t.Errorf("root-owned files outside /home/alice changed:\n%s", diffLines(before, after))
	}
	if s := sh(`cat /root/secret`); s != "root secret\n" {
		t.Errorf("/root/secret holds %q", s)
	}
	// The race must have been run: successes and refusals both, and
	// alice busy throughout.
	if ok < runs/20 || failed < runs/20 {
		t.Errorf("%d successes and %d refusals of %d runs: the race did not exercise both", ok, failed, runs)
	}
	if strings.Count(log, " planted ") < runs || strings.Count(log, "swapped .ssh") < 10 {
		t.Errorf("alice's loop did too little: %d links planted, %d .ssh swaps", strings.Count(log, " planted "), strings.Count(log, "swapped .ssh"))
	}
	// No staging directory of converge's is left but those alice renamed
	// (empty: she took them before converge wrote in them).
	if left := sh(`find /home/alice -name '.converge-put-*' -type d ! -empty`); left != "" {
		t.Errorf("staging directories left with files in them:\n%s", left)
	}
}

// diffLines lists the lines only in a and only in b.
func diffLines(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if !mb[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if !ma[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
