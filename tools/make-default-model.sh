#!/usr/bin/env bash
# Reproduces models/equitempo-default.eqtm (see models/MODEL_CARD.md):
#  1. self-supervised pre-training on drum patterns the program renders itself (clear rhythm, no labels used),
#  2. self-supervised training on the unlabelled Debian game-music corpus, starting from step 1, twice 12 epochs,
#  3. label-free calibration of BPM = scale × z on freshly rendered rhythms (other seeds),
#  4. measurements: equivariance on the held-out corpus files, Acc1/Acc2 on the GMD drum set,
#  5. the label-free class head: the whole network fine-tuned on songs and drum patterns the program
#     composes and renders itself at known tempi (models/equitempo-labelfree.eqtm),
#  6. the default head: step 5 fine-tuned further on the GMD train split (human-set labels) plus the
#     renders (models/equitempo-default.eqtm), both stored as float16,
#  7. the evaluation on the held-out development sets (GMD validation, MIDI songs, tracker modules).
# No human tempo label is used in steps 1–5. Wall time on 2 cores: ~8 + 13 + 12 min of self-supervised
# training, ~25 + ~21 min of fine-tuning (OMP_NUM_THREADS=1: see README), plus rendering and evaluation.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${EQUITEMPO_CACHE:-$HOME/.cache/equitempo}"
RUNS="$CACHE/runs"
ET="$ROOT/equitempo"
"$ROOT/tools/build-corpus.sh"
"$ROOT/tools/build-gmd-devset.sh" --split validation
"$ET" render-rhythms --out "$CACHE/rhythms" --count 150 --seconds 30 --seed 7
"$ET" train --audio "$CACHE/rhythms" --out "$RUNS/rhythm-pretrain" --fill-views --batch 8 --excerpts-per-file 2 --epochs 18 \
  $( [ -f "$RUNS/rhythm-pretrain/state.json" ] && echo --resume )
"$ET" train --audio "$CACHE/corpus/audio" --out "$RUNS/ssl-main" --init-from "$RUNS/rhythm-pretrain/model.eqtm" \
  --fill-views --batch 8 --excerpts-per-file 2 --epochs 12 $( [ -f "$RUNS/ssl-main/state.json" ] && echo --resume )
"$ET" train --audio "$CACHE/corpus/audio" --out "$RUNS/ssl-cont" --init-from "$RUNS/ssl-main/model.eqtm" \
  --fill-views --batch 8 --excerpts-per-file 2 --epochs 12 $( [ -f "$RUNS/ssl-cont/state.json" ] && echo --resume )
cp "$RUNS/ssl-cont/model.eqtm" "$RUNS/ssl-cont/calibrated.eqtm"
"$ET" calibrate --model "$RUNS/ssl-cont/calibrated.eqtm" --evaluate "$CACHE/devsets/gmd/index.tsv"
"$ET" equivariance --model "$RUNS/ssl-cont/calibrated.eqtm" --audio "$RUNS/ssl-main/validation-files.txt" --max-files 74
"$ET" equivariance --fresh --audio "$RUNS/ssl-main/validation-files.txt" --max-files 74
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
"$ROOT/tools/build-gmd-devset.sh" --split train --out "$CACHE/devsets/gmd-train"
"$ET" render-songs --out "$CACHE/devsets/rendered-songs" --count 300 --seconds 30 --seed 11
"$ET" render-rhythms --out "$CACHE/devsets/rendered-rhythms" --count 200 --seconds 30 --seed 21
RENDERS=(--labels "$CACHE/devsets/rendered-songs/index.tsv" --labels "$CACHE/devsets/rendered-rhythms/index.tsv")
HEAD=(--label-sigma 0.02 --excerpt-samples 352800 --min-rate 0.8 --max-rate 1.25)
"$ET" finetune --model "$RUNS/ssl-cont/calibrated.eqtm" "${RENDERS[@]}" --out "$RUNS/ft-rendered-whole" \
  --epochs 60 --patience 10 --lr 3e-3 "${HEAD[@]}" \
  --label-source "songs and drum patterns composed and rendered by EquiTempo at known tempi (render-songs, render-rhythms): no human labels" \
  $( [ -f "$RUNS/ft-rendered-whole/state.json" ] && echo --resume )
"$ET" finetune --model "$RUNS/ft-rendered-whole/model.eqtm" --labels "$CACHE/devsets/gmd-train/index.tsv" "${RENDERS[@]}" \
  --out "$RUNS/ft-combined" --epochs 12 --patience 4 --lr 1e-3 "${HEAD[@]}" \
  --label-source "GMD train split rendered with FluidR3 (human-set BPM labels) plus songs and drum patterns composed and rendered by EquiTempo at known tempi; started from the label-free model" \
  $( [ -f "$RUNS/ft-combined/state.json" ] && echo --resume )
"$ET" compact "$RUNS/ft-rendered-whole/model.eqtm" "$ROOT/models/equitempo-labelfree.eqtm"
"$ET" compact "$RUNS/ft-combined/model.eqtm" "$ROOT/models/equitempo-default.eqtm"
"$ROOT/tools/build-dev-index.sh"
"$ET" eval --labels "$CACHE/devsets/dev.tsv" --out "$CACHE/reports/shipped"
"$ET" eval --labels "$CACHE/devsets/dev.tsv" --model "$ROOT/models/equitempo-labelfree.eqtm" --out "$CACHE/reports/labelfree"
echo "models/ updated; put the printed figures into models/MODEL_CARD.md"
