#!/usr/bin/env bash
# Issue 11, Build 2: reproduces models/equitempo-beats.eqtm, the paper's network with a learnt beat head and a downbeat
# head beside it. It starts from models/equitempo-tcn-default.eqtm and fine-tunes the whole network multi-task
# (tempo-class cross-entropy + 10 × the beat head's + 10 × the downbeat head's binary cross-entropy, both on Böck-widened
# frame targets) on the 400 realistic renders (beats and their numbers from the renderer: the downbeats), the GMD train
# split (beats from its MIDI; the downbeat head learns from those only once they are numbered) and 285 rendered drum
# patterns (no beat files: tempo only). Tracks without numbered beats add no downbeat loss. Then it compacts
# it into models/ and scores beats on the dev sets and realistic-val, tracked on the head and on the onset envelope at
# the shipped default's tempo, so that only the activation differs.
#   tools/make-beats-model.sh [train|eval|all]   (default all)
# Resumable: rerun it after a kill and the fine-tune continues from its last completed epoch. The run folder is not the
# beat-only run's (runs/tcn-beathead, whose finished state would be resumed without a downbeat head). 12 epochs of 49
# steps of 16 excerpts: about 5 min on this 2-core machine alone (measured for the beat head alone; the downbeat head
# adds one kernel-3 conv on the frame features); each eval 0.5–2.5 min. (36 epochs measured better on realistic-val but
# worse on the productions and drums: README, "Beats".)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${EQUITEMPO_CACHE:-$HOME/.cache/equitempo}"
RUN="${BEATS_RUN:-$CACHE/runs/tcn-beat-downbeat}"
DEVSETS="$CACHE/devsets"
ET="$ROOT/equitempo"
STAGE="${1:-all}"
case "$STAGE" in train|eval|all) ;; *) echo "make-beats-model: unknown stage '$STAGE' (train, eval or all)" >&2; exit 2 ;; esac
if [ "$STAGE" = train ] || [ "$STAGE" = all ]; then
  "$ROOT/tools/build-gmd-devset.sh" --split train --out "$DEVSETS/gmd-train"
  "$ROOT/tools/build-realistic-renders.sh"
  "$ROOT/tools/build-dev-index.sh"
  [ -f "$DEVSETS/rhythms-285/index.tsv" ] || "$ET" render-rhythms --out "$DEVSETS/rhythms-285" --count 285 --seconds 30 --seed 21
  "$ET" finetune --model "$ROOT/models/equitempo-tcn-default.eqtm" --labels "$DEVSETS/realistic-train/index.tsv" \
    --labels "$DEVSETS/gmd-train/index.tsv" --labels "$DEVSETS/rhythms-285/index.tsv" --out "$RUN" \
    --beat-weight 10 --downbeat-weight 10 --epochs 12 --patience 4 --lr 1e-3 --batch 16 --label-sigma 0.02 --excerpt-samples 352800 \
    --min-rate 0.8 --max-rate 1.25 \
    --label-source "realistic renders (400; tempo and beats from the renderer), GMD train (285; human-set BPM, beats from its MIDI) and 285 rendered drum patterns; started from equitempo-tcn-default" \
    $( [ -f "$RUN/state.json" ] && echo --resume )
  "$ET" compact "$RUN/model.eqtm" "$ROOT/models/equitempo-beats.eqtm"
fi
if [ "$STAGE" = eval ] || [ "$STAGE" = all ]; then
  M="$RUN/model.eqtm"
  for set in dev realistic-val; do
    labels="$DEVSETS/$set/index.tsv"; [ "$set" = dev ] && labels="$DEVSETS/dev.tsv"
    "$ET" eval --labels "$labels" --model default --beat-model "$M" --out "$RUN/eval-$set-head"
    "$ET" eval --labels "$labels" --model default --activation onset --out "$RUN/eval-$set-onset"
    "$ET" eval --labels "$labels" --model "$M" --beat-model "$M" --out "$RUN/eval-$set-own-tempo"
  done
fi
