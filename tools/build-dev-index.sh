#!/usr/bin/env bash
# Writes one index of every labelled development set held out from training, so that one
# `equitempo eval --labels .../dev.tsv` gives the per-kind table (drums, midi, module, production):
#   path<TAB>bpm<TAB>kind<TAB>beats      (absolute paths; beats empty for a set without beat files, modules
#   today, so eval scores beats on the rows that have them and tempo alone on the others)
# Sets: GMD validation split (tools/build-gmd-devset.sh --split validation), MIDI songs
# (tools/build-midi-devset.sh), tracker modules (tools/build-module-devset.sh), LMMS and Hydrogen
# productions (tools/build-productions-devset.sh). Builds any that are missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEV="${EQUITEMPO_CACHE:-$HOME/.cache/equitempo}/devsets"
[ -f "$DEV/gmd/index.tsv" ] || "$ROOT/tools/build-gmd-devset.sh" --split validation
[ -f "$DEV/midi/index.tsv" ] || "$ROOT/tools/build-midi-devset.sh"
[ -f "$DEV/modules/index.tsv" ] || "$ROOT/tools/build-module-devset.sh"
[ -f "$DEV/productions/index.tsv" ] || "$ROOT/tools/build-productions-devset.sh"
OUT="$DEV/dev.tsv"
{
  printf 'path\tbpm\tkind\tbeats\n'
  for set in gmd midi modules productions; do
    # Columns are found by name: the builders write different extra columns.
    awk -F'\t' -v dir="$DEV/$set" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      { beats = ("beats" in col && $col["beats"] != "") ? dir "/" $col["beats"] : ""
        printf "%s/%s\t%s\t%s\t%s\n", dir, $col["path"], $col["bpm"], $col["kind"], beats }' "$DEV/$set/index.tsv"
  done
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "[dev] $(($(wc -l < "$OUT") - 1)) tracks in $OUT: $(cut -f3 "$OUT" | tail -n +2 | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')$(awk -F'\t' 'NR > 1 && $4 != "" { n++ } END { printf "%d with beats", n }' "$OUT")"
