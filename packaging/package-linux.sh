#!/usr/bin/env bash
# make package-linux: dist/lempar-VERSION-linux-ARCH.tar.xz (unpack, then
# `sudo make install` or `make user-install`) and dist/lempar_VERSION_ARCH.deb.
source "$(dirname "$0")/lib.sh"

ARCH=$("$GO" env GOARCH)
NAME=lempar-$VERSION-linux-$ARCH
DEB=lempar_${VERSION}_$ARCH.deb
# Archive entries carry the last commit's time, so the same commit packs the same.
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

echo "package-linux: building lempar $VERSION ($ARCH)"
src=$(source_copy)
# The fyne tool injects the app's metadata (ID, icon, version, fyneDo
# migration), strips, and adds hardening flags; it passes -ldflags from GOFLAGS.
(cd "$src" && GOFLAGS="${GOFLAGS:-} -ldflags=$LDFLAGS_X" "$FYNE" build --release -o "$WORK/lempar")
build_cli linux "$ARCH" "$WORK/lempar-cli"
got=$("$WORK/lempar-cli" --version)
case "$got" in *"$VERSION"*) ;; *) echo "lempar-cli --version says '$got', expected $VERSION" >&2; exit 1 ;; esac

# stage PREFIX lays out bin/, the desktop entry and the icons under PREFIX.
stage() {
	install -Dm0755 "$WORK/lempar" "$1/bin/lempar"
	install -Dm0755 "$WORK/lempar-cli" "$1/bin/lempar-cli"
	install -Dm0644 packaging/linux/$APP_ID.desktop "$1/share/applications/$APP_ID.desktop"
	install_icons "$1"
}

# tar.xz, laid out like `fyne package` output: usr/local/… plus an install Makefile.
tree=$WORK/tar/$NAME
stage "$tree/usr/local"
install -m0644 packaging/linux/Makefile "$tree/Makefile"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" \
	-C "$WORK/tar" -cJf "$DIST/$NAME.tar.xz" "$NAME"
echo "package-linux: $DIST/$NAME.tar.xz"

# .deb from a staged tree.
deb=$WORK/deb
stage "$deb/usr"
doc=$deb/usr/share/doc/lempar
mkdir -p "$doc" "$deb/DEBIAN"
bash packaging/deb-copyright.sh "$WORK/lempar" "$WORK/lempar-cli" >"$doc/copyright"
depends=$(bash packaging/deb-depends.sh "$WORK/lempar" "$WORK/lempar-cli")
size=$(du -sk --apparent-size "$deb/usr" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
	packaging/linux/control.in >"$deb/DEBIAN/control"
(cd "$deb" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$deb/DEBIAN/md5sums"
find "$deb" -exec touch -h -d "@$EPOCH" {} +
chmod -R u+rwX,go+rX,go-w "$deb"
SOURCE_DATE_EPOCH=$EPOCH dpkg-deb --root-owner-group -Zxz --build "$deb" "$DIST/$DEB" >/dev/null
echo "package-linux: $DIST/$DEB (Depends: $depends)"
