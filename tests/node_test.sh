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
# CAREHOST_VALGRIND=1 (scripts/valgrind-run; scripts/test-all's distcheck): the protocol and store
# suites run the daemon under valgrind memcheck (tests/valgrind/carehost), every deadline stretched
# (CAREHOST_TEST_SLOW); the other suites run it as built.
if [ -n "${CAREHOST_VALGRIND:-}" ]; then
  case "$1" in
    */protocol/*.test.cjs | */store/*.test.cjs)
      CAREHOST_REAL_BIN=$CAREHOST_BIN
      CAREHOST_BIN=$CAREHOST_VALGRIND_BIN
      CAREHOST_TEST_SLOW=${CAREHOST_TEST_SLOW:-20}
      export CAREHOST_REAL_BIN CAREHOST_BIN CAREHOST_TEST_SLOW ;;
  esac
fi
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
