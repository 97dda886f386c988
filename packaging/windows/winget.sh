#!/usr/bin/env bash
# Writes the winget manifest set (schema 1.10.0: version, installer,
# defaultLocale) for this VERSION's installer, in winget-pkgs' layout:
#   OUT/manifests/l/Lempar/Lempar/VERSION/Lempar.Lempar{,.installer,.locale.en-US}.yaml
#   winget.sh OUT SETUP.exe
# The download address comes from WINGET_URL (default below; {version} is
# replaced), the SHA-256 from SETUP itself. make release runs it into
# dist/winget; .ci/check-packages.sh validates the result against the
# official schemas (packaging/windows/winget-check.py).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$1 SETUP=$2
VERSION=$(tr -d ' \n' <"$ROOT/VERSION")
ID=Lempar.Lempar
MV=1.10.0 # winget 1.10 and later read it; winget-pkgs accepts it
DEFAULT_URL='https://github.com/lempar/lempar/releases/download/v{version}/lempar-{version}-windows-amd64-setup.exe'
WINGET_URL=${WINGET_URL:-$DEFAULT_URL}
URL=${WINGET_URL//\{version\}/$VERSION}
SHA=$(sha256sum "$SETUP" | cut -d' ' -f1 | tr a-f A-F)
PUBLISHER="The Lempar authors" # as the installer writes it into Apps & features
LICENSE="No license declared yet"
[ -f "$ROOT/LICENSE" ] && LICENSE=$(head -1 "$ROOT/LICENSE" | cut -c1-512)

case "$URL" in https://*) ;; *) echo "winget: WINGET_URL must be an https:// address, got '$URL'" >&2; exit 1 ;; esac
dir=$OUT/manifests/l/Lempar/Lempar/$VERSION
mkdir -p "$dir"
# Values are single-quoted YAML: a version such as 1.10 must stay a string.
q() { printf "'%s'" "${1//\'/\'\'}"; }

cat >"$dir/$ID.yaml" <<YAML
# yaml-language-server: \$schema=https://aka.ms/winget-manifest.version.$MV.schema.json
PackageIdentifier: $ID
PackageVersion: $(q "$VERSION")
DefaultLocale: en-US
ManifestType: version
ManifestVersion: $MV
YAML

# Two scopes, one file: per user with /CURRENTUSER (no administrator; an
# elevated winget would otherwise install for everyone), or for all users
# with /ALLUSERS from an elevated winget (Program Files, firewall rules).
installer() { # SCOPE
	cat <<YAML
- Architecture: x64
  Scope: $1
  InstallerUrl: $(q "$URL")
  InstallerSha256: $SHA
YAML
	if [ "$1" = machine ]; then
		cat <<'YAML'
  InstallerSwitches:
    Custom: /ALLUSERS
  ElevationRequirement: elevationRequired
  InstallationMetadata:
    DefaultInstallLocation: '%ProgramFiles%\Lempar'
YAML
	else
		cat <<'YAML'
  InstallerSwitches:
    Custom: /CURRENTUSER
  InstallationMetadata:
    DefaultInstallLocation: '%LocalAppData%\Programs\Lempar'
YAML
	fi
}
{
	cat <<YAML
# yaml-language-server: \$schema=https://aka.ms/winget-manifest.installer.$MV.schema.json
PackageIdentifier: $ID
PackageVersion: $(q "$VERSION")
InstallerType: nullsoft
InstallerLocale: en-US
MinimumOSVersion: 10.0.0.0
InstallModes:
- interactive
- silent
- silentWithProgress
UpgradeBehavior: install
ProductCode: Lempar
ExpectedReturnCodes:
- InstallerReturnCode: 2
  ReturnResponse: packageInUse
- InstallerReturnCode: 1638
  ReturnResponse: alreadyInstalled
AppsAndFeaturesEntries:
- DisplayName: Lempar
  Publisher: $(q "$PUBLISHER")
  DisplayVersion: $(q "$VERSION")
  ProductCode: Lempar
Installers:
YAML
	installer user
	installer machine
	cat <<YAML
ManifestType: installer
ManifestVersion: $MV
YAML
} >"$dir/$ID.installer.yaml"

cat >"$dir/$ID.locale.en-US.yaml" <<YAML
# yaml-language-server: \$schema=https://aka.ms/winget-manifest.defaultLocale.$MV.schema.json
PackageIdentifier: $ID
PackageVersion: $(q "$VERSION")
PackageLocale: en-US
Publisher: $(q "$PUBLISHER")
PackageName: Lempar
License: $(q "$LICENSE")
ShortDescription: Send files, folders and text to computers nearby
Description: |-
  Lempar sends files, folders and text between computers on the same local
  network: no cloud, no account, no cable. It also talks to LocalSend apps on
  phones and computers.
Moniker: lempar
Tags:
- file-sharing
- lan
- localsend
- transfer
ManifestType: defaultLocale
ManifestVersion: $MV
YAML
echo "winget: $dir"
