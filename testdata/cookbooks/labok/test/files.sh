#!/bin/sh
# What the recipe declared is on the node, as declared.
set -eu
test "$(cat /srv/labok/motd)" = "hello from $CONVERGE_NODE"
test "$(stat -c %a /srv/labok/secret)" = 600
test "$(readlink /srv/labok/current)" = /srv/labok/motd
test "$(cat /srv/labok/converged-on)" = "$(hostname)"
echo "labok: files as declared on $CONVERGE_NODE"
