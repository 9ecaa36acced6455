#!/usr/bin/env bash
# Benchmark `revmine check` against a plain Python json.loads loop.
#
#   benches/check.sh                 # 1,000,000 records (~300 MB)
#   RECORDS=10000 benches/check.sh   # quick run
#
# Builds the release binary, generates target/bench/dataset_train.jsonl
# (deterministic, seed 7; regenerated only when RECORDS, SEED or the generator
# change), installs hyperfine via apt-get if missing, runs both commands in one
# hyperfine invocation, then reports MB/s (10^6 bytes / mean seconds) and peak
# RSS (GNU time's "Maximum resident set size") for each.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

RECORDS="${RECORDS:-1000000}"
SEED="${SEED:-7}"
RUNS="${RUNS:-5}"
OUT=target/bench
DATA="$OUT/dataset_train.jsonl"
STAMP="$OUT/dataset_train.stamp"
REVMINE=target/release/revmine

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
    as_root apt-get install -y "$@" || { as_root apt-get update && as_root apt-get install -y "$@"; }
}

echo "==> cargo build --release"
cargo build --release

mkdir -p "$OUT"
want="records=$RECORDS seed=$SEED gen=$(sha256sum benches/gen_dataset.py | cut -c1-16)"
if [ ! -f "$DATA" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
    echo "==> generating $DATA ($want)"
    rm -f "$STAMP"
    python3 benches/gen_dataset.py "$DATA" --records "$RECORDS" --seed "$SEED"
    echo "$want" > "$STAMP"
else
    echo "==> reusing $DATA ($want)"
fi

command -v hyperfine >/dev/null || { echo "==> installing hyperfine"; apt_install hyperfine; }
[ -x /usr/bin/time ] || { echo "==> installing GNU time"; apt_install time; }

SIZE=$(stat -c %s "$DATA")
echo "==> nproc: $(nproc)   cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "==> file: $DATA  $SIZE bytes ($(python3 -c "print(f'{$SIZE/1e6:.1f}')") MB), $RECORDS records"

REV_CMD="$REVMINE check $DATA"
PY_CMD="python3 benches/py_json_loop.py $DATA"

echo "==> hyperfine"
hyperfine --warmup 1 --runs "$RUNS" --ignore-failure \
    --export-markdown "$OUT/check.md" --export-json "$OUT/check.json" \
    -n "revmine check" "$REV_CMD" \
    -n "python json.loads loop" "$PY_CMD"

# Peak RSS: one extra run of each under GNU time (outside hyperfine's timing).
echo "==> peak RSS (/usr/bin/time -v)"
rev_rc=0
/usr/bin/time -v -o "$OUT/revmine.time" $REV_CMD > "$OUT/revmine.out" 2>&1 || rev_rc=$?
py_rc=0
/usr/bin/time -v -o "$OUT/python.time" $PY_CMD > "$OUT/python.out" 2>&1 || py_rc=$?

python3 - "$SIZE" "$OUT" "$rev_rc" "$py_rc" <<'PY'
import json, re, sys
size, out, rev_rc, py_rc = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
res = json.load(open(f"{out}/check.json"))["results"]

def rss_kib(name):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{out}/{name}.time").read())
    return int(m.group(1)) if m else float("nan")

rows = [(res[0], rss_kib("revmine"), rev_rc), (res[1], rss_kib("python"), py_rc)]
print()
print(f"{'command':<24} {'mean s':>8} {'± s':>7} {'min s':>7} {'MB/s':>8} {'peak RSS MiB':>13} {'exit':>5}")
for r, rss, rc in rows:
    print(f"{r['command']:<24} {r['mean']:8.3f} {r['stddev'] or 0:7.3f} {r['min']:7.3f} "
          f"{size / 1e6 / r['mean']:8.1f} {rss / 1024:13.1f} {rc:>5}")
print(f"\nrevmine check is {res[1]['mean'] / res[0]['mean']:.1f}x the python loop's speed "
      f"(file {size} bytes; MB = 10^6 bytes; markdown: {out}/check.md)")
codes = sorted(set(res[0].get("exit_codes") or []))
if codes and codes != [0]:
    print(f"note: revmine check exit codes under hyperfine: {codes}")
PY

if [ "$rev_rc" -ne 0 ]; then
    echo
    echo "!! revmine check exited $rev_rc on the generated data; first lines of its output ($OUT/revmine.out):"
    head -n 30 "$OUT/revmine.out"
fi
