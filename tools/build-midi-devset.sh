#!/usr/bin/env bash
# Builds the MIDI development set: the MIDI songs of Debian game packages, labelled with the tempo
# that covers most of each song (tools/EquiTempo.DevSets/Labels/MidiTempoLabel.cs), rendered with fluidsynth
# and the FluidR3 General MIDI soundfont.
#
# Usage: tools/build-midi-devset.sh [beats] [--out DIR] [--packages "a b"] [--min-seconds 30] [--min-share 0.95]
#
#   beats            render nothing: write the .beats files and the indexes of a set already rendered
#                    (10 s, where rendering takes a quarter of an hour); songs not rendered yet are left out
#   --out DIR        the set (default ${EQUITEMPO_CACHE:-~/.cache/equitempo}/devsets/midi)
#   --packages "..." Debian packages to take MIDI files from (default: simutrans-data openttd-openmsx)
#   --min-seconds N  shortest song kept, first note to end of last note (default 30)
#   --min-share F    share of the song that must be within 2 % of its main tempo (default 0.95)
#
# Writes DIR/audio/PACKAGE/*.wav, beside each its .beats (the song's beat grid from its tempo map, at
# the label's felt beat, MIDI time 0 = audio time 0; each time with its number in the bar, TAB, 1 =
# downbeat, when the song's time signatures state every bar: tools/EquiTempo.DevSets/Labels/MidiBeatGrid.cs),
# DIR/index.tsv (path bpm kind source file seconds
# share meter quarter_bpm beats score_with; paths relative to DIR) and DIR/labels.tsv (every MIDI file
# found, with its label or why it was left out). Packages are fetched with apt-get download and extracted (never
# installed) to ${EQUITEMPO_CACHE:-~/.cache/equitempo}/packages. Installs fluidsynth and
# fluid-soundfont-gm when missing. Idempotent: existing renders are kept, the indexes rewritten.
set -euo pipefail
LOG_TAG=midi-devset
source "$(dirname "${BASH_SOURCE[0]}")/lib/devset-common.sh"

OUT="$CACHE_ROOT/devsets/midi"
PACKAGES="simutrans-data openttd-openmsx"
RENDER=(--soundfont /usr/share/sounds/sf2/FluidR3_GM.sf2)
if [ "${1:-}" = beats ]; then RENDER=(--no-render); shift; fi
parse_devset_options "$@"

[ "${RENDER[0]}" = --no-render ] || install_debian_packages fluidsynth fluid-soundfont-gm
build_devset midi "${RENDER[@]}"
