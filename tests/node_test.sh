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
exec "$node" --test "$@"
