#!/usr/bin/env bash
# Benchmark the pre-commit hook against `git commit --no-verify`, in one
# hyperfine run per scenario:
#   1. a commit that stages an 18,000-record dataset (the plan's size);
#   2. a commit that touches no dataset file.
# Each run commits, then `git reset --soft` puts the same change back in the
# index, so every timed commit does the same work.
#
#   benches/hook.sh            # RUNS=20 by default
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS="${RUNS:-20}"
OUT=target/bench/hook
REVMINE="$PWD/target/release/revmine"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
command -v hyperfine >/dev/null || { as_root apt-get update -qq && as_root apt-get install -y -qq hyperfine; }

echo "==> cargo build --release"
cargo build --release

rm -rf "$OUT" && mkdir -p "$OUT"
DATA="$OUT/assistant_dataset_train.jsonl"
python3 benches/gen_dataset.py "$DATA" --records 18000 --seed 7 >/dev/null

setup() { # setup DIR: a repo with the hook installed and a base commit
    local r=$1
    git init -q -b main "$r"
    git -C "$r" config user.name bench; git -C "$r" config user.email bench@example.org
    git -C "$r" config commit.gpgsign false
    echo "# notes" > "$r/notes.md"
    git -C "$r" add notes.md && git -C "$r" commit -q --no-verify -m base && git -C "$r" tag base
    (cd "$r" && PATH="$(dirname "$REVMINE"):$PATH" "$REVMINE" hook install >/dev/null)
}

DS="$OUT/with-dataset"; setup "$DS"
cp "$DATA" "$DS/"; git -C "$DS" add assistant_dataset_train.jsonl
NO="$OUT/no-dataset"; setup "$NO"
echo "more" >> "$NO/notes.md"; git -C "$NO" add notes.md

export PATH="$(dirname "$REVMINE"):$PATH"
echo "==> dataset: $(wc -l < "$DATA") records, $(stat -c %s "$DATA") bytes; nproc $(nproc)"
echo "==> check the hook passes the dataset (a failing gate would time a blocked commit)"
(cd "$DS" && "$REVMINE" check --staged)

for scenario in with-dataset no-dataset; do
    r="$OUT/$scenario"
    echo "==> $scenario"
    hyperfine --warmup 3 --runs "$RUNS" -N \
        --prepare "git -C $r reset -q --soft base" \
        --export-markdown "$OUT/$scenario.md" --export-json "$OUT/$scenario.json" \
        -n "git commit (revmine hook)" "git -C $r commit -q -m timed" \
        -n "git commit --no-verify" "git -C $r commit -q --no-verify -m timed"
    git -C "$r" reset -q --soft base
done
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
print(f"\n{'scenario':<14} {'with hook ms':>13} {'--no-verify ms':>15} {'hook cost ms':>13}")
for s in ["with-dataset", "no-dataset"]:
    r = json.load(open(f"{out}/{s}.json"))["results"]
    h, n = r[0]["mean"] * 1000, r[1]["mean"] * 1000
    print(f"{s:<14} {h:13.1f} {n:15.1f} {h - n:13.1f}")
PY
