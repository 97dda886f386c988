#!/usr/bin/python3
"""Validates a winget manifest set written by winget.sh.

    winget-check.py MANIFEST_DIR SETUP.exe URL

Each YAML file must match the official winget JSON schema of its
ManifestType (packaging/windows/winget-schema, copied from
microsoft/winget-cli); the set must be exactly one version, one installer
and one defaultLocale manifest of the same package and version; every
installer must name URL and SETUP's SHA-256. Prints ok/FAIL per check and
exits 1 on any failure. Uses Debian's python3-jsonschema and python3-yaml.
"""
import hashlib
import json
import os
import sys

import jsonschema
import yaml

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "winget-schema")


def main(folder, setup, url):
    failed = 0

    def report(good, what, detail=""):
        nonlocal failed
        print(("ok    " if good else "FAIL  ") + what)
        if not good:
            failed += 1
            for line in str(detail).splitlines()[:20]:
                print("      " + line)

    manifests = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        kind, version = doc.get("ManifestType"), doc.get("ManifestVersion")
        path = os.path.join(SCHEMAS, "manifest.%s.%s.json" % (kind, version))
        if not os.path.exists(path):
            report(False, "winget %s: a schema for %s %s" % (name, kind, version))
            continue
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=str)
        report(not errors, "winget %s is a valid %s manifest (schema %s)" % (name, kind, version),
               "\n".join("%s: %s" % ("/".join(map(str, e.absolute_path)), e.message) for e in errors))
        if kind in manifests:
            report(False, "winget: one %s manifest" % kind, "%s and %s" % (manifests[kind][0], name))
        manifests[kind] = (name, doc)

    report(sorted(manifests) == ["defaultLocale", "installer", "version"],
           "winget: the set is version, installer and defaultLocale", sorted(manifests))
    ids = {(d["PackageIdentifier"], d["PackageVersion"]) for _, d in manifests.values()}
    report(len(ids) == 1, "winget: all name one package and version", ids)
    if "version" in manifests and "defaultLocale" in manifests:
        report(manifests["version"][1]["DefaultLocale"] == manifests["defaultLocale"][1]["PackageLocale"],
               "winget: DefaultLocale is the defaultLocale manifest's locale")
    with open(setup, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest().upper()
    for inst in manifests.get("installer", ("", {}))[1].get("Installers", []):
        scope = inst.get("Scope")
        report(inst.get("InstallerSha256") == sha, "winget %s installer: SHA-256 of %s" % (scope, os.path.basename(setup)),
               "%s != %s" % (inst.get("InstallerSha256"), sha))
        report(inst.get("InstallerUrl") == url, "winget %s installer: URL %s" % (scope, url), inst.get("InstallerUrl"))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
