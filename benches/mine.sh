#!/usr/bin/env bash
# Benchmark `revmine mine` against `git log -p` over the same history.
#
#   benches/mine.sh                               # generated repo + target/bench/rfcs
#   RFCS=/path/to/rfcs RUNS=5 benches/mine.sh
#   COMMITS=2000 FILES=400 RFCS=none benches/mine.sh   # quick run, generated repo only
#   REVMINE=/tmp/revmine-old benches/mine.sh       # time another build (no cargo build)
#
# Builds the release binary and generates target/bench/gen-history with
# benches/gen_history.py (deterministic, seed 7; regenerated only when COMMITS,
# FILES, SEED or the generator change). The real repo is a clone of
# rust-lang/rfcs at $RFCS (default target/bench/rfcs; skipped with a message
# when absent), e.g.
#   git clone https://github.com/rust-lang/rfcs target/bench/rfcs
# Installs hyperfine and GNU time via apt-get if missing.
#
# For each repo, one hyperfine invocation (warmup 1, RUNS runs, default 3) times
#   revmine mine REPO                     vs  git log -p --first-parent -- '*.md'
#   revmine mine REPO --history branches  vs  git log -p --no-merges -- '*.md'
# (exports target/bench/mine-NAME.{json,md}); then one extra run of each under
# GNU time gives peak RSS ("Maximum resident set size"), and the revmine runs
# add --json for commits, files and pairs. A summary table per repo follows,
# with the ratio revmine/git of the mean times (target <= 1.0).
#
# Note: revmine mines every path in mine.paths (default *.md, *.markdown,
# *.mdx, *.txt); the git baseline reads '*.md' only. Neither repo has files of
# the other kinds at HEAD.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

COMMITS="${COMMITS:-10000}"
FILES="${FILES:-2000}"
SEED="${SEED:-7}"
RUNS="${RUNS:-3}"
OUT=target/bench
GEN="$OUT/gen-history"
STAMP="$OUT/gen-history.stamp"
RFCS="${RFCS:-$OUT/rfcs}"
REVMINE="${REVMINE:-}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
    as_root apt-get install -y "$@" || { as_root apt-get update && as_root apt-get install -y "$@"; }
}

if [ -z "$REVMINE" ]; then
    echo "==> cargo build --release"
    cargo build --release
    REVMINE=target/release/revmine
    REVMINE_ID="built from $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null ||
        REVMINE_ID="$REVMINE_ID + uncommitted changes in src/ or Cargo.*"
else
    REVMINE_ID="given as REVMINE"
fi
REVMINE_ID="$REVMINE, sha256 $(sha256sum "$REVMINE" | cut -c1-12), $REVMINE_ID"

mkdir -p "$OUT"
want="commits=$COMMITS files=$FILES seed=$SEED gen=$(sha256sum benches/gen_history.py | cut -c1-16)"
if [ ! -d "$GEN/.git" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
    echo "==> generating $GEN ($want)"
    rm -rf "$STAMP" "$GEN"
    python3 benches/gen_history.py "$GEN" --commits "$COMMITS" --files "$FILES" --seed "$SEED"
    echo "$want" > "$STAMP"
else
    echo "==> reusing $GEN ($want)"
fi

command -v hyperfine >/dev/null || { echo "==> installing hyperfine"; apt_install hyperfine; }
[ -x /usr/bin/time ] || { echo "==> installing GNU time"; apt_install time; }

echo "==> nproc: $(nproc)   cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "==> $(git --version); $(hyperfine --version)"
echo "==> revmine: $REVMINE_ID"

REPOS=("gen-history=$GEN")
if [ -e "$RFCS/.git" ]; then
    REPOS+=("rfcs=$RFCS")
else
    echo "==> no rfcs clone at $RFCS: skipping the real repo"
    echo "    (git clone https://github.com/rust-lang/rfcs $OUT/rfcs, or RFCS=/path benches/mine.sh)"
fi

SUMMARIES=()
for entry in "${REPOS[@]}"; do
    name="${entry%%=*}"
    repo="${entry#*=}"
    echo
    echo "==> $name: $repo  (HEAD $(git -C "$repo" rev-parse --short HEAD))"

    REV_FP="$REVMINE mine $repo -o /tmp/revmine-bench-pairs.jsonl"
    REV_BR="$REVMINE mine $repo --history branches -o /tmp/revmine-bench-pairs-b.jsonl"
    GIT_FP="git -C $repo log -p --first-parent -- '*.md' > /dev/null"
    GIT_BR="git -C $repo log -p --no-merges -- '*.md' > /dev/null"

    echo "==> hyperfine ($name)"
    hyperfine --warmup 1 --runs "$RUNS" --ignore-failure \
        --export-json "$OUT/mine-$name.json" --export-markdown "$OUT/mine-$name.md" \
        -n "revmine mine (first-parent)" "$REV_FP" \
        -n "git log -p --first-parent" "$GIT_FP" \
        -n "revmine mine --history branches" "$REV_BR" \
        -n "git log -p --no-merges" "$GIT_BR"

    # Peak RSS: one extra run of each under GNU time (outside hyperfine's timing);
    # the revmine runs add --json for the summary (commits, files, pairs).
    echo "==> peak RSS (/usr/bin/time -v) and revmine --json summaries ($name)"
    rc_rev_fp=0
    /usr/bin/time -v -o "$OUT/mine-$name-rev-fp.time" \
        $REVMINE mine "$repo" --json -o "$OUT/mine-$name-fp.jsonl" \
        > "$OUT/mine-$name-fp.summary.json" 2> "$OUT/mine-$name-fp.stderr" || rc_rev_fp=$?
    rc_rev_br=0
    /usr/bin/time -v -o "$OUT/mine-$name-rev-br.time" \
        $REVMINE mine "$repo" --history branches --json -o "$OUT/mine-$name-br.jsonl" \
        > "$OUT/mine-$name-br.summary.json" 2> "$OUT/mine-$name-br.stderr" || rc_rev_br=$?
    rc_git_fp=0
    /usr/bin/time -v -o "$OUT/mine-$name-git-fp.time" sh -c "$GIT_FP" || rc_git_fp=$?
    rc_git_br=0
    /usr/bin/time -v -o "$OUT/mine-$name-git-br.time" sh -c "$GIT_BR" || rc_git_br=$?

    md_files=$(git -C "$repo" ls-files '*.md' | wc -l)
    fp_commits=$(git -C "$repo" rev-list --count --first-parent HEAD)
    nm_commits=$(git -C "$repo" rev-list --count --no-merges HEAD)
    all_commits=$(git -C "$repo" rev-list --count HEAD)

    summary=$(python3 - "$OUT" "$name" "$md_files" "$fp_commits" "$nm_commits" "$all_commits" \
        "$rc_rev_fp" "$rc_git_fp" "$rc_rev_br" "$rc_git_br" <<'PY'
import json, re, sys
out, name = sys.argv[1], sys.argv[2]
md_files, fp_commits, nm_commits, all_commits = map(int, sys.argv[3:7])
rcs = sys.argv[7:11]
res = json.load(open(f"{out}/mine-{name}.json"))["results"]

def rss_mib(tag):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                  open(f"{out}/mine-{name}-{tag}.time").read())
    return int(m.group(1)) / 1024 if m else float("nan")

def summ(mode):
    try:
        s = json.load(open(f"{out}/mine-{name}-{mode}.summary.json"))
        return s, s["repos"][0]
    except Exception:
        return None, None

tags = ["rev-fp", "git-fp", "rev-br", "git-br"]
print(f"--- {name}: {all_commits} commits reachable from HEAD "
      f"({fp_commits} first-parent, {nm_commits} non-merge), {md_files} *.md files at HEAD")
print(f"{'command':<32} {'mean s':>8} {'± s':>7} {'min s':>7} {'peak RSS MiB':>13} {'exit':>5}")
for r, tag, rc in zip(res, tags, rcs):
    codes = sorted(set(r.get("exit_codes") or []))
    note = f"  (hyperfine exit codes {codes})" if codes and codes != [0] else ""
    print(f"{r['command']:<32} {r['mean']:8.3f} {r['stddev'] or 0:7.3f} {r['min']:7.3f} "
          f"{rss_mib(tag):13.1f} {rc:>5}{note}")
print()
print(f"{'mode':<14} {'revmine s':>10} {'git s':>8} {'revmine/git':>12} {'commits':>8} "
      f"{'files':>6} {'versions':>9} {'units':>7} {'pairs':>7}")
for mode, rv, gt in (("first-parent", res[0], res[1]), ("branches", res[2], res[3])):
    s, r0 = summ("fp" if mode == "first-parent" else "br")
    if s:
        cols = (f"{r0['commits']:>8} {r0['files']:>6} {r0['versions']:>9} "
                f"{r0['units']:>7} {s['pairs']:>7}")
    else:
        cols = f"{'(no --json summary)':>41}"
    ratio = rv["mean"] / gt["mean"]
    flag = "" if ratio <= 1.0 else "  > target 1.0"
    print(f"{mode:<14} {rv['mean']:10.3f} {gt['mean']:8.3f} {ratio:12.2f} {cols}{flag}")
for mode in ("fp", "br"):
    s, r0 = summ(mode)
    if r0:
        sk = sorted(r0.get("skipped", {}).items(), key=lambda kv: -kv[1])
        print(f"skipped ({'first-parent' if mode == 'fp' else 'branches'}): "
              + (", ".join(f"{k} {v}" for k, v in sk) or "none"))
print(f"(hyperfine markdown: {out}/mine-{name}.md; revmine stderr: {out}/mine-{name}-{{fp,br}}.stderr)")
PY
)
    echo
    echo "$summary"
    SUMMARIES+=("$summary")
    for mode in fp br; do
        if [ ! -s "$OUT/mine-$name-$mode.summary.json" ]; then
            echo "!! revmine mine ($mode) printed no JSON summary on $name; its stderr:"
            head -n 30 "$OUT/mine-$name-$mode.stderr"
        fi
    done
done

echo
echo "==> summary (RUNS=$RUNS; revmine: $REVMINE_ID)"
for s in "${SUMMARIES[@]}"; do
    echo "$s"
    echo
done
