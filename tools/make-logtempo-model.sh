#!/usr/bin/env bash
# Issue 12: trains the log-tempo model family (tempogram on a log-tempo axis, shift-equivariant network, shifted
# cross-entropy + invariance + expected-value ratio) on the unlabelled corpus and the extra unlabelled renders,
# calibrates its one offset and metrical prior on drum patterns the program renders, measures the octave-folded
# errors against the paper's z of models/equitempo-ssl.eqtm, and evaluates it on the development sets.
#   tools/make-logtempo-model.sh [train|calibrate|measure|eval|renders|default|all]   (default all)
# Stage renders (not part of all): fine-tunes RUN/model.eqtm on the realistic renders' felt-beat tempi (renderer labels, no
# human ones; tools/build-realistic-renders.sh) into RUN-renders/model.eqtm and evaluates it on the dev sets and realistic-val.
# models/equitempo-logtempo-renders.eqtm is that, from LOGTEMPO_TEMPOGRAM=both (see models/MODEL_CARD.md).
# Stage default (not part of all): fine-tunes RUN-renders/model.eqtm further on the GMD train split (human-set labels) with
# rendered drum patterns and the realistic renders into RUN-default/model.eqtm and evaluates it. The shipped pair (models/MODEL_CARD.md): with
# LOGTEMPO_START=models/equitempo-logtempo.eqtm, stage renders makes models/equitempo-labelfree.eqtm and stage default
# models/equitempo-default.eqtm (autocorrelation tempogram, the default).
#   LOGTEMPO_START=FILE starts stage renders from FILE instead of RUN/model.eqtm.
#   LOGTEMPO_TEMPOGRAM=autocorrelation|fourier|both picks the tempogram of a new run (train's --tempogram; default autocorrelation).
# Writes only into the run folder ($EQUITEMPO_CACHE/runs/logtempo by default; nothing into models/).
# Resumable: rerun it after a kill and training continues from its last completed epoch.
# Budget: 6 epochs × 100 steps × 32 examples × 3 views = 57,600 views. Measured on this 2-core machine beside other
# work (load average ≈ 20): 31–75 views/s, the loader (decoding, two WSOLA stretches, augmentation, three log-mels)
# bounding the speed and the network taking 1–5 % of each step; at 50 views/s that is 19 min (13 min at 75, 24 at 40).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${EQUITEMPO_CACHE:-$HOME/.cache/equitempo}"
RUN="${LOGTEMPO_RUN:-$CACHE/runs/logtempo}"
ET="$ROOT/equitempo"
DEV="$CACHE/devsets/dev.tsv"
STAGE="${1:-all}"
case "$STAGE" in train|calibrate|measure|eval|renders|default|all) ;; *) echo "make-logtempo-model: unknown stage '$STAGE' (train, calibrate, measure, eval, renders, default or all)" >&2; exit 2 ;; esac
run_stage() { [ "$STAGE" = all ] || [ "$STAGE" = "$1" ]; }

if run_stage train; then
  "$ROOT/tools/build-corpus.sh"
  "$ROOT/tools/build-ssl-extra.sh"
  "$ET" train --family log-tempo --audio "$CACHE/corpus/audio" --audio "$CACHE/ssl-extra" --out "$RUN" \
    --fill-views --batch 32 --excerpts-per-file 6 --max-steps 100 --epochs 6 --lr 3e-3 ${LOGTEMPO_TEMPOGRAM:+--tempogram "$LOGTEMPO_TEMPOGRAM"} \
    $( [ -f "$RUN/state.json" ] && echo --resume )
fi
if run_stage calibrate; then
  # The one absolute offset and the metrical prior, on 96 drum patterns and click tracks rendered at 60–200 BPM,
  # stored in RUN/model.eqtm itself (its readout); a finished run's rerun leaves the weights as they are.
  "$ET" calibrate --model "$RUN/model.eqtm" --examples 96
fi
if run_stage measure || run_stage eval; then
  "$ROOT/tools/build-dev-index.sh"
fi
if run_stage measure; then
  # Before any head: log2(estimate / label) mod 1 per dev-set kind, the log-tempo peak against the paper's z.
  mkdir -p "$RUN/octave-errors"
  dotnet build "$ROOT/bench/EquiTempo.Bench" -c Release -nologo -v q >/dev/null
  dotnet "$ROOT/bench/EquiTempo.Bench/bin/Release/net10.0/EquiTempo.Bench.dll" octave-errors --labels "$DEV" \
    --model "$RUN/model.eqtm" --paper "$ROOT/models/equitempo-ssl.eqtm" --out "$RUN/octave-errors" | tee "$RUN/octave-errors/table.md"
fi
if run_stage eval; then
  "$ET" eval --labels "$DEV" --model "$RUN/model.eqtm" --out "$RUN/eval"
  "$ET" eval --labels "$DEV" --method dsp --out "$RUN/eval-dsp"
fi
if [ "$STAGE" = renders ]; then
  "$ROOT/tools/build-realistic-renders.sh"
  "$ROOT/tools/build-dev-index.sh"
  # 400 training renders (80 of them hold out the best epoch), stretched 0.8–1.25 with the label moved along; 8 min here.
  "$ET" finetune --model "${LOGTEMPO_START:-$RUN/model.eqtm}" --labels "$CACHE/devsets/realistic-train/index.tsv" --out "$RUN-renders" \
    --epochs 12 --batch 16 --lr 1e-2 --patience 4 --min-rate 0.8 --max-rate 1.25 --label-sigma 0.02 --excerpts-per-track 4 \
    --label-source "realistic renders (tools/build-realistic-renders.sh, 400 tracks, felt-beat tempo from the renderer; no human labels)" \
    $( [ -f "$RUN-renders/state.json" ] && echo --resume )
  "$ET" eval --labels "$DEV" --model "$RUN-renders/model.eqtm" --out "$RUN-renders/eval"
  "$ET" eval --labels "$CACHE/devsets/realistic-val/index.tsv" --model "$RUN-renders/model.eqtm" --out "$RUN-renders/eval-realistic-val"
fi
if [ "$STAGE" = default ]; then
  "$ROOT/tools/build-gmd-devset.sh" --split train --out "$CACHE/devsets/gmd-train"
  "$ROOT/tools/build-realistic-renders.sh"
  "$ROOT/tools/build-dev-index.sh"
  # Drum patterns at known tempi (one pattern in six a bare click track): without them the network halves click tracks
  # at 120–180 BPM (the renders and GMD always have notes between the beats).
  [ -f "$CACHE/devsets/rhythms-285/index.tsv" ] || "$ET" render-rhythms --out "$CACHE/devsets/rhythms-285" --count 285 --seconds 30 --seed 21
  # 285 GMD train performances + 285 drum patterns + the 400 renders (194 of the 970 hold out the best epoch), a lower
  # rate than stage renders since it starts from a fine-tuned network; 8 min here.
  "$ET" finetune --model "$RUN-renders/model.eqtm" --labels "$CACHE/devsets/gmd-train/index.tsv" \
    --labels "$CACHE/devsets/rhythms-285/index.tsv" --labels "$CACHE/devsets/realistic-train/index.tsv" --out "$RUN-default" \
    --epochs 12 --batch 16 --lr 3e-3 --patience 4 --min-rate 0.8 --max-rate 1.25 --label-sigma 0.02 --excerpts-per-track 4 \
    --label-source "GMD train split rendered with FluidR3 (human-set BPM labels) plus 285 drum patterns and 400 realistic renders made by EquiTempo at known tempi; started from the render-tuned log-tempo network" \
    $( [ -f "$RUN-default/state.json" ] && echo --resume )
  "$ET" eval --labels "$DEV" --model "$RUN-default/model.eqtm" --out "$RUN-default/eval"
  "$ET" eval --labels "$CACHE/devsets/realistic-val/index.tsv" --model "$RUN-default/model.eqtm" --out "$RUN-default/eval-realistic-val"
fi
