#!/bin/sh
# labsvcd runs, from the config now on disk, and starts at boot.
set -eu
read -r pid greeting < /run/labsvcd.state
kill -0 "$pid"
. /etc/labsvcd.conf
test "$greeting" = "$GREETING"
if [ -d /run/systemd/system ]; then
	systemctl is-active --quiet labsvcd
	test "$(systemctl is-enabled labsvcd)" = enabled
else
	service labsvcd status
	ls /etc/rc2.d/S[0-9][0-9]labsvcd
fi
echo "labsvcd $pid says $greeting"
