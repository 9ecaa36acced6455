#!/usr/bin/env bash
# Benchmark `revmine ingest` on a generated ShareGPT JSON array of 110 MB,
# side by side with Python's json.load of the same file, in one hyperfine run.
# revmine writes every record: once to the disk (with the fsync that makes the
# output durable before it replaces the old one) and once to /dev/shm (RAM).
#
#   benches/ingest.sh          # RUNS=5, MB=110
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS="${RUNS:-5}"; MB="${MB:-110}"
OUT=target/bench; DATA="$OUT/sharegpt.json"
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
command -v hyperfine >/dev/null || { as_root apt-get update -qq && as_root apt-get install -y -qq hyperfine; }
cargo build --release
mkdir -p "$OUT"
[ -f "$DATA" ] || python3 benches/gen_sharegpt.py "$DATA" --mb "$MB" --seed 7
echo "==> $(stat -c %s "$DATA") bytes; nproc $(nproc)"
hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$OUT/ingest.md" --export-json "$OUT/ingest.json" \
    -n "revmine ingest -o disk" "target/release/revmine ingest $DATA -o $OUT/ingest-out.jsonl" \
    -n "revmine ingest -o /dev/shm" "target/release/revmine ingest $DATA -o /dev/shm/revmine-ingest-out.jsonl" \
    -n "python json.load" "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' $DATA"
/usr/bin/time -f "revmine ingest peak RSS: %M KB" target/release/revmine ingest "$DATA" -o "$OUT/ingest-out.jsonl"
/usr/bin/time -f "python json.load peak RSS: %M KB" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$DATA"
echo "records written: $(wc -l < "$OUT/ingest-out.jsonl"), output $(stat -c %s "$OUT/ingest-out.jsonl") bytes"
rm -f /dev/shm/revmine-ingest-out.jsonl
