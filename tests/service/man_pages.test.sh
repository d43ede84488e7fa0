#!/bin/sh
# make check: the man pages cannot drift from the programs. Every option `carehost --help` lists, and
# every key of host/config.c's table, is in carehost(8); every command, action and option of carehostctl (its --help, each command's --help and
# each action's --help) is in carehostctl(8).
set -eu
build=$(cd "$(dirname "$CAREHOST_BIN")/.." && pwd)
missing=0

# The page as text: roff's \- is a hyphen, font changes (\fB \fI \fR \fP) and quotes go.
page_text() {
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/"//g' "$1"
}
# An option is named when "--name" appears not followed by more of a name (--plugins is not --plugins-web).
has_option() {
    grep -Eq -- "$1([^a-z0-9-]|\$)" "$2"
}
check_options() { # PAGE TEXT-OF-HELP WHAT
    for opt in $(printf '%s\n' "$2" | grep -Eo -- '(^|[^a-z0-9-])--[a-z][a-z0-9-]*' | grep -Eo -- '--[a-z0-9-]+' | sort -u); do
        has_option "$opt" "$1" || { echo "missing from $(basename "$1" .txt): $opt ($3)"; missing=$((missing + 1)); }
    done
}

for p in carehost carehostctl; do
    [ -f "$build/man/$p.8" ] || { echo "FAIL: man/$p.8 was not built"; exit 1; }
done
tmp=$(mktemp -d "${CAREHOST_TEST_TMP:-/tmp}/man-pages.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
page_text "$build/man/carehost.8" >"$tmp/carehost.txt"
page_text "$build/man/carehostctl.8" >"$tmp/carehostctl.txt"

help=$("$CAREHOST_BIN" --help)
n=$(printf '%s\n' "$help" | grep -c -- '^  --')
[ "$n" -ge 30 ] || { echo "FAIL: carehost --help listed only $n options"; exit 1; }
check_options "$tmp/carehost.txt" "$help" "carehost --help"
# And every key of host/config.c's table (the file's keys and the options), should --help ever hide one.
top=$(cd "$(dirname "$0")/../.." && pwd)
keys=$(sed -n 's/^ *{"\([a-z][a-z0-9-]*\)", K_[A-Z]*,.*/--\1/p' "$top/host/config.c")
[ "$(printf '%s\n' "$keys" | wc -l)" -ge 30 ] || { echo "FAIL: found too few keys in host/config.c"; exit 1; }
check_options "$tmp/carehost.txt" "$keys" "host/config.c"

ctl=$CAREHOSTCTL_BIN
check_options "$tmp/carehostctl.txt" "$("$ctl" --help)" "carehostctl --help"
# The commands: the first word of each line under "Commands:".
commands=$("$ctl" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z]*\).*/\1/p' | sort -u)
[ "$(printf '%s\n' "$commands" | wc -l)" -ge 9 ] || { echo "FAIL: carehostctl --help listed too few commands"; exit 1; }
for cmd in $commands; do
    chelp=$("$ctl" "$cmd" --help 2>&1)
    check_options "$tmp/carehostctl.txt" "$chelp" "carehostctl $cmd --help"
    # Its actions, from its usage lines: "carehostctl CMD ACTION ...".
    actions=$(printf '%s\n' "$chelp" | sed -n "s/.*carehostctl $cmd \([a-z][a-z]*\).*/\1/p" | sort -u)
    if [ -z "$actions" ]; then
        grep -Eq "^\\.B[I]? \"?$cmd( |\"|\$)" "$build/man/carehostctl.8" ||
            { echo "missing from carehostctl.8: the command $cmd"; missing=$((missing + 1)); }
        continue
    fi
    for action in $actions; do
        grep -Eq "^\\.B[I]? \"?$cmd $action( |\"|\$)" "$build/man/carehostctl.8" ||
            { echo "missing from carehostctl.8: the command $cmd $action"; missing=$((missing + 1)); }
        check_options "$tmp/carehostctl.txt" "$("$ctl" "$cmd" "$action" --help 2>&1)" "carehostctl $cmd $action --help"
    done
done

if [ "$missing" -ne 0 ]; then
    echo "FAIL: $missing name(s) missing from the man pages (man/*.8.in)"
    exit 1
fi
echo "carehost.8 and carehostctl.8 name every option, command and action their programs' --help lists"
