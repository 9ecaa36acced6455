#!/usr/bin/env bash
# Recall and false positives of revmine's secret scanner, side by side with
# Yelp's detect-secrets, on the same files.
#
#   benches/secrets.sh
#
# 1. The integration test `secrets::secret_scanner_recall_and_false_positives`
#    generates the test set (seeded: 336 planted secrets of 16 kinds in 320
#    realistic samples, and 1000 ordinary notes), scores revmine's scanner on
#    it, and with REVMINE_SECRETS_OUT writes the files, a manifest and its
#    per-secret results to target/bench/secrets/.
# 2. detect-secrets (pinned, installed into a venv under target/) scans the
#    same files: `detect-secrets scan --all-files planted clean`.
#    With PROSE=DIR (default: a clone of rust-lang/rfcs under target/bench
#    if there is one) up to 3000 paragraphs of real Markdown prose are
#    scanned too, as a check on text nobody wrote for this test.
# 3. benches/secrets_table.py prints recall per kind, overall and for
#    credentials only (detect-secrets has no e-mail or phone detector), and
#    the false-positive rate (clean notes with any finding) of both.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

OUT=target/bench/secrets
VENV=target/venv-detect-secrets
DETECT_SECRETS="${DETECT_SECRETS:-detect-secrets==1.5.0}"

rm -rf "$OUT"
mkdir -p "$OUT"
echo "==> test set and revmine's scores"
# Real prose too, when a clone of rust-lang/rfcs is at hand (not committed):
PROSE="${PROSE:-}"
for d in target/bench/rfcs/text /work/main/target/bench/rfcs/text; do
    if [ -z "$PROSE" ] && [ -d "$d" ]; then PROSE="$d"; fi
done
REVMINE_SECRETS_PROSE="$PROSE" REVMINE_SECRETS_OUT="$PWD/$OUT" cargo test --test integration \
    secrets::secret_scanner_recall_and_false_positives -- --exact --nocapture

if [ ! -x "$VENV/bin/detect-secrets" ]; then
    echo "==> installing $DETECT_SECRETS into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "$DETECT_SECRETS"
fi
echo "==> $("$VENV/bin/detect-secrets" --version | head -1) scan"
dirs="planted clean"; [ -d "$OUT/prose" ] && dirs="$dirs prose"
(cd "$OUT" && "$OLDPWD/$VENV/bin/detect-secrets" scan --all-files $dirs > detect-secrets.json)

python3 benches/secrets_table.py "$OUT"
