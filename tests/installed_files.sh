#!/bin/sh
# make check: every file the browser or a plugin loads (web/; under plugins/: panels, templates, skills,
# the diary card -- every .js, .css, .html, .svg and .json) is named in Makefile.am, so `make install`
# and the release tarball carry it. A file left out works in the source tree and breaks the installed
# clinic (a panel importing a module that is not there).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
missing=0
for f in $(cd "$top" && find web plugins -type f \( -name '*.js' -o -name '*.css' \
    -o -name '*.html' -o -name '*.svg' -o -name '*.json' \) | sort); do
    if ! grep -q "[[:space:]=]$f\([[:space:]\\\\]\|$\)" "$top/Makefile.am"; then
        echo "not installed (add it to Makefile.am): $f"
        missing=$((missing + 1))
    fi
done
if [ "$missing" -ne 0 ]; then
    echo "$missing file(s) of the client are not installed"
    exit 1
fi
echo "every client file is installed"
