#!/bin/sh
# make check: carehost.service, as `make install` installs it (into a DESTDIR under tests/tmp), runs the
# installed carehost with the installed config file, and carries every hardening directive README
# "Running as a service" promises. The exposure score is unit_security.test.sh's.
set -eu
build=$(cd "$(dirname "$CAREHOST_BIN")/.." && pwd)
mkdir -p "$CAREHOST_TEST_TMP"
tmp=$(mktemp -d "$CAREHOST_TEST_TMP/service-unit.XXXXXX")
pid=
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

make -s -C "$build" DESTDIR="$tmp/root" install-systemdsystemunitDATA install-dist_sysusersDATA \
    install-binPROGRAMS install-data-local >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "make install"; }
unit=$(find "$tmp/root" -name carehost.service -type f)
case "$unit" in
*/systemd/system/carehost.service) echo "installed: ${unit#"$tmp/root"}" ;;
*) fail "make install did not put carehost.service in a systemd/system folder (found: '$unit')" ;;
esac

# Each directive exactly once, with exactly this value.
for want in \
    'User=carehost' 'Group=carehost' \
    'Restart=on-failure' 'RestartSec=500ms' \
    'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
    'StateDirectory=carehost' 'ReadWritePaths=/var/lib/carehost' \
    'CapabilityBoundingSet=' 'AmbientCapabilities=' \
    'SystemCallFilter=@system-service' 'SystemCallArchitectures=native' \
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
    'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' \
    'ProtectControlGroups=yes' 'ProtectClock=yes' 'LockPersonality=yes' 'MemoryDenyWriteExecute=yes' \
    'RestrictNamespaces=yes' 'RestrictSUIDSGID=yes' 'RestrictRealtime=yes' 'UMask=0077'; do
    key=${want%%=*}
    grep -qx "$want" "$unit" || fail "expected '$want', the unit has '$(grep "^$key=" "$unit")'"
    # SystemCallFilter= comes twice: the allow list, then what is taken out of it (checked below).
    [ "$key" != SystemCallFilter ] || continue
    n=$(grep -c "^$key=" "$unit" || true)
    [ "$n" = 1 ] || fail "$key= appears $n times in the unit, expected once: $want"
done
[ "$(grep -c '^SystemCallFilter=' "$unit")" = 2 ] && grep -qx 'SystemCallFilter=~@privileged @resources' "$unit" ||
    fail "expected SystemCallFilter=@system-service then SystemCallFilter=~@privileged @resources"
# ReadWritePaths is the only way to writable storage: no other writable path, no second copy.
! grep -Eq '^(ReadWriteDirectories|BindPaths|InaccessiblePaths|DynamicUser)=' "$unit" || fail "unexpected path directive"
# RestartSec small enough that the daemon is back within 2 s of a crash.
grep -Eq '^RestartSec=([0-9]{1,3}ms|1s)$' "$unit" || fail "RestartSec must be 1 s or less"

# ExecStart names the installed daemon and the installed config file, and that pair starts.
exec_line=$(sed -n 's/^ExecStart=//p' "$unit")
set -- $exec_line
daemon=$1
[ "$2" = --config ] || fail "ExecStart: expected '$daemon --config FILE', got '$exec_line'"
conf=$3
[ -x "$tmp/root$daemon" ] || fail "ExecStart names $daemon, which make install did not install"
[ -f "$tmp/root$conf" ] || fail "ExecStart's config file $conf was not installed"
grep -qx 'data-dir = /var/lib/carehost' "$tmp/root$conf" || fail "$conf's data-dir is not the unit's StateDirectory"
sysusers=$(find "$tmp/root" -path '*sysusers.d/carehost.conf' -type f)
[ -n "$sysusers" ] && grep -q '^u carehost ' "$sysusers" || fail "sysusers.d/carehost.conf does not make the carehost user"

# The installed daemon reads the installed config file (data-dir and listen overridden: this is a test).
mkdir "$tmp/data"
"$tmp/root$daemon" --config "$tmp/root$conf" --data-dir "$tmp/data" --listen 127.0.0.1:0 \
    --port-file "$tmp/port" --plugins "$tmp" >"$tmp/daemon.log" 2>&1 &
pid=$!
deadline=$(( $(date +%s) + 20 ))
while [ ! -s "$tmp/port" ]; do
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/daemon.log"; fail "the installed daemon exited with the installed config"; }
    [ "$(date +%s)" -lt "$deadline" ] || { cat "$tmp/daemon.log"; fail "the installed daemon did not start listening in 20 s"; }
    sleep 0.1
done
kill -TERM "$pid"
wait "$pid" || fail "the installed daemon did not exit 0 on SIGTERM"
pid=
echo "carehost.service: every directive present; the installed daemon starts with the installed config"
