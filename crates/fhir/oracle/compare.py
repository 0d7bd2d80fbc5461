#!/usr/bin/env python3
"""Diff the Rust and JS FHIRPath dumps: python3 compare.py rust.jsonl js.jsonl [-v]"""
import json
import sys
from collections import Counter


def canon(v):
    # serde_json's default float parser can be one ulp off (no `float_roundtrip`).
    if isinstance(v, float):
        return int(v) if v.is_integer() else float("%.14g" % v)
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()}
    if isinstance(v, list):
        return [canon(x) for x in v]
    return v


def load(p):
    out = {}
    with open(p, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            out[(d["f"], d["p"])] = Counter(json.dumps(canon(x), sort_keys=True) for x in d["r"])
    return out


rust, js = load(sys.argv[1]), load(sys.argv[2])
keys = sorted(set(rust) | set(js))
same = sum(1 for k in keys if rust.get(k) == js.get(k))
nonempty = sum(1 for k in keys if rust.get(k) == js.get(k) and rust.get(k))
files = len({k[0] for k in keys})
exprs = len({k[1] for k in keys})
print(f"{len(keys)} (file, parameter) evaluations over {files} files: {same} identical "
      f"({nonempty} of them non-empty), {len(keys) - same} different")
by_param = Counter()
for k in keys:
    if rust.get(k) != js.get(k):
        by_param[k[1]] += 1
        if "-v" in sys.argv:
            print(k, "rust:", list(rust.get(k, {}))[:3], "js:", list(js.get(k, {}))[:3])
for p, n in by_param.most_common(30):
    print(f"{n:6} {p}")
