#!/usr/bin/env python3
"""Generate the compact FHIR R4 (4.0.1) definitions committed under crates/fhir/defs/.

Why: the server needs, at run time and without npm or network, (1) every official
search parameter per resource type with its FHIRPath expression narrowed to that type,
(2) the element tree (min, max, types) of every resource type and complex datatype,
enough to validate and to evaluate search expressions type-aware, and (3) the Patient
compartment. HL7's package is ~190 MB; the committed JSON is well under 1 MB.

Source (public domain, HL7, unmodified):

    npm pack hl7.fhir.r4.examples@4.0.1
    tar xzf hl7.fhir.r4.examples-4.0.1.tgz     # -> package/

Usage:

    python3 tools/gen-fhir-defs.py /tmp/fhirdef/package [crates/fhir/defs]

Output files (stable key order, so diffs are reviewable):

    elements.json        {"Type": {"k": kind, "b": base type, "e": [[path, min, max, types, targets?], ...]}}
                         kind: "r" resource, "c" complex datatype; path relative to the type;
                         types: type codes ("Quantity", "string", ...) or ["@Questionnaire.item"]
                         for a contentReference; targets: Reference target types (omitted = any).
    search-params.json   {"Type": [[code, type, expression, [targets]], ...]}
    compartment-patient.json  {"Type": [param, ...]}
"""
import glob
import json
import os
import re
import sys

FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
SYSTEM_TYPES = {
    "http://hl7.org/fhirpath/System.String": "string",
    "http://hl7.org/fhirpath/System.Boolean": "boolean",
    "http://hl7.org/fhirpath/System.Date": "date",
    "http://hl7.org/fhirpath/System.DateTime": "dateTime",
    "http://hl7.org/fhirpath/System.Decimal": "decimal",
    "http://hl7.org/fhirpath/System.Integer": "integer",
    "http://hl7.org/fhirpath/System.Time": "time",
}
# Search parameters every resource has (base Resource); DomainResource `_text` and the
# Resource `_content`/`_query`/`_filter` have no expression and are not indexed.
RESOURCE_PARAMS = {"_id", "_lastUpdated", "_tag", "_security", "_profile", "_source"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def type_code(t, path, is_resource_root_child):
    code = t["code"]
    if code.startswith("http://hl7.org/fhirpath/System."):
        fhir = [e.get("valueUrl") for e in t.get("extension", []) if e.get("url") == FHIR_TYPE_EXT]
        code = fhir[0] if fhir else SYSTEM_TYPES[code]
    # R4 types Resource.id as System.String/"string", but the spec text says `id`
    # (and the JSON schema enforces the id pattern); validate it as `id`.
    if is_resource_root_child and path.endswith(".id") and path.count(".") == 1:
        code = "id"
    return code


def targets_of(t):
    out = []
    for p in t.get("targetProfile", []):
        name = p.rsplit("/", 1)[-1]
        if name == "Resource":
            return None
        out.append(name)
    return out or None


def structure_defs(pkg):
    types = {}
    for f in sorted(glob.glob(os.path.join(pkg, "StructureDefinition-*.json"))):
        d = load(f)
        kind = d.get("kind")
        name = d["name"]
        if name in ("Resource", "DomainResource", "Element"):
            pass  # abstract bases: kept for `is`/`as`, inheritance and `_x` companions
        elif d.get("derivation") != "specialization" or kind not in ("resource", "complex-type"):
            continue
        if d["type"] != name:
            continue
        is_res = kind == "resource"
        elems = []
        for e in d["snapshot"]["element"]:
            path = e["path"]
            if "." not in path:
                continue
            rel = path.split(".", 1)[1]
            mx = e.get("max", "*")
            if "contentReference" in e:
                tys = ["@" + e["contentReference"].lstrip("#").split(".", 1)[1]]
                row = [rel, e.get("min", 0), mx, tys]
            else:
                ts = e.get("type", [])
                tys = [type_code(t, path, is_res) for t in ts]
                row = [rel, e.get("min", 0), mx, tys]
                if tys == ["Reference"]:
                    tg = targets_of(ts[0])
                    if tg:
                        row.append(sorted(tg))
            elems.append(row)
        base = d.get("baseDefinition", "").rsplit("/", 1)[-1] or None
        types[name] = {"k": "r" if is_res else "c", "b": base, "e": elems}
    return types


def root_of(part):
    m = re.match(r"\(*\s*([A-Za-z]+)", part)
    return m.group(1) if m else None


def split_union(expr):
    """Split at top-level `|` (not inside parentheses or string literals)."""
    parts, depth, cur, in_str = [], 0, [], False
    for ch in expr:
        if in_str:
            cur.append(ch)
            if ch == "'":
                in_str = False
            continue
        if ch == "'":
            in_str = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur).strip())
    return [p for p in parts if p]


def compact_targets(targets, resource_types):
    """Any resource but a few is written `["*", "!Parameters"]` (80 parameters list 145 types)."""
    missing = sorted(set(resource_types) - set(targets))
    if len(targets) > 100 and len(missing) < 10:
        return ["*"] + ["!" + m for m in missing]
    return targets


def search_params(pkg, resource_types):
    out = {rt: {} for rt in resource_types}
    skipped = []
    for f in sorted(glob.glob(os.path.join(pkg, "SearchParameter-*.json"))):
        d = load(f)
        # Experimental ones are extension/example parameters, not the core set.
        if d.get("experimental") or "base" not in d or not d.get("expression"):
            skipped.append(d.get("id"))
            continue
        code, kind, expr = d["code"], d["type"], d["expression"]
        targets = compact_targets(sorted(d.get("target", [])), resource_types)
        bases = d["base"]
        if bases == ["Resource"] or bases == ["DomainResource"]:
            if code not in RESOURCE_PARAMS:
                skipped.append(d.get("id"))
                continue
            for rt in resource_types:
                narrowed = re.sub(r"\bResource\.", rt + ".", expr)
                out[rt][code] = [code, kind, narrowed, targets]
            continue
        parts = split_union(expr)
        for rt in bases:
            if rt not in out:
                raise SystemExit(f"{d['id']}: unknown base {rt}")
            mine = [p for p in parts if root_of(p) == rt]
            if not mine and len(bases) == 1 and all(root_of(p) not in resource_types for p in parts):
                # A few expressions are written relative to the resource (`name | alias`).
                mine = [rt + "." + p for p in parts]
            if not mine:
                print(f"warning: {d['id']}: no part of the expression for {rt}", file=sys.stderr)
                continue
            out[rt][code] = [code, kind, " | ".join(mine), targets]
    return {rt: [v[k] for k in sorted(v)] for rt, v in sorted(out.items())}, skipped


def compartment(pkg):
    d = load(os.path.join(pkg, "CompartmentDefinition-patient.json"))
    return {r["code"]: r["param"] for r in sorted(d["resource"], key=lambda r: r["code"]) if r.get("param")}


def write(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        # One type per line: compact, yet a diff shows which type changed.
        f.write("{\n")
        items = list(obj.items())
        for i, (k, v) in enumerate(items):
            sep = "," if i + 1 < len(items) else ""
            f.write(json.dumps(k) + ":" + json.dumps(v, separators=(",", ":"), ensure_ascii=False) + sep + "\n")
        f.write("}\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    pkg = sys.argv[1]
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "crates", "fhir", "defs")
    types = structure_defs(pkg)
    resource_types = sorted(n for n, t in types.items() if t["k"] == "r" and n not in ("Resource", "DomainResource"))
    params, skipped = search_params(pkg, resource_types)
    comp = compartment(pkg)
    os.makedirs(out_dir, exist_ok=True)
    write(os.path.join(out_dir, "elements.json"), dict(sorted(types.items())))
    write(os.path.join(out_dir, "search-params.json"), params)
    write(os.path.join(out_dir, "compartment-patient.json"), comp)
    n_params = sum(len(v) for v in params.values())
    print(f"{len(resource_types)} resource types, {len(types) - len(resource_types)} other types, "
          f"{n_params} (type, search parameter) pairs, {len(skipped)} parameters skipped, "
          f"{len(comp)} types in the Patient compartment")


if __name__ == "__main__":
    main()
