#!/usr/bin/env bash
# make release (after package-linux and package-windows): lempar-cli for
# every OS it ships on, the winget manifests (dist/winget, for
# winget-pkgs), then dist/SHA256SUMS over every file in dist/.
# The macOS app itself is built on a Mac (README, "Install on macOS").
source "$(dirname "$0")/lib.sh"

EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64; do
	os=${target%/*} arch=${target#*/}
	name=lempar-cli-$VERSION-$os-$arch
	dir=$WORK/cli/$name
	exe=lempar-cli
	[ "$os" = windows ] && exe=lempar-cli.exe
	build_cli "$os" "$arch" "$dir/$exe"
	find "$dir" -exec touch -h -d "@$EPOCH" {} +
	if [ "$os" = windows ]; then
		rm -f "$DIST/$name.zip"
		(cd "$WORK/cli" && zip -qrX "$DIST/$name.zip" "$name")
	else
		tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" \
			-C "$WORK/cli" -czf "$DIST/$name.tar.gz" "$name"
	fi
	echo "release: $DIST/$name"
done

# winget manifests for this version's installer (WINGET_URL: where it will be)
rm -rf "$DIST/winget"
bash packaging/windows/winget.sh "$DIST/winget" "$DIST/lempar-$VERSION-windows-amd64-setup.exe"

# Only this version's files: dist/ may still hold an older release.
(
	cd "$DIST"
	find . -maxdepth 1 -type f \( -name "lempar-$VERSION-*" -o -name "lempar-cli-$VERSION-*" -o -name "lempar_${VERSION}_*" \) \
		-printf '%f\n' | sort | xargs sha256sum >SHA256SUMS
)
echo "release: $DIST/SHA256SUMS"
cat "$DIST/SHA256SUMS"
