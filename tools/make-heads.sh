#!/usr/bin/env bash
# The two shipped heads from a given self-supervised network (steps 5–7 of tools/make-default-model.sh):
#  1. label-free: the whole network fine-tuned on songs and drum patterns the program composes and renders
#     itself at known tempi (no human labels),
#  2. default: 1 fine-tuned further on the GMD train split (human-set labels) plus the renders,
#  3. both evaluated on the held-out development sets (dev.tsv: GMD validation, MIDI songs, modules).
# Usage: tools/make-heads.sh BACKBONE.eqtm NAME [EXTRA_INDEX.tsv ...]
#   EXTRA_INDEX: more label-free training audio for both heads, beside the renders (e.g. the realistic renders of
#   tools/build-realistic-renders.sh, $CACHE/devsets/realistic-train/index.tsv); when the realistic validation set
#   exists, both heads are also evaluated on it (timbre sources absent from training).
# Writes $CACHE/runs/heads-NAME/{labelfree,default}/ (run folders, model.eqtm) and their eval reports in
# $CACHE/reports/heads-NAME-{labelfree,default}/. It does not touch models/: ship a pair with
#   equitempo compact RUN/model.eqtm models/equitempo-{labelfree,default}.eqtm
# Resumable (each fine-tune resumes from its run folder). Run it alone on the machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${EQUITEMPO_CACHE:-$HOME/.cache/equitempo}"
DEV="$CACHE/devsets"
ET="$ROOT/equitempo"
[ $# -ge 2 ] || { sed -n '2,14p' "$0"; exit 2; }
BACKBONE="$1"; NAME="$2"; RUNS="$CACHE/runs/heads-$2"; shift 2
EXTRA=(); EXTRA_SOURCE=""
for x in "$@"; do
  [ -f "$x" ] || { echo "error: $x: no such index file" >&2; exit 1; }
  EXTRA+=(--labels "$x"); EXTRA_SOURCE="$EXTRA_SOURCE, $(basename "$(dirname "$x")")"
done
[ -z "$EXTRA_SOURCE" ] || EXTRA_SOURCE="; also the program's label-free renders in${EXTRA_SOURCE#,}"
[ -f "$BACKBONE" ] || { echo "error: $BACKBONE: no such model file" >&2; exit 1; }
source "$ROOT/tools/lib/labelled-pool.sh"
ensure_labelled_pool
RENDERS=(--labels "$DEV/rendered-songs/index.tsv" --labels "$DEV/rendered-rhythms/index.tsv" ${EXTRA[@]+"${EXTRA[@]}"})
HEAD=(--label-sigma 0.02 --excerpt-samples 352800 --min-rate 0.8 --max-rate 1.25)
resume() { [ -f "$1/state.json" ] && echo --resume || true; }
"$ET" finetune --model "$BACKBONE" "${RENDERS[@]}" --out "$RUNS/labelfree" \
  --epochs 60 --patience 10 --lr 3e-3 "${HEAD[@]}" $(resume "$RUNS/labelfree") \
  --label-source "songs and drum patterns composed and rendered by EquiTempo at known tempi (render-songs, render-rhythms$EXTRA_SOURCE): no human labels"
"$ET" finetune --model "$RUNS/labelfree/model.eqtm" --labels "$DEV/gmd-train/index.tsv" "${RENDERS[@]}" \
  --out "$RUNS/default" --epochs 12 --patience 4 --lr 1e-3 "${HEAD[@]}" $(resume "$RUNS/default") \
  --label-source "GMD train split rendered with FluidR3 (human-set BPM labels) plus songs and drum patterns composed and rendered by EquiTempo at known tempi$EXTRA_SOURCE; started from the label-free model"
for h in labelfree default; do
  "$ET" eval --labels "$DEV/dev.tsv" --model "$RUNS/$h/model.eqtm" --out "$CACHE/reports/heads-$NAME-$h"
  if [ -f "$DEV/realistic-val/index.tsv" ]; then
    "$ET" eval --labels "$DEV/realistic-val/index.tsv" --model "$RUNS/$h/model.eqtm" --out "$CACHE/reports/heads-$NAME-$h-realistic-val"
  fi
done
