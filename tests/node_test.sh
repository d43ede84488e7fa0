#!/bin/sh
# How make check runs a .cjs test: node's test runner on it ($1 is node, $2 the file).
# CAREHOST_SKIP_BROWSER=1 skips the browser suite (exit 77, automake's SKIP): scripts/test-all
# runs that heavy suite once, in its plain build, not again under the sanitizers or in distcheck.
node=$1
shift
case "$1" in
  */browser/*)
    if [ "${CAREHOST_SKIP_BROWSER:-}" = 1 ]; then
      echo "skipped: CAREHOST_SKIP_BROWSER=1 (scripts/test-all runs the browser suite in its plain build)"
      exit 77
    fi ;;
esac
# A browser test that needs the whole machine (tests/browser/sfu.test.cjs: six Chromium pages with
# video on two cores) runs with no other browser test beside it: it takes the browser lock alone,
# the others share it.
case "$1" in
  */browser/sfu.test.cjs) lock=-x ;;
  */browser/*) lock=-s ;;
  *) lock='' ;;
esac
if [ -n "$lock" ] && command -v flock >/dev/null; then
  dir=${CAREHOST_TEST_TMP:-/tmp}
  mkdir -p "$dir"
  exec flock "$lock" "$dir/browser.lock" "$node" --test "$@"
fi
exec "$node" --test "$@"
