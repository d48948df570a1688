#!/usr/bin/env bash
# Renders Groove MIDI Dataset drum performances (../shared/data/gmd) to audio with fluidsynth and the
# FluidR3 General MIDI soundfont, into a cache folder outside the repository, with an index file:
#   path<TAB>bpm<TAB>kind<TAB>style<TAB>split<TAB>midi<TAB>beats      (path, beats relative to the index;
#   midi relative to GMD/midi)
# Labels: the bpm column of GMD's info.csv, which equals each MIDI file's tempo event (the click the
# drummer played to). Only full "beat" performances of at least --min-seconds are kept (fills are 1–2 s).
# Beside each render, NAME.beats: the click, a quarter note apart from MIDI time 0 (= audio time 0; the
# label is the quarter-note tempo, in 6/8 too), from the first note to the end of the last, each time
# with its number in the bar (TAB, 1 = downbeat) from the file's time signature; 5/8 has times only.
# Idempotent: existing renders are kept. Installs fluidsynth and the soundfont when missing.
# Usage: tools/build-gmd-devset.sh [beats] [--out DIR] [--split "train validation"] [--min-seconds 15] [--max N]
#   beats: render nothing, write the .beats and the index of the renders there are (a set already built)
set -euo pipefail
LOG_TAG=gmd
source "$(dirname "${BASH_SOURCE[0]}")/lib/devset-common.sh"
GMD="${GMD:-$REPO_ROOT/../shared/data/gmd}"
OUT="$CACHE_ROOT/devsets/gmd"
SPLITS="train validation"
MIN_SECONDS=15
MAX=0
RENDER=1
if [ "${1:-}" = beats ]; then RENDER=0; shift; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2;;
    --split) SPLITS="$2"; shift 2;;
    --min-seconds) MIN_SECONDS="$2"; shift 2;;
    --max) MAX="$2"; shift 2;;
    -h|--help) sed -n '2,13p' "$0"; exit 0;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
[ -f "$GMD/info.csv" ] || { echo "error: $GMD/info.csv not found (set GMD=DIR)" >&2; exit 1; }
SF=/usr/share/sounds/sf2/FluidR3_GM.sf2
if [ "$RENDER" = 1 ] && { ! command -v fluidsynth >/dev/null || [ ! -f "$SF" ]; }; then
  echo "[gmd] installing fluidsynth and fluid-soundfont-gm" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fluidsynth fluid-soundfont-gm >/dev/null
fi
mkdir -p "$OUT/audio"
INDEX="$OUT/index.tsv"
TMP_INDEX="$INDEX.tmp"
printf 'path\tbpm\tkind\tstyle\tsplit\tmidi\n' > "$TMP_INDEX"
n=0
# info.csv: drummer,session,id,style,bpm,beat_type,time_signature,midi_filename,duration,split
while IFS=, read -r drummer session id style bpm beat_type ts midi duration split; do
  split="${split%$'\r'}"
  [ "$beat_type" = beat ] || continue
  case " $SPLITS " in *" $split "*) ;; *) continue;; esac
  awk -v d="$duration" -v m="$MIN_SECONDS" 'BEGIN { exit !(d >= m) }' || continue
  [ "$MAX" -gt 0 ] && [ "$n" -ge "$MAX" ] && break
  name="$(echo "$midi" | tr '/' '_' | sed 's/\.mid$//')"
  wav="audio/$name.wav"
  if [ ! -s "$OUT/$wav" ] && [ "$RENDER" = 0 ]; then
    echo "[gmd] $wav: not rendered yet, left out (beats run renders none)" >&2
    continue
  fi
  if [ ! -s "$OUT/$wav" ]; then
    fluidsynth -ni -g 0.8 -r 44100 -F "$OUT/$wav.tmp.wav" "$SF" "$GMD/midi/$midi" >/dev/null 2>&1 \
      && mv "$OUT/$wav.tmp.wav" "$OUT/$wav" || { echo "[gmd] failed to render $midi" >&2; rm -f "$OUT/$wav.tmp.wav"; continue; }
  fi
  printf '%s\t%s\tdrums\t%s\t%s\t%s\n' "$wav" "$bpm" "$style" "$split" "$midi" >> "$TMP_INDEX"
  n=$((n + 1))
done < <(tail -n +2 "$GMD/info.csv")
run_devset_tool beats --index "$TMP_INDEX" --midi-root "$GMD/midi" >&2
mv "$TMP_INDEX" "$INDEX"
echo "[gmd] $n performances in $INDEX"
