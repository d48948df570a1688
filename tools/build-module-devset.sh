#!/usr/bin/env bash
# Builds the tracker-module development set: the .mod .xm .s3m .it files of Debian game packages,
# played through libopenmpt, which renders the audio and reports speed, tempo and row as it plays.
# The label is the row rate that covers most of the render (src/EquiTempo/DevSets/ModuleTempoLabel.cs):
# BPM = 24 × tempo / speed / rows per beat (the IT highlight when the file has one, else 4).
# Such labels are right up to a factor of 2 or 3 (index column score_with = acc2).
#
# Usage: tools/build-module-devset.sh [--out DIR] [--packages "a b"] [--min-seconds 30]
#                                     [--min-share 0.95] [--max-seconds 240]
#
#   --out DIR        the set (default ${EQUITEMPO_CACHE:-~/.cache/equitempo}/devsets/modules)
#   --packages "..." Debian packages to take modules from (default: the list below)
#   --min-seconds N  shortest render kept (default 30)
#   --min-share F    share of the render that must be within 2 % of its main row rate (default 0.95)
#   --max-seconds N  where a render stops: many modules loop back to their start (default 240)
#
# Writes DIR/audio/PACKAGE/*.wav (mono, 44.1 kHz; NAME.sN.wav for subsong N of a multi-song
# module), DIR/index.tsv (path bpm kind source file seconds share rows_per_beat rows_per_beat_from
# rows_per_minute libopenmpt_bpm format score_with) and DIR/labels.tsv (every module and subsong
# found, with its label or why it was left out). Packages are fetched with apt-get download and
# extracted (never installed) to ${EQUITEMPO_CACHE:-~/.cache/equitempo}/packages. Installs
# libopenmpt0 when missing. Idempotent: renders are redone (a few seconds each), indexes rewritten.
set -euo pipefail
LOG_TAG=module-devset
source "$(dirname "${BASH_SOURCE[0]}")/lib/devset-common.sh"

# The packages ../shared/DATA.md names, then others found to hold modules.
DEFAULT_PACKAGES="pekka-kana-2-data biniax2-data freedroid-data rafkill-data gl-117-data tecnoballz-data \
open-invaders-data madbomber-data flobopuyo \
pingus-data heroes-sound-tracks bomberclone-data circuslinux-data pachi-data penguin-command gemdropx \
njam-data solarwolf bugsquish dodgindiamond2 monsterz-data gltron criticalmass-data ballz-data \
ceferino-data gweled vectoroids"

OUT="$CACHE_ROOT/devsets/modules"
PACKAGES="$DEFAULT_PACKAGES"
MAX_SECONDS=240
parse_devset_options "$@"

install_debian_packages libopenmpt0
build_devset modules --max-seconds "$MAX_SECONDS"
