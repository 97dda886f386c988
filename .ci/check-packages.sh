#!/usr/bin/env bash
# make check-packages: builds the Linux packages, the Windows zip and
# installer, looks inside them (binaries, desktop entry, icons, version,
# dependencies), tries the tarball's install Makefile in a scratch folder,
# installs the .deb with apt (as root), runs the installed lempar-cli, and
# removes the package; runs the Windows installer under Wine
# (.ci/check-windows-installer.sh) and validates the winget manifests.
# Every check prints ok/FAIL; the last line counts them.
set -uo pipefail
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
VERSION=$(tr -d ' \n' <VERSION)
ARCH=$(${GO:-go} env GOARCH)
TGZ=dist/lempar-$VERSION-linux-$ARCH.tar.xz
DEB=dist/lempar_${VERSION}_$ARCH.deb
ZIP=dist/lempar-$VERSION-windows-amd64.zip
SETUP=dist/lempar-$VERSION-windows-amd64-setup.exe
APP_ID=io.lempar.app
SIZES="16 24 32 48 64 128 256 512"
# What the GUI needs at run time: linked (libc6, libgl1, libx11-6) or opened
# by GLFW with dlopen (the rest).
DEPENDS="libc6 libgl1 libx11-6 libxcursor1 libxrandr2 libxinerama1 libxi6 libxxf86vm1"

source .ci/checks.sh
has_line() { grep -qxF -- "$1" "$2"; }
start=$SECONDS
phase() { echo "--- $1 ($((SECONDS - start)) s)"; }

work=$(mktemp -d)
installed_here=""
cleanup() {
	if [ -n "$installed_here" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq lempar >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

phase "identity"
toml_version=$(sed -n -E 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"([^"]*)".*/\1/p' FyneApp.toml)
check "FyneApp.toml Version ($toml_version) is VERSION ($VERSION); make version-sync fixes it" test "$toml_version" = "$VERSION"
check "FyneApp.toml names the app ID $APP_ID" grep -q "ID = \"$APP_ID\"" FyneApp.toml
for s in $SIZES; do
	check "assets/icons/lempar-$s.png is a ${s}x$s PNG" bash -c "file -b assets/icons/lempar-$s.png | grep -q 'PNG image data, $s x $s'"
done

phase "build: make package-linux package-windows"
t0=$SECONDS
if ! $MAKE --no-print-directory package-linux package-windows; then
	bad "building the packages"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "built in $((SECONDS - t0)) s"

phase "Linux tar.xz"
check "$TGZ exists" test -s "$TGZ"
tar -tJf "$TGZ" >"$work/tar.list"
top=lempar-$VERSION-linux-$ARCH
for f in Makefile usr/local/bin/lempar usr/local/bin/lempar-cli usr/local/share/applications/$APP_ID.desktop \
	usr/local/share/icons/hicolor/scalable/apps/$APP_ID.svg; do
	check "tar.xz holds $f" has_line "$top/$f" "$work/tar.list"
done
for s in $SIZES; do
	check "tar.xz holds the ${s}x$s icon" has_line "$top/usr/local/share/icons/hicolor/${s}x$s/apps/$APP_ID.png" "$work/tar.list"
done
mkdir -p "$work/tar" && tar -xJf "$TGZ" -C "$work/tar"
t=$work/tar/$top
check "tar.xz lempar is an x86-64 ELF program" bash -c "file -b '$t/usr/local/bin/lempar' | grep -q 'ELF 64-bit LSB.*x86-64'"
check "tar.xz lempar-cli is statically linked" bash -c "file -b '$t/usr/local/bin/lempar-cli' | grep -q 'statically linked'"
check "tar.xz lempar-cli --version says $VERSION" bash -c "'$t/usr/local/bin/lempar-cli' --version | grep -qF '$VERSION'"
check "tar.xz desktop entry passes desktop-file-validate" desktop-file-validate "$t/usr/local/share/applications/$APP_ID.desktop"
check "tar.xz Makefile: install into a scratch root" \
	make -s -C "$t" install DESTDIR="$work/root" PREFIX=/usr/local
check "tar.xz Makefile: installed app, CLI, entry and icon" test -x "$work/root/usr/local/bin/lempar" -a -x "$work/root/usr/local/bin/lempar-cli" \
	-a -f "$work/root/usr/local/share/applications/$APP_ID.desktop" -a -f "$work/root/usr/local/share/icons/hicolor/48x48/apps/$APP_ID.png"
# (the menu's cache, refreshed on the way out, stays like every other app's)
check "tar.xz Makefile: uninstall leaves no file of Lempar's behind" bash -c \
	"make -s -C '$t' uninstall DESTDIR='$work/root' PREFIX=/usr/local && test -z \"\$(find '$work/root' -type f ! -name mimeinfo.cache)\""
check "tar.xz Makefile: user-install points the entry at ~/.local/bin" bash -c \
	"make -s -C '$t' user-install HOME='$work/home' && grep -qx 'Exec=$work/home/.local/bin/lempar' '$work/home/.local/share/applications/$APP_ID.desktop'"

phase "Debian package"
check "$DEB exists" test -s "$DEB"
check "deb Package is lempar" test "$(dpkg-deb -f "$DEB" Package)" = lempar
check "deb Version is $VERSION" test "$(dpkg-deb -f "$DEB" Version)" = "$VERSION"
check "deb Architecture is $ARCH" test "$(dpkg-deb -f "$DEB" Architecture)" = "$ARCH"
deps=$(dpkg-deb -f "$DEB" Depends)
echo "      Depends: $deps"
for d in $DEPENDS; do
	check "deb depends on $d" bash -c "tr ',' '\n' <<<'$deps' | sed 's/^ *//; s/ .*//' | grep -qx '$d'"
done
dpkg-deb -c "$DEB" | awk '{ print $NF }' | sed 's,^\./,/,' >"$work/deb.list"
for f in /usr/bin/lempar /usr/bin/lempar-cli /usr/share/applications/$APP_ID.desktop \
	/usr/share/icons/hicolor/scalable/apps/$APP_ID.svg /usr/share/doc/lempar/copyright; do
	check "deb holds $f" has_line "$f" "$work/deb.list"
done
for s in $SIZES; do
	check "deb holds the ${s}x$s icon" has_line "/usr/share/icons/hicolor/${s}x$s/apps/$APP_ID.png" "$work/deb.list"
done
dpkg-deb -x "$DEB" "$work/deb"
check "deb desktop entry passes desktop-file-validate" desktop-file-validate "$work/deb/usr/share/applications/$APP_ID.desktop"
check "deb lempar (the GUI) holds the string $VERSION" grep -qaF "$VERSION" "$work/deb/usr/bin/lempar"
check "deb lempar is a release build with the fyneDo migration" bash -c "${GO:-go} version -m '$work/deb/usr/bin/lempar' | grep -q 'tags=release,migrated_fynedo'"
check "deb copyright lists the Go modules' licenses" grep -q '^fyne.io/fyne/v2 ' "$work/deb/usr/share/doc/lempar/copyright"
# every library the GUI links comes from a package it depends on
libs_ok() {
	local so path pkg rc=0
	for so in $(objdump -p "$work/deb/usr/bin/lempar" | awk '$1 == "NEEDED" { print $2 }'); do
		path=$(ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
		pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "/usr$path" 2>/dev/null || dpkg -S "$(realpath "$path")" 2>/dev/null)
		pkg=${pkg%%:*}
		if ! tr ',' '\n' <<<"$deps" | sed 's/^ *//; s/ .*//' | grep -qx "$pkg"; then
			echo "$so (from ${pkg:-no package}) is not covered by Depends"
			rc=1
		fi
	done
	return $rc
}
check "deb Depends covers every NEEDED library of lempar" libs_ok

# gui_starts EXE: the app opens a window whose class matches the desktop
# entry's StartupWMClass, under Xvfb, inside a network namespace of its own
# (it announces itself with mDNS), with a scratch home and config.
gui_starts() {
	local home=$work/guihome
	mkdir -p "$home"
	HOME=$home XDG_CONFIG_HOME=$home/.config LEMPAR_CONFIG_DIR=$home/lempar LANG=en_US.UTF-8 \
		timeout 120 bash .ci/in-netns.sh xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
		"$1" >"$0" 2>&1 &
		pid=$!
		for _ in $(seq 1 150); do
			if xwininfo -root -tree 2>/dev/null | grep -q "(\"[^\"]*\" \"Lempar\")"; then
				kill $pid; wait $pid 2>/dev/null; exit 0
			fi
			kill -0 $pid 2>/dev/null || { echo "lempar exited:"; cat "$0"; exit 1; }
			sleep 0.2 # polling for the window, 30 s at most
		done
		echo "no Lempar window after 30 s:"; xwininfo -root -tree; cat "$0"; kill $pid; exit 1' "$work/gui.log" "$1"
}

phase "install the .deb"
if [ "$(id -u)" -ne 0 ]; then
	echo "      skipped: installing the .deb needs root"
else
	dpkg-query -W -f='${Status}' lempar 2>/dev/null | grep -q "install ok installed" || installed_here=1
	check "apt-get install ./$DEB" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$DEB"
	check "installed lempar-cli --version says $VERSION" bash -c "/usr/bin/lempar-cli --version | grep -qF '$VERSION'"
	check "installed lempar finds every library (ldd)" bash -c "! ldd /usr/bin/lempar | grep -q 'not found'"
	check "installed desktop entry is valid" desktop-file-validate /usr/share/applications/$APP_ID.desktop
	check "installed lempar opens its window (Xvfb, own network namespace), WM class Lempar" gui_starts /usr/bin/lempar
	check "dpkg knows the installed files" bash -c "dpkg -L lempar | grep -qx /usr/share/icons/hicolor/256x256/apps/$APP_ID.png"
	if [ -n "$installed_here" ]; then
		check "apt-get remove lempar" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq lempar
		check "removal took the program away" test ! -e /usr/bin/lempar-cli -a ! -e /usr/bin/lempar
		installed_here=""
	else
		echo "      lempar was installed before this check; left installed (now $VERSION)"
	fi
fi

phase "Windows zip"
check "$ZIP exists" test -s "$ZIP"
wtop=lempar-$VERSION-windows-amd64
unzip -Z1 "$ZIP" >"$work/zip.list" 2>/dev/null
check "zip holds lempar.exe" has_line "$wtop/lempar.exe" "$work/zip.list"
check "zip holds lempar-cli.exe" has_line "$wtop/lempar-cli.exe" "$work/zip.list"
unzip -q "$ZIP" -d "$work/zip"
w=$work/zip/$wtop
check "lempar.exe is a Windows GUI program" bash -c "file -b '$w/lempar.exe' | grep -q 'PE32+ executable (GUI) x86-64'"
check "lempar-cli.exe is a Windows console program" bash -c "file -b '$w/lempar-cli.exe' | grep -q 'PE32+ executable (console) x86-64'"
wrestool -l "$w/lempar.exe" >"$work/res" 2>&1
check "lempar.exe embeds an icon" grep -q -- '--type=14 ' "$work/res"
check "lempar.exe embeds version info" grep -q -- '--type=16 ' "$work/res"
check "lempar.exe embeds a manifest" grep -q -- '--type=24 ' "$work/res"
wrestool -x --raw --type=16 "$w/lempar.exe" 2>/dev/null | strings -el >"$work/verinfo"
check "lempar.exe version info says $VERSION" grep -q "^$VERSION" "$work/verinfo"
check "lempar.exe version info names Lempar" grep -qx Lempar "$work/verinfo"
# -trimpath keeps -ldflags out of `go version -m`, and there is no Windows
# here to run them: the Linux CLI, built the same way, was run above.
check "lempar-cli.exe holds the string $VERSION" grep -qaF "$VERSION" "$w/lempar-cli.exe"

phase "Windows installer"
check "$SETUP exists" test -s "$SETUP"
check "setup is a 64-bit Windows GUI program" bash -c "file -b '$SETUP' | grep -q 'PE32+ executable (GUI) x86-64'"
wrestool -l "$SETUP" >"$work/setup-res" 2>&1
check "setup embeds an icon" grep -q -- '--type=14 ' "$work/setup-res"
wrestool -x --raw --type=16 "$SETUP" 2>/dev/null | strings -el >"$work/setup-verinfo"
check "setup version info says $VERSION" grep -qxF "$VERSION" "$work/setup-verinfo"
check "setup version info names Lempar" grep -qxF Lempar "$work/setup-verinfo"
# tally LOG: counts the ok/FAIL lines another checker printed into LOG.
tally() {
	passed=$((passed + $(grep -c '^ok ' "$1")))
	failed=$((failed + $(grep -c '^FAIL ' "$1")))
}
# Under Wine, in a network namespace of its own.
t0=$SECONDS
bash .ci/in-netns.sh bash .ci/check-windows-installer.sh "$SETUP" "$VERSION" 2>&1 | tee "$work/wine.log"
tally "$work/wine.log"
grep -q '^[0-9]* passed, 0 failed$' "$work/wine.log" || bad "the Windows installer checks under Wine ran to the end"
echo "      Wine checks took $((SECONDS - t0)) s"

phase "winget manifests"
url="https://example.org/lempar/v$VERSION/lempar-$VERSION-windows-amd64-setup.exe"
if WINGET_URL='https://example.org/lempar/v{version}/lempar-{version}-windows-amd64-setup.exe' \
	bash packaging/windows/winget.sh "$work/winget" "$SETUP" >/dev/null; then
	# Debian's python3 with python3-jsonschema and python3-yaml (APT_PACKAGE)
	/usr/bin/python3 packaging/windows/winget-check.py "$work/winget/manifests/l/Lempar/Lempar/$VERSION" "$SETUP" "$url" \
		>"$work/winget.log" 2>&1
	cat "$work/winget.log"
	tally "$work/winget.log"
	grep -q '^ok    winget: the set is' "$work/winget.log" || bad "winget-check.py ran to the end"
else
	bad "packaging/windows/winget.sh writes the manifests"
fi

echo "--- check-packages took $((SECONDS - start)) s"
echo "check-packages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
