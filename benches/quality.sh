#!/usr/bin/env bash
# Quality harness for `revmine mine` (issue 13): mines pinned commits of four real public
# Markdown repositories, then (benches/quality.py) draws a reading sheet, reads labels back,
# runs the automatic checks over every mined pair, checks recall and prints mine figures.
#
#   benches/quality.sh                                   # cargo build --release, all repos
#   REVMINE=/tmp/new/revmine benches/quality.sh          # another binary (no build)
#   LABELS=benches/quality/labels-<tag>.csv benches/quality.sh   # + the labelled figures
#   ONLY=til,rfcs benches/quality.sh                     # a subset of the repos
#   MINE_FLAGS="--fold branch" benches/quality.sh        # extra flags for every mine
#   SKIP_MINE=1 benches/quality.sh                       # reuse the last pairs (report only)
#
# Repositories (cloned from the local mirrors /work/.mirror/<owner>+<name>/repo, or from
# GitHub when MIRROR is empty or the mirror is absent) into target/bench/quality/<name>, at
# the pinned commit below, detached; never committed. The origin URL is set to GitHub so
# `meta.repo` reads as it would for a user.
#
# Output in target/bench/quality/out/ (OUT overrides): <name>/pairs.jsonl, summary.json
# (`mine --json`), time.txt (/usr/bin/time -v), stderr.txt; sheet.md (reading sheet,
# SAMPLE pairs per repo, seed SEED), labels.csv (the template for that sheet), flags.jsonl
# (every pair an automatic check flagged), report.txt and report.json.
#
# Environment: REVMINE (binary; default: cargo build --release, target/release/revmine),
# SEED (13), SAMPLE (50), LABELS (a filled labels file), ONLY, MINE_FLAGS, SKIP_MINE,
# MIRROR (/work/.mirror), OUT. Needs git, python3, GNU time (/usr/bin/time).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# name | GitHub owner/name | pinned commit | mine flags
REPOS=(
    "rfcs|rust-lang/rfcs|354518a8c9025f40be6f730452c1bfe71a12dc22|--history branches"
    "the-art-of-command-line|jlevy/the-art-of-command-line|6b50745d2e788add2e8f1ed29010e72659a9a074|"
    "til|jbranchaud/til|453e9edbdf2be4165b65cbcce7342ac7bb9c4859|"
    "knowledge|nikitavoloboev/knowledge|5842cd4df127dd050237ef679832a66704691a02|"
)

SEED="${SEED:-13}"
SAMPLE="${SAMPLE:-50}"
LABELS="${LABELS:-}"
ONLY="${ONLY:-}"
MINE_FLAGS="${MINE_FLAGS:-}"
SKIP_MINE="${SKIP_MINE:-}"
MIRROR="${MIRROR-/work/.mirror}"
BASE=target/bench/quality
OUT="${OUT:-$BASE/out}"
REVMINE="${REVMINE:-}"

[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }

if [ -z "$REVMINE" ]; then
    echo "==> cargo build --release" >&2
    cargo build --release -j 1 >&2
    REVMINE=target/release/revmine
    REVMINE_ID="built from $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null ||
        REVMINE_ID="$REVMINE_ID + uncommitted changes in src/ or Cargo.*"
else
    REVMINE_ID="given as REVMINE"
fi
REVMINE_ID="$REVMINE, sha256 $(sha256sum "$REVMINE" | cut -c1-12), $REVMINE_ID"
# a --dropped audit file when this binary has one (issue 13)
DROPPED=0
"$REVMINE" mine --help 2>/dev/null | grep -q -- '--dropped' && DROPPED=1

mkdir -p "$BASE" "$OUT"
names=()
for entry in "${REPOS[@]}"; do
    IFS='|' read -r name gh pin flags <<<"$entry"
    if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$name,"* ]]; then continue; fi
    names+=("$name=$pin")
    dir="$BASE/$name"
    if [ "$(git -C "$dir" rev-parse HEAD 2>/dev/null)" != "$pin" ]; then
        src="https://github.com/$gh"
        [ -n "$MIRROR" ] && [ -d "$MIRROR/${gh/\//+}/repo" ] && src="$MIRROR/${gh/\//+}/repo"
        echo "==> $name: cloning $src at $pin" >&2
        rm -rf "$dir"
        git clone -q --no-checkout "$src" "$dir"
        git -C "$dir" checkout -q --detach "$pin"
        git -C "$dir" remote set-url origin "https://github.com/$gh"
    fi
    [ -n "$SKIP_MINE" ] && continue
    mkdir -p "$OUT/$name"
    extra=()
    [ "$DROPPED" = 1 ] && extra+=(--dropped "$OUT/$name/dropped.jsonl")
    # shellcheck disable=SC2086  # flags are words
    cmd=("$REVMINE" mine "$dir" $flags $MINE_FLAGS "${extra[@]}" -o "$OUT/$name/pairs.jsonl" --json)
    echo "==> $name: ${cmd[*]}" >&2
    echo "${cmd[*]}" > "$OUT/$name/command.txt"
    rc=0
    /usr/bin/time -v -o "$OUT/$name/time.txt" "${cmd[@]}" \
        > "$OUT/$name/summary.json" 2> "$OUT/$name/stderr.txt" || rc=$?
    if [ "$rc" != 0 ]; then
        echo "!! $name: mine exited $rc; its stderr:" >&2
        tail -n 20 "$OUT/$name/stderr.txt" >&2
    fi
done

[ "${#names[@]}" -gt 0 ] || { echo "no repository selected (ONLY=$ONLY)" >&2; exit 2; }
repos_arg=$(IFS=,; echo "${names[*]}")
python3 benches/quality.py report --out "$OUT" --repos "$repos_arg" --seed "$SEED" \
    --sample "$SAMPLE" --labels "$LABELS" --recall-dir benches/quality --revmine "$REVMINE_ID"
