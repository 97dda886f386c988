#!/usr/bin/env bash
# make package-windows: cross-compiles lempar.exe (GUI subsystem, icon,
# manifest and version info embedded by `fyne package`) and lempar-cli.exe
# with Debian's mingw-w64, and zips both: dist/lempar-VERSION-windows-amd64.zip.
# From the same two programs, Debian's NSIS builds the installer
# dist/lempar-VERSION-windows-amd64-setup.exe (packaging/windows/lempar.nsi).
source "$(dirname "$0")/lib.sh"

CC_WIN=${CC_WIN:-x86_64-w64-mingw32-gcc}
command -v "$CC_WIN" >/dev/null || { echo "$CC_WIN not found: install gcc-mingw-w64-x86-64 (make deps-package)" >&2; exit 1; }
for tool in makensis icotool; do
	command -v "$tool" >/dev/null || { echo "$tool not found: install nsis and icoutils (make deps-package)" >&2; exit 1; }
done
NAME=lempar-$VERSION-windows-amd64
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

echo "package-windows: building lempar $VERSION (windows/amd64)"
src=$(source_copy)
# `fyne package` builds once to have an executable, then again with the
# resources linked in; an existing --exe skips the first, useless build.
(
	cd "$src"
	: >lempar.exe
	GOFLAGS="${GOFLAGS:-} -ldflags=$LDFLAGS_X" CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC="$CC_WIN" \
		"$FYNE" package -os windows --release --exe lempar.exe
)
out=$WORK/zip/$NAME
mkdir -p "$out"
mv "$src/Lempar.exe" "$out/lempar.exe"
build_cli windows amd64 "$out/lempar-cli.exe"

find "$WORK/zip" -exec touch -h -d "@$EPOCH" {} +
rm -f "$DIST/$NAME.zip"
(cd "$WORK/zip" && zip -qrX "$DIST/$NAME.zip" "$NAME")
echo "package-windows: $DIST/$NAME.zip"

# The installer: the zip's two programs, the icon in .ico form, and the
# firewall rules' include, written by a program whose output is unit-tested.
nsis=$WORK/nsis
mkdir -p "$nsis"
cp "$out/lempar.exe" "$out/lempar-cli.exe" "$nsis/"
icotool -c -o "$nsis/lempar.ico" assets/icons/lempar-{16,24,32,48,64,128}.png -r assets/icons/lempar-256.png
"$GO" run ./packaging/windows/firewall -o "$nsis/firewall.nsh"
SETUP=$DIST/$NAME-setup.exe
rm -f "$SETUP"
# -WX: a warning (a string missing in one language, say) fails the build
makensis -WX -V2 -DVERSION="$VERSION" -DSRC="$nsis" -DOUTFILE="$SETUP" packaging/windows/lempar.nsi
echo "package-windows: $SETUP"
