#!/usr/bin/env bash
# Builds the extra unlabelled audio for self-supervised training (issue 10): songs the program composes and
# renders with several General MIDI soundfonts, and drum patterns it renders, in a cache folder outside the
# repository. Their tempo labels (index.tsv) are never read by `train`, which takes audio only. Seeds differ
# from every set used for fine-tuning or measuring (make-default-model.sh renders with seeds 7, 11 and 21),
# and nothing here comes from a development set.
#   tools/build-ssl-extra.sh [--out DIR] [--songs N] [--seconds S] [--rhythms N]
# Default out: ${EQUITEMPO_CACHE:-~/.cache/equitempo}/ssl-extra. Idempotent: a finished part (its index.tsv
# exists) is skipped, so a killed run redoes only the part it was in.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${EQUITEMPO_CACHE:-$HOME/.cache/equitempo}/ssl-extra"
SONGS=75 SECONDS_EACH=60 RHYTHMS=300
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --songs) SONGS="$2"; shift 2 ;;
    --seconds) SECONDS_EACH="$2"; shift 2 ;;
    --rhythms) RHYTHMS="$2"; shift 2 ;;
    *) echo "build-ssl-extra: unknown option $1" >&2; exit 2 ;;
  esac
done
ET="$ROOT/equitempo"
# Timbre variety: four General MIDI banks from Debian (FluidR3 GM is the one the heads were fine-tuned on).
"$ROOT/tools/bootstrap.sh"
need=()
for p in timgm6mb-soundfont musescore-general-soundfont fluid-soundfont-gs; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "[ssl-extra] installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
SOUNDFONTS=(
  "fluidr3-gm:/usr/share/sounds/sf2/FluidR3_GM.sf2"
  "fluidr3-gs:/usr/share/sounds/sf2/FluidR3_GS.sf2"
  "timgm6mb:/usr/share/sounds/sf2/TimGM6mb.sf2"
  "musescore:/usr/share/sounds/sf3/MuseScore_General.sf3"
)
seed=101
for entry in "${SOUNDFONTS[@]}"; do
  name="${entry%%:*}" sf="${entry#*:}"
  dir="$OUT/songs-$name"
  if [ ! -f "$dir/index.tsv" ]; then
    echo "[ssl-extra] $SONGS songs of ${SECONDS_EACH} s with $name"
    rm -rf "$dir.tmp"
    "$ET" render-songs --out "$dir.tmp" --count "$SONGS" --seconds "$SECONDS_EACH" --seed "$seed" --soundfont "$sf" >/dev/null
    rm -f "$dir.tmp"/*.mid
    rm -rf "$dir"; mv "$dir.tmp" "$dir"
  fi
  seed=$((seed + 1))
done
if [ ! -f "$OUT/rhythms/index.tsv" ]; then
  echo "[ssl-extra] $RHYTHMS drum patterns of 30 s"
  rm -rf "$OUT/rhythms.tmp"
  "$ET" render-rhythms --out "$OUT/rhythms.tmp" --count "$RHYTHMS" --seconds 30 --seed 131 >/dev/null
  rm -rf "$OUT/rhythms"; mv "$OUT/rhythms.tmp" "$OUT/rhythms"
fi
echo "[ssl-extra] $(find "$OUT" -name '*.wav' | wc -l) WAV files, $(du -sh "$OUT" | cut -f1), in $OUT"
