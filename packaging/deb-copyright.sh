#!/usr/bin/env bash
# Prints /usr/share/doc/lempar/copyright for the Go binaries given: Lempar's
# own notice, then the license of every module linked into them, read from
# the module cache (the build just used those modules, so they are there).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-go}

license="none declared yet"
for f in LICENSE LICENSE.md COPYING; do
	[ -f "$ROOT/$f" ] && license="see below" && break
done
sed "s/@LICENSE@/$license/" "$ROOT/packaging/linux/copyright.head"
[ "$license" = "see below" ] && { echo; cat "$ROOT/$f"; }

rule() { printf '\n%s\n%s\n\n' "------------------------------------------------------------------------" "$1"; }

# license_in DIR prints the first license file found in DIR.
license_in() {
	local f
	for f in LICENSE LICENSE.txt LICENSE.md LICENCE COPYING LICENSE-MIT; do
		[ -f "$1/$f" ] && { cat "$1/$f"; return; }
	done
	echo "(no license file in the module)"
}

goroot=$("$GO" env GOROOT)
rule "Go standard library and runtime ($("$GO" env GOVERSION))"
license_in "$goroot"

modcache=$("$GO" env GOMODCACHE)
# In the module cache an upper-case letter X is stored as !x.
"$GO" version -m "$@" | awk '$1 == "dep" { print $2, $3 }' | sort -u |
	while read -r mod ver; do
		esc=$(printf '%s' "$mod" | sed -E 's/([A-Z])/!\L\1/g')
		rule "$mod $ver"
		license_in "$modcache/$esc@$ver"
	done
