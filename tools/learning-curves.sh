#!/usr/bin/env bash
# Learning curves of the tempo-class head (issue 10, table (c)): does self-supervised pre-training help?
# The head is fine-tuned (whole network, the shipped heads' settings) from three starting points with
# 10, 30, 100 and 300 labelled tracks, the same budget each, then evaluated on every held-out dev set:
#   new    models/equitempo-ssl.eqtm (the paper-scale self-supervised run, tools/make-ssl-model.sh; epoch 63 of 65)
#   e22    the same run's epoch 22 (136,576 views), shipped as models/equitempo-ssl.eqtm until commit 4f5b41f
#          (needs the git history)
#   old    the self-supervised network the shipped heads started from (commit 3104167's
#          models/equitempo-default.eqtm: scale readout, median ratio error 4.82 %; needs the git history)
#   fresh  a randomly initialised network (--fresh)
# Labelled pool: the renders and the GMD train split the shipped heads learnt from (render-songs seed 11,
# render-rhythms seed 21, GMD train), shuffled once with a fixed seed; N tracks = the pool's first N, so
# the sets are nested (10 ⊂ 30 ⊂ 100 ⊂ 300). 20 % of them choose the best epoch (the finetune default).
# Budget: --epochs E (default 60) × 20 steps of 16 excerpts (19,200 excerpts) for every cell: each epoch
# draws ceil(320 / training tracks) excerpts from each training track (capped at 20 steps), so small sets
# are seen more often, not for less time. No early stopping (--patience 0); the best validation epoch is
# kept. (At 20 epochs the 100- and 300-track heads were still improving: too short to compare.)
#
# Usage: tools/learning-curves.sh [--backbone new|e22|e63|old|fresh|FILE.eqtm] [--tracks N] [--epochs E]  (default: every cell)
# Writes $CACHE/runs/curves-eE/<backbone>-<N>/ (run folder and eval report) and appends one row per kind
# and cell to $CACHE/reports/learning-curves-eE.tsv. Resumable: a finished cell (its report exists) is skipped.
# Runs alone on the machine (training runs LibTorch on one thread and the kernels on every core).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${EQUITEMPO_CACHE:-$HOME/.cache/equitempo}"
DEV="$CACHE/devsets"
ET="$ROOT/equitempo"
BACKBONES="new old fresh"
SIZES="10 30 100 300"
EPOCHS=60
while [ $# -gt 0 ]; do
  case "$1" in
    --backbone) BACKBONES="$2"; shift 2;;   # new, e22, e63, old, fresh or a model file (default: new old fresh)
    --tracks) SIZES="$2"; shift 2;;
    --epochs) EPOCHS="$2"; shift 2;;
    -h|--help) sed -n '2,22p' "$0"; exit 0;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done

# The labelled pool and the dev index (tools/lib/labelled-pool.sh).
source "$ROOT/tools/lib/labelled-pool.sh"
ensure_labelled_pool
POOL="$DEV/learning-pool.tsv"
{
  printf 'path\tbpm\tkind\n'
  for set in rendered-songs rendered-rhythms gmd-train; do
    awk -F'\t' -v dir="$DEV/$set" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      { printf "%s/%s\t%s\t%s\n", dir, $col["path"], $col["bpm"], $col["kind"] }' "$DEV/$set/index.tsv"
  done | sort | shuf --random-source=<(yes 10)
} > "$POOL.tmp"
mv "$POOL.tmp" "$POOL"

# A model file as committed at COMMIT, cached as NAME (the old backbones live only in the repository's history).
from_history() {
  local commit="$1" path="$2" f="$CACHE/backbones/$3"
  if [ ! -f "$f" ]; then
    mkdir -p "$(dirname "$f")"
    git -C "$ROOT" show "$commit:$path" > "$f.tmp" \
      || { echo "error: $3 needs the repository's history (commit $commit)" >&2; rm -f "$f.tmp"; exit 1; }
    mv "$f.tmp" "$f"
  fi
  echo --model "$f"
}

backbone_args() {
  case "$1" in
    new) [ -f "$ROOT/models/equitempo-ssl.eqtm" ] || { echo "error: models/equitempo-ssl.eqtm missing" >&2; exit 1; }
         echo --model "$ROOT/models/equitempo-ssl.eqtm";;
    old) from_history 3104167 models/equitempo-default.eqtm old-ssl.eqtm;;
    e22) from_history 4f5b41f models/equitempo-ssl.eqtm ssl-epoch22.eqtm;;
    fresh) echo --fresh;;
    e63) from_history 1b5aa9a models/equitempo-ssl.eqtm ssl-epoch63.eqtm;;
    *.eqtm) [ -f "$1" ] || { echo "error: $1: no such model file" >&2; exit 1; }
            echo --model "$1";;
    *) echo "error: unknown backbone $1 (new, e22, e63, old, fresh or a model file)" >&2; exit 2;;
  esac
}

RUNS="$CACHE/runs/curves-e$EPOCHS"
TABLE="$CACHE/reports/learning-curves-e$EPOCHS.tsv"
mkdir -p "$(dirname "$TABLE")" "$RUNS"
[ -f "$TABLE" ] || printf 'backbone\ttracks\tkind\ttracks_scored\tacc1\tacc2\tfinetune_seconds\tbest_epoch\n' > "$TABLE"
for b in $BACKBONES; do
  start=$(backbone_args "$b")
  for n in $SIZES; do
    out="$RUNS/$(basename "$b" .eqtm)-$n"
    [ -f "$out/report/tracks.csv" ] && { echo "[curves] $b-$n done"; continue; }
    train=$((n - (n + 2) / 5))   # the finetune split: round(0.2 N) held out
    per=$(( (320 + train - 1) / train ))
    sub="$RUNS/pool-$n.tsv"
    head -n $((n + 1)) "$POOL" > "$sub"
    t0=$(date +%s)
    # shellcheck disable=SC2086
    "$ET" finetune $start --labels "$sub" --out "$out" --epochs "$EPOCHS" --max-steps 20 --excerpts-per-track "$per" \
      --patience 0 --lr 3e-3 --label-sigma 0.02 --excerpt-samples 352800 --min-rate 0.8 --max-rate 1.25 \
      --label-source "learning curve: $n tracks of renders and GMD train (labels), from the $b backbone" \
      $( [ -f "$out/state.json" ] && echo --resume )
    secs=$(( $(date +%s) - t0 ))
    "$ET" eval --labels "$DEV/dev.tsv" --model "$out/model.eqtm" --out "$out/report"
    best=$("$ET" info "$out/model.eqtm" | grep -o '"finetune_epochs": *"[0-9]*"' | grep -o '[0-9][0-9]*' || true)
    # tracks.csv: kind is column 2, acc1/acc2 columns 10/11 (empty for a track the method refused: a miss).
    awk -F, -v b="$(basename "$b" .eqtm)" -v n="$n" -v s="$secs" -v e="$best" 'NR > 1 { k[$2]++; a1[$2] += $10; a2[$2] += $11; t++; x1 += $10; x2 += $11 }
      END { for (kind in k) printf "%s\t%s\t%s\t%d\t%.1f\t%.1f\t%s\t%s\n", b, n, kind, k[kind], 100 * a1[kind] / k[kind], 100 * a2[kind] / k[kind], s, e
            printf "%s\t%s\tall\t%d\t%.1f\t%.1f\t%s\t%s\n", b, n, t, 100 * x1 / t, 100 * x2 / t, s, e }' \
      "$out/report/tracks.csv" >> "$TABLE"
  done
done
column -t -s$'\t' "$TABLE"
