#!/usr/bin/env bash
# Trains the comparison rows of the README's accuracy table (the shipped models come from
# tools/make-default-model.sh, which must have run first: this starts from its self-supervised model):
#  - the paper's route: the whole network fine-tuned on the GMD train split only (human labels),
#  - the supervised baseline: the same TCN trained from scratch on the GMD train split,
#  - the paper's frozen variant: the class head alone on frozen self-supervised features, on renders.
# Same settings as the shipped heads. OMP_NUM_THREADS=1: on 2 shared cores a 2-thread LibTorch team
# slows down many-fold whenever another process takes a core (see README).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${EQUITEMPO_CACHE:-$HOME/.cache/equitempo}"
RUNS="$CACHE/runs"
ET="$ROOT/equitempo"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
SSL="$RUNS/ssl-cont/calibrated.eqtm"
[ -f "$SSL" ] || { echo "error: $SSL missing: run tools/make-default-model.sh first" >&2; exit 1; }
HEAD=(--label-sigma 0.02 --excerpt-samples 352800 --min-rate 0.8 --max-rate 1.25 --lr 3e-3)
GMD=(--labels "$CACHE/devsets/gmd-train/index.tsv" --excerpts-per-track 2 --epochs 30 --patience 8)
resume() { [ -f "$1/state.json" ] && echo --resume || true; }
"$ET" finetune --model "$SSL" "${GMD[@]}" "${HEAD[@]}" --out "$RUNS/ft-gmd-whole2" $(resume "$RUNS/ft-gmd-whole2") \
  --label-source "Groove MIDI Dataset train split rendered with FluidR3 (human-set BPM labels)"
"$ET" finetune --fresh "${GMD[@]}" "${HEAD[@]}" --out "$RUNS/ft-gmd-scratch" $(resume "$RUNS/ft-gmd-scratch") \
  --label-source "Groove MIDI Dataset train split rendered with FluidR3 (human-set BPM labels); supervised from scratch"
"$ET" finetune --freeze --model "$SSL" --labels "$CACHE/devsets/rendered-songs/index.tsv" --labels "$CACHE/devsets/rendered-rhythms/index.tsv" \
  --epochs 30 --patience 8 "${HEAD[@]}" --out "$RUNS/ft-rendered-frozen" $(resume "$RUNS/ft-rendered-frozen") \
  --label-source "songs and drum patterns composed and rendered by EquiTempo at known tempi: no human labels; head only (frozen backbone)"
