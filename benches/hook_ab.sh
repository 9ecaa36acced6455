#!/usr/bin/env bash
# The hook of two revmine binaries in one hyperfine run, so a change's cost is
# measured under the same machine load (benches/hook.sh times one binary):
#
#   benches/hook_ab.sh OLD_BINARY NEW_BINARY      # RUNS=30 by default
#
# Same scenarios as benches/hook.sh (an 18,000-record dataset staged; no
# dataset staged); each binary installs its own hook in its own repositories.
# A hook from before issue 14 runs the `revmine` on PATH: OLD_BINARY is put
# there; a newer one runs the binary that installed it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OLD=$(realpath "$1"); NEW=$(realpath "$2"); RUNS="${RUNS:-30}"
OUT=target/bench/hook-ab
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT/oldbin" "$OUT/newbin"
OUT=$(realpath "$OUT")
ln -s "$OLD" "$OUT/oldbin/revmine"; ln -s "$NEW" "$OUT/newbin/revmine"
DATA="$OUT/assistant_dataset_train.jsonl"
python3 benches/gen_dataset.py "$DATA" --records 18000 --seed 7 >/dev/null

setup() { # setup DIR BIN_DIR: a repo with BIN_DIR's hook installed and a base commit
    local r=$1 bin=$2
    git init -q -b main "$r"
    git -C "$r" config user.name bench; git -C "$r" config user.email bench@example.org
    git -C "$r" config commit.gpgsign false
    echo "# notes" > "$r/notes.md"
    git -C "$r" add notes.md && git -C "$r" commit -q --no-verify -m base && git -C "$r" tag base
    (cd "$r" && "$bin/revmine" hook install >/dev/null)
}
for v in old new; do
    setup "$OUT/$v-ds" "$OUT/${v}bin"; cp "$DATA" "$OUT/$v-ds/"
    git -C "$OUT/$v-ds" add assistant_dataset_train.jsonl
    setup "$OUT/$v-no" "$OUT/${v}bin"; echo more >> "$OUT/$v-no/notes.md"
    git -C "$OUT/$v-no" add notes.md
done
export PATH="$OUT/oldbin:$PATH"
for s in ds no; do
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/$s.json" \
        --prepare "git -C $OUT/old-$s reset -q --soft base" -n "old hook ($s)" "git -C $OUT/old-$s commit -q -m t" \
        --prepare "git -C $OUT/new-$s reset -q --soft base" -n "new hook ($s)" "git -C $OUT/new-$s commit -q -m t" \
        --prepare "git -C $OUT/new-$s reset -q --soft base" -n "no-verify ($s)" "git -C $OUT/new-$s commit -q --no-verify -m t"
done
python3 - "$OUT" <<'PY'
import json, sys
for s in ["ds", "no"]:
    for r in json.load(open(f"{sys.argv[1]}/{s}.json"))["results"]:
        cpu = (r["user"] + r["system"]) * 1000
        print(f"{r['command']:<18} mean {r['mean']*1000:7.1f} ms ± {r['stddev']*1000:5.1f}  CPU {cpu:6.1f} ms")
PY
