#!/usr/bin/env python3
"""Adds or replaces portal texts in crates/portal/locales/*.json, safely.

Usage: tools/i18n-add.py KEYS.json
where KEYS.json is {"key": {"nb": "...", "nn": "...", "en": "...", "se": "..."}, ...}.

Why a script: several people (and helpers) edit the four language files at once; this
takes a lock, loads, merges, sorts and writes each file, so edits never overwrite
each other and every key lands in every language.
"""
import fcntl, json, os, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "portal", "locales")
LANGS = ["nb", "nn", "en", "se"]

def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        new = json.load(f)
    for key, texts in new.items():
        missing = [l for l in LANGS if l not in texts]
        if missing:
            sys.exit(f"{key}: missing {missing}")
    with open(os.path.join(ROOT, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for lang in LANGS:
            path = os.path.join(ROOT, f"{lang}.json")
            data = {}
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    data = json.load(f)
            for key, texts in new.items():
                data[key] = texts[lang]
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(dict(sorted(data.items())), f, ensure_ascii=False, indent=1)
                f.write("\n")
            os.replace(tmp, path)
    print(f"{len(new)} keys written to {', '.join(LANGS)}")

if __name__ == "__main__":
    main()
