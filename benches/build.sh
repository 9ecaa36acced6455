#!/usr/bin/env bash
# Benchmark `revmine build` over 1,000,000 input records (the ~300 MB dataset
# benches/check.sh generates: every type, 40% real, mostly distinct texts),
# with near-duplicate removal on (the default) side by side with it off
# (exact dedup only), in one hyperfine run; then peak RSS of the default.
#
#   benches/build.sh            # RUNS=3
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS="${RUNS:-3}"
OUT=target/bench
DATA="$OUT/dataset_train.jsonl"
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
command -v hyperfine >/dev/null || { as_root apt-get update -qq && as_root apt-get install -y -qq hyperfine; }
cargo build --release
mkdir -p "$OUT"
[ -f "$DATA" ] || python3 benches/gen_dataset.py "$DATA" --records 1000000 --seed 7
printf '[build]\nnear_dedup = false\n' > "$OUT/build-exact.toml"
echo "==> $(wc -l < "$DATA") records, $(stat -c %s "$DATA") bytes; nproc $(nproc)"
BIN=target/release/revmine
hyperfine --warmup 0 --runs "$RUNS" -i --export-markdown "$OUT/build.md" --export-json "$OUT/build.json" \
    -n "build (near-dup on)" "$BIN build $DATA --train $OUT/b-train.jsonl --eval $OUT/b-eval.jsonl" \
    -n "build (exact dedup only)" "$BIN --config $OUT/build-exact.toml build $DATA --train $OUT/b-train.jsonl --eval $OUT/b-eval.jsonl"
/usr/bin/time -f "build peak RSS: %M KB, %e s" "$BIN" build "$DATA" --train "$OUT/b-train.jsonl" --eval "$OUT/b-eval.jsonl" > "$OUT/build-report.txt" || true
head -16 "$OUT/build-report.txt"
