#!/bin/sh
# make check: host/ keeps its layers and its files stay small (scripts/check-layers),
# and the check itself still catches an include pointing up.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/check-layers" --self-test
"$top/scripts/check-layers" "$top"
