#!/usr/bin/env bash
# Reproduces models/equitempo-tcn-default.eqtm (see models/MODEL_CARD.md):
#  1. self-supervised pre-training on drum patterns the program renders itself (clear rhythm, no labels used),
#  2. self-supervised training on the unlabelled Debian game-music corpus, starting from step 1, twice 12 epochs,
#  3. label-free calibration of BPM = scale × z on freshly rendered rhythms (other seeds),
#  4. measurements: equivariance on the held-out corpus files, Acc1/Acc2 on the GMD drum set,
#  5. the label-free class head: the whole network fine-tuned on songs and drum patterns the program
#     composes and renders itself at known tempi (models/equitempo-tcn-labelfree.eqtm),
#  6. the default head: step 5 fine-tuned further on the GMD train split (human-set labels) plus the
#     renders (models/equitempo-tcn-default.eqtm), both stored as float16,
#  7. the evaluation on the held-out development sets (GMD validation, MIDI songs, tracker modules).
# No human tempo label is used in steps 1–5. Wall time on 2 cores: ~8 + 13 + 12 min of self-supervised
# training, the fine-tuning of tools/make-heads.sh, plus rendering and evaluation.
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
"$ROOT/tools/make-heads.sh" "$RUNS/ssl-cont/calibrated.eqtm" shipped
"$ET" compact "$RUNS/heads-shipped/labelfree/model.eqtm" "$ROOT/models/equitempo-tcn-labelfree.eqtm"
"$ET" compact "$RUNS/heads-shipped/default/model.eqtm" "$ROOT/models/equitempo-tcn-default.eqtm"
echo "models/ updated; put the printed figures into models/MODEL_CARD.md"
