# Shared by the packaging scripts: where things are, which version, and a
# private copy of the source tree for the fyne tool.
# shellcheck shell=bash
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
GO=${GO:-go}
FYNE=${FYNE:?FYNE must name the fyne tool (make installs it into bin/tools)}
DIST=${DIST:-$ROOT/dist}
VERSION=$(tr -d ' \n' <VERSION)
APP_ID=io.lempar.app
LDFLAGS_X="-X=github.com/lempar/lempar/internal/buildinfo.Version=$VERSION"
mkdir -p "$DIST"

case "$VERSION" in
[0-9]*.[0-9]*.[0-9]*) ;;
*) echo "VERSION is '$VERSION': packages need x.y.z (the fyne tool and Windows version info parse it)" >&2; exit 1 ;;
esac

# WORK is removed on exit, whatever happens.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lempar-pkg.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# source_copy copies the tree into $WORK/src and stamps VERSION into its
# FyneApp.toml. The fyne tool rewrites FyneApp.toml (it bumps Build) and drops
# generated files into the source folder while it builds; a copy keeps the
# working tree, where other people edit at the same time, untouched.
source_copy() {
	local src=$WORK/src
	mkdir -p "$src"
	if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# tracked and new-but-not-ignored files that exist: what `go build` sees
		git -C "$ROOT" ls-files -co --exclude-standard |
			while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done |
			tar -cf - -T - | tar -xf - -C "$src"
	else
		tar -cf - --exclude=./.git --exclude=./bin --exclude=./dist . | tar -xf - -C "$src"
	fi
	sed -i -E "s/^([[:space:]]*Version[[:space:]]*=[[:space:]]*).*/\1\"$VERSION\"/" "$src/FyneApp.toml"
	echo "$src"
}

# build_cli GOOS GOARCH OUT builds the headless CLI: no cgo, stripped.
build_cli() {
	CGO_ENABLED=0 GOOS=$1 GOARCH=$2 "$GO" build -trimpath \
		-ldflags "-s -w $LDFLAGS_X" -o "$3" ./cmd/lempar-cli
}

# install_icons PREFIX installs the hicolor icon theme files under PREFIX/share.
install_icons() {
	local prefix=$1 png size
	for png in assets/icons/lempar-*.png; do
		size=${png##*-}
		size=${size%.png}
		install -Dm0644 "$png" "$prefix/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
	done
	install -Dm0644 assets/icon.svg "$prefix/share/icons/hicolor/scalable/apps/$APP_ID.svg"
}
