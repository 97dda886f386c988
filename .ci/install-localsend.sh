#!/usr/bin/env bash
# Installs the third-party LocalSend implementation the interop tests run
# against: localsend@0.1.2 from npm, with every dependency pinned by
# .ci/localsend/package-lock.json, into .cache/localsend (gitignored).
# Needs Node 20+ and npm (Debian: nodejs npm). Safe to run again: an
# installed copy that matches the lock is kept.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/localsend"
want="0.1.2"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		bash "$root/.ci/apt-install.sh" nodejs npm
	else
		echo "install-localsend: node and npm are needed (Debian: apt-get install nodejs npm)" >&2
		exit 1
	fi
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
	echo "install-localsend: Node $major is too old; localsend@$want needs Node 20 or newer" >&2
	exit 1
fi
have="$(node -p "require('$dest/node_modules/localsend/package.json').version" 2>/dev/null || true)"
if [ "$have" = "$want" ] && cmp -s "$root/.ci/localsend/package-lock.json" "$dest/package-lock.json"; then
	echo "install-localsend: localsend@$want already in $dest"
	exit 0
fi
mkdir -p "$dest"
cp "$root/.ci/localsend/package.json" "$root/.ci/localsend/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error)
node "$dest/node_modules/localsend/dist/cli.js" --help >/dev/null
echo "install-localsend: localsend@$want installed in $dest"
