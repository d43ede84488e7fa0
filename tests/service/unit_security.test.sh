#!/bin/sh
# make check: systemd's own parser accepts every line of carehost.service (as built for `make install`):
# no unknown key, no value it ignores; and `systemd-analyze security` rates it under 2.0, the figure
# README "Running as a service" states. Skipped (77) where systemd-analyze is missing or too
# old for --offline (systemd 250; Debian 12 has 252).
set -eu
build=$(cd "$(dirname "$CAREHOST_BIN")/.." && pwd)
unit="$build/dist/systemd/carehost.service"
command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: no systemd-analyze (apt-get install systemd)"; exit 77; }
[ -f "$unit" ] || { echo "FAIL: $unit was not built"; exit 1; }
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || true
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for carehost.service: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
    printf '%s\n' "$out" | tail -5
    echo "SKIP: this systemd-analyze cannot assess a unit file offline"
    exit 77
fi
if printf '%s\n' "$out" | grep -E 'ignoring|Unknown (key|section)|Failed to parse'; then
    echo "FAIL: systemd does not accept every line of the unit (above)"
    exit 1
fi
printf '%s\n' "$out" | grep '✗' || true
echo "exposure: $score"
awk -v s="$score" 'BEGIN { exit !(s < 2.0) }' || { echo "FAIL: exposure $score is not under 2.0"; exit 1; }
