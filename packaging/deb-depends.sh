#!/usr/bin/env bash
# Prints the Debian Depends line for the ELF binaries given as arguments.
#
# dpkg-shlibdeps covers the libraries a binary links (NEEDED) with the
# version bounds their packages declare. GLFW, inside Fyne, opens more X11
# libraries at run time with dlopen (libXcursor, libXrandr, libXinerama,
# libXi, libXxf86vm): no tool sees those, so the ones the X11 window needs
# are looked up by name, when the binary names them, and their packages
# added. The other sonames GLFW tries (EGL, Vulkan, OSMesa, Wayland) are
# optional and stay out.
DLOPENED="libXcursor.so.1 libXrandr.so.2 libXinerama.so.1 libXi.so.6 libXxf86vm.so.1"
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bins=()
for b in "$@"; do bins+=("$(realpath "$b")"); done

# dpkg-shlibdeps wants a source package around the binaries.
mkdir -p "$work/debian"
printf 'Source: lempar\n\nPackage: lempar\nArchitecture: any\n' >"$work/debian/control"
(cd "$work" && dpkg-shlibdeps -O -e"${bins[@]}" 2>"$work/warn") |
	sed -n 's/^shlibs:Depends=//p' | tr ',' '\n' | sed 's/^ *//' >"$work/deps"
if [ ! -s "$work/deps" ]; then
	cat "$work/warn" >&2
	echo "dpkg-shlibdeps found no dependencies: are these dynamically linked?" >&2
	exit 1
fi

arch_tag=$(dpkg --print-architecture)
case "$arch_tag" in amd64) ldtag='x86-64' ;; arm64) ldtag='AArch64' ;; *) ldtag='' ;; esac
strings -n 8 "${bins[@]}" | sort -u >"$work/strings"
for so in $DLOPENED; do
	grep -qxF "$so" "$work/strings" || continue # not a GUI binary
	path=$(ldconfig -p | awk -v so="$so" -v tag="$ldtag" '$1 == so && index($0, tag) { print $NF; exit }')
	[ -n "$path" ] || { echo "$so is not installed here, so its package is unknown (make deps-package)" >&2; exit 1; }
	pkg=""
	for p in "$path" "$(realpath "$path")" "/usr$path" "${path#/usr}"; do
		pkg=$(dpkg -S "$p" 2>/dev/null | head -n1 | cut -d: -f1) && [ -n "$pkg" ] && break
	done
	[ -n "$pkg" ] || { echo "no Debian package owns $path ($so)" >&2; exit 1; }
	echo "$pkg" >>"$work/deps"
done

# One entry per package; a versioned entry wins over a bare one.
awk '{ name = $1 } !(name in seen) || NF > 1 { seen[name] = $0 } END { for (n in seen) print seen[n] }' "$work/deps" |
	sort | paste -sd, - | sed 's/,/, /g'
