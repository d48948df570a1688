#!/usr/bin/env bash
# Builds the realistic-render training and validation sets (issue 11): songs in 17 rhythm styles, played
# by several General MIDI synthesisers and recorded drum kits, produced (EQ, saturation, compression,
# reverb, noise floor, Opus/MP3 round trip), with the felt-beat tempo in index.tsv and the felt beats
# in a .beats file beside every WAV. The validation set's timbre sources are all absent from training:
#   held out (validation only): musescore, timidity-freepats (synthesisers);
#     kit-avl-redzeppelin, kit-hydrogen-forzeestereo, kit-hydrogen-varibreaks, kit-hydrogen-electricempirekit
#   training: fluidr3-gm, timgm6mb, csound-gm, opl3; kit-avl-blackpearl, kit-lmms and 9 Hydrogen kits
# Output: $EQUITEMPO_CACHE/devsets/realistic-train and realistic-val (default ~/.cache/equitempo),
# each with mixNNNN_<style>_<bpm>bpm.wav/.beats and index.tsv (path bpm kind beats source style production).
# Idempotent: a set whose .done marker matches the settings is skipped; an interrupted set resumes
# (finished WAVs are kept); a set built with other settings is removed and rebuilt.
#   tools/build-realistic-renders.sh [--out-root DIR] [--train-count 400] [--val-count 120]
#                                    [--seconds 30] [--jobs 2] [--only train|val]
set -euo pipefail
LOG_TAG=realistic
source "$(dirname "${BASH_SOURCE[0]}")/lib/devset-common.sh"

OUT_ROOT="$CACHE_ROOT/devsets"
TRAIN_COUNT=400
VAL_COUNT=120
SECONDS_PER_TRACK=30
JOBS=2
ONLY=""
while [ $# -gt 0 ]; do
  [ "$1" = -h ] || [ "$1" = --help ] || [ $# -ge 2 ] || die "$1 needs a value (see --help)"
  case "$1" in
    --out-root) OUT_ROOT="$2"; shift 2 ;;
    --train-count) TRAIN_COUNT="$2"; shift 2 ;;
    --val-count) VAL_COUNT="$2"; shift 2 ;;
    --seconds) SECONDS_PER_TRACK="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
case "$ONLY" in ""|train|val) ;; *) die "--only takes train or val" ;; esac

TRAIN_SOURCES="fluidr3-gm,timgm6mb,csound-gm,opl3,kit-avl-blackpearl,kit-lmms,kit-hydrogen-audiophob,kit-hydrogen-bja-pacific,kit-hydrogen-colomboacousticdrumkit,kit-hydrogen-hardelectro1,kit-hydrogen-millo-drums-v-1,kit-hydrogen-millo-multilayered2,kit-hydrogen-millo-multilayered3,kit-hydrogen-the-black-pearl-1-0,kit-hydrogen-rumpf-kit-z01-h2"
VAL_SOURCES="musescore,timidity-freepats,kit-avl-redzeppelin,kit-hydrogen-forzeestereo,kit-hydrogen-varibreaks,kit-hydrogen-electricempirekit"

# The held-out split must be disjoint; checked here so an edit of either list cannot leak a source.
overlap="$(comm -12 <(tr , '\n' <<<"$TRAIN_SOURCES" | sort) <(tr , '\n' <<<"$VAL_SOURCES" | sort))"
[ -z "$overlap" ] || die "sources in both sets: $overlap"

install_debian_packages fluidsynth fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont csound-soundfont \
  opl3-soundfont timidity freepats avldrums.lv2-soundfont hydrogen-drumkits lmms-common sox ffmpeg

# build_set NAME COUNT SEED SOURCES
build_set() {
  local name="$1" count="$2" seed="$3" sources="$4" dir="$OUT_ROOT/realistic-$1"
  local settings="count=$count seconds=$SECONDS_PER_TRACK seed=$seed sources=$sources styles=all kit-probability=0.5"
  if [ -f "$dir/.done" ] && [ "$(cat "$dir/.done")" = "$settings" ] && [ -f "$dir/index.tsv" ] \
     && [ "$(($(wc -l < "$dir/index.tsv") - 1))" = "$count" ]; then
    log "$name: up to date ($count tracks in $dir)"
    return 0
  fi
  if [ -f "$dir/.done" ]; then
    log "$name: built with other settings; removing its renders"
    rm -f "$dir"/mix*.wav "$dir"/mix*.beats "$dir/index.tsv" "$dir/.done"
  fi
  mkdir -p "$dir"
  log "$name: rendering $count tracks × $SECONDS_PER_TRACK s into $dir"
  local start=$SECONDS
  OMP_NUM_THREADS=1 "$REPO_ROOT/equitempo" render-mix --out "$dir" --count "$count" --seconds "$SECONDS_PER_TRACK" \
    --seed "$seed" --sources "$sources" --jobs "$JOBS"
  printf '%s' "$settings" > "$dir/.done"
  log "$name: done in $((SECONDS - start)) s"
}

[ "$ONLY" = val ] || build_set train "$TRAIN_COUNT" 1101 "$TRAIN_SOURCES"
[ "$ONLY" = train ] || build_set val "$VAL_COUNT" 2202 "$VAL_SOURCES"
