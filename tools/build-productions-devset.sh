#!/usr/bin/env bash
# Builds the development set of productions made by people: the demo projects of LMMS (lmms-common:
# projects/demos and projects/shorties) rendered with `lmms render`, and the demo songs of Hydrogen
# (hydrogen-data: data/demo_songs) rendered with h2cli. Each project sets one tempo, in quarter notes
# (LMMS <head bpm>, Hydrogen <bpm>), which is the label (src: tools/EquiTempo.DevSets/Labels/ProductionProject.cs);
# in 6/8, 9/8 and 12/8 the label is the felt dotted-quarter beat, 2/3 of it. Projects that automate
# the tempo (LMMS automation or a controller on the tempo, a Hydrogen tempo timeline) and the LMMS
# tutorials are left out. This is a development set: never train on it.
#
# Usage: tools/build-productions-devset.sh [beats] [--out DIR] [--packages "lmms hydrogen"] [--min-seconds 10]
#                                          [--max-seconds 240]
#
#   beats            render nothing (--no-render of the tool): write the .beats files and the indexes of a
#                    set already rendered (seconds; rendering takes most of an hour); projects not rendered
#                    yet are left out, and lmms and hydrogen need not be installed, only their projects
#   --out DIR        the set (default ${EQUITEMPO_CACHE:-~/.cache/equitempo}/devsets/productions)
#   --packages "..." which programs' projects to take: lmms, hydrogen or both (default both)
#   --min-seconds N  shortest render kept (default 10: several demos are short loops)
#   --max-seconds N  where a render is cut (default 240)
#
# Writes DIR/audio/{lmms,hydrogen}/NAME.wav (mono, 44.1 kHz, 16 bit; NAME is the path below the
# projects folder, "/" -> "__") with NAME.beats beside it (the project's beat grid: one beat a line,
# 0, 60/BPM, 2·60/BPM ... to the end of the render, this assumes the audio starts on the grid, with no
# offset; each time followed by a TAB and its number in the bar, 1 = downbeat, when the project states
# its bars: LMMS's time signature, Hydrogen songs whose patterns are all one bar), DIR/index.tsv
# (path bpm kind source file seconds share meter quarter_bpm beats start_offset score_with, with
# kind = production, score_with = acc1) and DIR/labels.tsv (every project found, with
# its label or why it was left out). Installs lmms and hydrogen (with lmms-common, hydrogen-data) when
# missing. h2cli plays in real time. Idempotent: renders are kept, the indexes rewritten.
set -euo pipefail
LOG_TAG=productions-devset
source "$(dirname "${BASH_SOURCE[0]}")/lib/devset-common.sh"

OUT="$CACHE_ROOT/devsets/productions"
PACKAGES="lmms hydrogen"
MIN_SECONDS=10
MAX_SECONDS=240
RENDER=()
if [ "${1:-}" = beats ]; then RENDER=(--no-render); shift; fi
parse_devset_options "$@"

DEVSET_FOLDERS=()
for program in $PACKAGES; do
  case "$program" in
    lmms) install_debian_packages lmms-common; [ "${#RENDER[@]}" -gt 0 ] || install_debian_packages lmms
      DEVSET_FOLDERS+=("lmms=/usr/share/lmms/projects") ;;
    hydrogen) install_debian_packages hydrogen-data; [ "${#RENDER[@]}" -gt 0 ] || install_debian_packages hydrogen
      DEVSET_FOLDERS+=("hydrogen=/usr/share/hydrogen/data/demo_songs") ;;
    *) die "unknown program '$program' (lmms or hydrogen)" ;;
  esac
done
[ "${#DEVSET_FOLDERS[@]}" -gt 0 ] || die "no program given"
build_devset productions --max-seconds "$MAX_SECONDS" "${RENDER[@]}"
