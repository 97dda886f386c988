#!/usr/bin/env python3
"""Merge translation keys into assets/translations/{en,id}.json without
clobbering keys others added. Usage:
  tools/addkeys.py KEY 'English text' 'Teks Indonesia' [KEY EN ID]...
Files stay sorted with 2-space indent so diffs are small."""
import json, sys, os, fcntl
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets", "translations")
args = sys.argv[1:]
if len(args) % 3 or not args:
    sys.exit(__doc__)
with open(os.path.join(root, ".lock"), "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    for idx, lang in ((1, "en"), (2, "id")):
        p = os.path.join(root, lang + ".json")
        with open(p, encoding="utf-8") as f:
            m = json.load(f)
        for i in range(0, len(args), 3):
            m[args[i]] = args[i + idx]
        with open(p + ".tmp", "w", encoding="utf-8") as f:
            json.dump(m, f, ensure_ascii=False, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(p + ".tmp", p)
