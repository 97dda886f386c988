#!/usr/bin/env bash
# The Windows installer under Wine (Debian's wine64, headless): run by
# .ci/check-packages.sh inside a network namespace of its own, so nothing
# Windows does here reaches a network.
#   check-windows-installer.sh SETUP.exe VERSION
# In a scratch Wine prefix: path.nsh's PATH editing on its own cases; then,
# with a settings file, a received file and a PATH planted, a silent
# per-user install with /CURRENTUSER /PATH; an install while lempar-cli.exe
# runs (refused, nothing replaced); an upgrade in place with /DESKTOP over a
# damaged lempar-cli.exe, with no switch (an elevated setup upgrades the
# per-user install it finds); the silent uninstall; an all-users install
# with no switch (Wine counts as administrator, and an elevated setup
# installs for everyone; in Indonesian) and its uninstall, the firewall
# commands seen through a netsh.exe stand-in.
# Prints ok/FAIL per check and "N passed, M failed" last.
set -uo pipefail
SETUP=$(realpath "$1")
VERSION=$2
cd "$(dirname "$0")/.."

source .ci/checks.sh
start=$SECONDS

# no Mono or Gecko download prompts; our netsh.exe stand-in, not Wine's
export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;netsh.exe=n"
unset DISPLAY # no window: a silent installer needs none
WINEPREFIX=$(mktemp -d "${TMPDIR:-/tmp}/lempar-wine.XXXXXX")
trap 'wineserver -k 2>/dev/null; rm -rf "$WINEPREFIX"' EXIT
ip link set lo up 2>/dev/null || true

if ! wineboot -i >"$WINEPREFIX/boot.log" 2>&1 || ! wineserver -w; then
	bad "wineboot (a new Wine prefix)"
	cat "$WINEPREFIX/boot.log"
	echo "$passed passed, $failed failed"
	exit 1
fi
echo "      wineboot took $((SECONDS - start)) s"
# Go programs need ProcessPrng, which Wine 8.0 lacks (see the source)
sys32=$WINEPREFIX/drive_c/windows/system32
x86_64-w64-mingw32-gcc -O2 -shared -s -o "$sys32/bcryptprimitives.dll" .ci/wine/bcryptprimitives.c -ladvapi32 ||
	bad "building the bcryptprimitives.dll stand-in"
# netsh.exe writes what it was asked into C:\netsh.log (see the source)
x86_64-w64-mingw32-gcc -O2 -s -o "$sys32/netsh.exe" .ci/wine/netsh.c || bad "building the netsh.exe stand-in"
netshlog=$WINEPREFIX/drive_c/netsh.log

user=$(ls "$WINEPREFIX/drive_c/users" | grep -vx Public | head -1)
home=$WINEPREFIX/drive_c/users/$user
winhome='C:\users\'$user
dir=$home/AppData/Local/Programs/Lempar
windir=$winhome'\AppData\Local\Programs\Lempar'
menu=$home/AppData/Roaming/Microsoft/Windows/Start\ Menu/Programs/Lempar.lnk
desktop=$home/Desktop/Lempar.lnk
KEY='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Lempar'

# regval KEY NAME: the value's data ("" if absent)
regval() {
	wine reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' |
		awk -v n="$2" '$1 == n { sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]+/, ""); print; exit }'
}
no_key() { ! wine reg query "$1" >/dev/null 2>&1; }
# Wine hands a Windows exit code to Linux as an exit status: modulo 256
WIN1638=$((1638 % 256))
is() { [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }; }

# path.nsh's PATH editing on its own, case by case (packaging/windows/test)
if makensis -V1 -DOUTFILE="$WINEPREFIX/path-test.exe" -DPATHNSH="$PWD/packaging/windows/path.nsh" \
	packaging/windows/test/path-test.nsi >"$WINEPREFIX/path-test.build" 2>&1; then
	wine "$WINEPREFIX/path-test.exe"
	check "PATH editing: every case of packaging/windows/test/path-test.want" \
		diff <(tr -d '\r' <"$WINEPREFIX/drive_c/path-test.log" 2>&1) packaging/windows/test/path-test.want
else
	bad "makensis packaging/windows/test/path-test.nsi"
	sed 's/^/      /' "$WINEPREFIX/path-test.build" | tail -10
fi

# What the person had before: settings, a received file, a PATH of their own.
mkdir -p "$home/AppData/Roaming/lempar" "$home/Lempar"
echo '{"deviceName":"Planted"}' >"$home/AppData/Roaming/lempar/settings.json"
echo 'received' >"$home/Lempar/photo.txt"
user_path='C:\Tools;%USERPROFILE%\bin'
wine reg add 'HKCU\Environment' /v Path /t REG_EXPAND_SZ /d "$user_path" /f >/dev/null 2>&1

# --- first install: silent, per user (asked for: Wine is administrator), lempar-cli on PATH
t=$SECONDS
check "setup /S /CURRENTUSER /PATH exits 0" env LC_ALL=en_US.UTF-8 wine "$SETUP" /S /CURRENTUSER /PATH
echo "      install took $((SECONDS - t)) s"
for f in lempar.exe lempar-cli.exe uninstall.exe; do
	check "installed $f under %LOCALAPPDATA%\\Programs\\Lempar" test -s "$dir/$f"
done
check "Start menu shortcut exists" test -s "$menu"
check "no desktop shortcut unless asked for" test ! -e "$desktop"
check "uninstall entry: DisplayName Lempar" is "$(regval "$KEY" DisplayName)" Lempar
check "uninstall entry: DisplayVersion $VERSION" is "$(regval "$KEY" DisplayVersion)" "$VERSION"
check "uninstall entry: Publisher" is "$(regval "$KEY" Publisher)" "The Lempar authors"
check "uninstall entry: InstallLocation" is "$(regval "$KEY" InstallLocation)" "$windir"
check "uninstall entry: DisplayIcon" is "$(regval "$KEY" DisplayIcon)" "$windir\\lempar.exe,0"
check "uninstall entry: UninstallString" is "$(regval "$KEY" UninstallString)" "\"$windir\\uninstall.exe\""
check "uninstall entry: QuietUninstallString" is "$(regval "$KEY" QuietUninstallString)" "\"$windir\\uninstall.exe\" /S"
check "an English Windows gets the English installer (LemparLanguage 1033)" is "$(regval "$KEY" LemparLanguage)" 0x409
check "uninstall entry: NoModify, NoRepair" is "$(regval "$KEY" NoModify)/$(regval "$KEY" NoRepair)" 0x1/0x1
check "uninstall entry: EstimatedSize is the files' KiB" bash -c \
	"kib=\$(( \$(du -skc '$dir'/*.exe | tail -1 | cut -f1) )); reg=\$(( $(regval "$KEY" EstimatedSize) )); [ \$reg -gt \$((kib * 9 / 10)) ] && [ \$reg -le \$((kib * 11 / 10)) ] || { echo \"\$reg KiB, files \$kib\"; exit 1; }"
check "/PATH appended the install folder to the user's PATH" is "$(regval 'HKCU\Environment' Path)" "$user_path;$windir"
check "the installed lempar-cli.exe --version says $VERSION" bash -c \
	"wine '$dir/lempar-cli.exe' --version | tr -d '\r' | grep -qxF 'lempar-cli version $VERSION'"
check "a per-user install touches no firewall rule (netsh not run)" test ! -e "$netshlog"

wine "$SETUP" /S /ALLUSERS
check "setup /S /ALLUSERS beside a per-user install stops with exit code 1638" is "$?" $WIN1638
check "... and installs nothing for all users" no_key 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\Lempar'

# --- a running lempar-cli.exe: the install stops, nothing replaced
wine "$dir/lempar-cli.exe" receive --no-localsend --hidden --port 0 --listen 127.0.0.1 \
	--config 'C:\lempar-cfg' --dir 'C:\lempar-recv' >"$WINEPREFIX/recv.log" 2>&1 &
recv=$!
for _ in $(seq 1 300); do # up to 30 s for "Receiving as …"
	grep -q . "$WINEPREFIX/recv.log" 2>/dev/null && break
	kill -0 $recv 2>/dev/null || break
	sleep 0.1
done
if grep -q 'port' "$WINEPREFIX/recv.log"; then
	before=$(sha256sum <"$dir/lempar.exe")
	wine "$SETUP" /S
	check "setup /S while lempar-cli.exe runs stops with exit code 2" is "$?" 2
	check "... and replaces nothing" is "$(sha256sum <"$dir/lempar.exe")" "$before"
else
	bad "lempar-cli.exe receive started under Wine"
	sed 's/^/      /' "$WINEPREFIX/recv.log" | head -10
fi
kill $recv 2>/dev/null
wait $recv 2>/dev/null
wineserver -k 2>/dev/null
wineserver -w

# --- upgrade in place: same folder, PATH kept once, files replaced
: >"$dir/lempar-cli.exe" # damaged: the upgrade must bring it back
t=$SECONDS
check "second setup /S /DESKTOP (upgrade) exits 0" wine "$SETUP" /S /DESKTOP
echo "      upgrade took $((SECONDS - t)) s"
check "upgrade: same InstallLocation" is "$(regval "$KEY" InstallLocation)" "$windir"
check "upgrade: lempar-cli.exe replaced (--version works again)" bash -c \
	"wine '$dir/lempar-cli.exe' --version | tr -d '\r' | grep -qxF 'lempar-cli version $VERSION'"
check "upgrade: PATH keeps the install folder, once" is "$(regval 'HKCU\Environment' Path)" "$user_path;$windir"
check "upgrade: /DESKTOP added the desktop shortcut" test -s "$desktop"
check "upgrade: nothing installed elsewhere" test -z "$(find "$WINEPREFIX/drive_c" -name lempar-cli.exe ! -path "$dir/*")"

# the app's "start at sign-in" entry, as app/autostart_windows.go writes it,
# and someone else's beside it
RUN='HKCU\Software\Microsoft\Windows\CurrentVersion\Run'
wine reg add "$RUN" /v Lempar /d "\"$windir\\lempar.exe\" --background" /f >/dev/null 2>&1
wine reg add "$RUN" /v Other /d 'C:\other.exe' /f >/dev/null 2>&1
check "(planted) Run entry for Lempar" is "$(regval "$RUN" Lempar)" "\"$windir\\lempar.exe\" --background"

# --- silent uninstall: it copies itself away and returns at once; wait for Wine
t=$SECONDS
check "uninstall.exe /S exits 0" wine "$dir/uninstall.exe" /S
wineserver -w
echo "      uninstall took $((SECONDS - t)) s"
check "uninstall removed the install folder" test ! -e "$dir"
check "uninstall removed the Start menu shortcut" test ! -e "$menu"
check "uninstall removed the desktop shortcut" test ! -e "$desktop"
check "uninstall removed the Apps & features entry" no_key "$KEY"
check "uninstall removed Lempar's start-at-sign-in entry, not another's" is \
	"$(regval "$RUN" Lempar)|$(regval "$RUN" Other)" '|C:\other.exe'
check "uninstall took exactly its entry out of PATH" is "$(regval 'HKCU\Environment' Path)" "$user_path"
check "uninstall left the settings file alone" is "$(cat "$home/AppData/Roaming/lempar/settings.json")" '{"deviceName":"Planted"}'
check "uninstall left received files alone" is "$(cat "$home/Lempar/photo.txt")" received

# --- all users: Program Files and HKLM (Wine runs everything as administrator)
MKEY='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\Lempar'
pf=$WINEPREFIX/drive_c/Program\ Files/Lempar
check "elevated setup /S with no switch exits 0 (on an Indonesian Windows)" env LC_ALL=id_ID.UTF-8 wine "$SETUP" /S
check "all users: installed into Program Files" test -s "$pf/lempar-cli.exe"
check "all users: entry under HKLM" is "$(regval "$MKEY" InstallLocation)" 'C:\Program Files\Lempar'
wine "$SETUP" /S /CURRENTUSER
check "all users: a per-user setup /S /CURRENTUSER beside it stops with exit code 1638" is "$?" $WIN1638
check "... and installs nothing for this user" test ! -e "$dir"
check "an Indonesian Windows gets the Indonesian installer (LemparLanguage 1057)" is "$(regval "$MKEY" LemparLanguage)" 0x421
check "all users: shortcut in the common Start menu" test -s "$WINEPREFIX/drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs/Lempar.lnk"
check "all users: no per-user entry" no_key "$KEY"
# rule names added, and their lines, from the netsh stand-in's log
added() { tr -d '\r' <"$netshlog" | grep ' advfirewall firewall add rule ' | sed -n 's/.* name="\([^"]*\)".*/\1/p' | sort; }
check "all users: 4 firewall rules added" is "$(added | wc -l)" 4
# no add line lacks these options (which would be a rule for something else)
only_lempar() {
	! tr -d '\r' <"$netshlog" | grep ' add rule ' |
		grep -vF "dir=in action=allow program=\"C:\\Program Files\\Lempar\\lempar.exe\" enable=yes profile=private"
}
check "all users: every rule allows lempar.exe in Program Files, inbound, private networks" only_lempar
check "all users: the rules open TCP 53318, TCP 53317, UDP 53317, UDP 5353" is \
	"$(tr -d '\r' <"$netshlog" | grep ' add rule ' | sed -n 's/.* protocol=\([A-Z]*\) localport=\([0-9]*\)$/\1 \2/p' | sort | tr '\n' ,)" \
	"TCP 53317,TCP 53318,UDP 53317,UDP 5353,"
tr -d '\r' <"$netshlog" | grep -m1 ' add rule ' | sed 's/^/      e.g. /'
names=$(added)
: >"$netshlog"
check "all users: uninstall.exe /S exits 0" wine "$pf/uninstall.exe" /S
wineserver -w
check "all users: uninstall removed the files" test ! -e "$pf"
check "all users: uninstall removed the HKLM entry" no_key "$MKEY"
check "all users: uninstall deleted exactly the rules added" is \
	"$(tr -d '\r' <"$netshlog" | grep ' advfirewall firewall delete rule ' | sed -n 's/.* name="\([^"]*\)"$/\1/p' | sort)" "$names"

echo "      Windows installer checks took $((SECONDS - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
