#!/usr/bin/env python3
"""Side-by-side recall and false-positive table: revmine vs detect-secrets.

Reads DIR/manifest.jsonl (each planted secret: file, kind, first and last
line), DIR/revmine.jsonl (revmine's verdict per planted secret and per clean
note) and DIR/detect-secrets.json (`detect-secrets scan` output). A planted
secret counts as found by detect-secrets when it reports anything on a line
the secret spans; a clean note is a false positive when anything is reported
in it.
"""
import json
import sys
from collections import defaultdict
from pathlib import Path

PERSONAL = {"email", "phone"}


def main(out: Path) -> None:
    manifest = [json.loads(l) for l in (out / "manifest.jsonl").read_text().splitlines()]
    revmine = [json.loads(l) for l in (out / "revmine.jsonl").read_text().splitlines()]
    ds = json.loads((out / "detect-secrets.json").read_text())["results"]
    ds_lines = defaultdict(set)
    for path, items in ds.items():
        for item in items:
            ds_lines[path].add(item["line_number"])

    planted = [r for r in revmine if not r.get("clean") and not r.get("prose")]
    assert len(planted) == len(manifest), "manifest and results disagree"
    rows = defaultdict(lambda: [0, 0, 0])  # kind -> [total, revmine, detect-secrets]
    for m, r in zip(manifest, planted):
        assert m["file"] == r["file"] and m["kind"] == r["kind"]
        span = set(range(m["first_line"], m["last_line"] + 1))
        row = rows[m["kind"]]
        row[0] += 1
        row[1] += bool(r["found"])
        row[2] += bool(ds_lines.get(m["file"], set()) & span)

    def pct(n, d):
        return f"{n / d:.3f}" if d else "-"

    print(f"| kind | planted | revmine | detect-secrets |")
    print(f"|---|---:|---:|---:|")
    for kind in sorted(rows):
        t, a, b = rows[kind]
        print(f"| {kind} | {t} | {pct(a, t)} ({a}) | {pct(b, t)} ({b}) |")
    for label, keep in [
        ("**all kinds**", lambda k: True),
        ("**credentials only** (no email, phone)", lambda k: k not in PERSONAL),
    ]:
        t = sum(v[0] for k, v in rows.items() if keep(k))
        a = sum(v[1] for k, v in rows.items() if keep(k))
        b = sum(v[2] for k, v in rows.items() if keep(k))
        print(f"| {label} | {t} | {pct(a, t)} ({a}) | {pct(b, t)} ({b}) |")
    clean = [r for r in revmine if r.get("clean")]
    fp_rev = sum(bool(r["found"]) for r in clean)
    fp_ds = sum(bool(ds.get(r["file"])) for r in clean)
    n = len(clean)
    print(f"| **false positives** (clean notes flagged) | {n} | {pct(fp_rev, n)} ({fp_rev}) | {pct(fp_ds, n)} ({fp_ds}) |")
    prose = [r for r in revmine if r.get("prose")]
    if prose:
        fp_rev = sum(bool(r["found"]) for r in prose)
        fp_ds = sum(bool(ds.get(r["file"])) for r in prose)
        n = len(prose)
        print(f"| **flagged real prose** (RFC paragraphs) | {n} | {pct(fp_rev, n)} ({fp_rev}) | {pct(fp_ds, n)} ({fp_ds}) |")
    kinds = defaultdict(int)
    for r in clean:
        for item in ds.get(r["file"], []):
            kinds[item["type"]] += 1
    if kinds:
        print("\ndetect-secrets findings in clean notes by type: "
              + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "target/bench/secrets"))
