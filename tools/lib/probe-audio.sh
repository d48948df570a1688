#!/usr/bin/env bash
# probe-audio.sh FILE...  — helper of tools/build-corpus.sh (meant to be run under `xargs -0 -P2`).
# Prints one line per file: FILE<TAB>SECONDS<TAB>CODEC, where CODEC is the first audio stream's
# codec as ffprobe names it (vorbis, opus, mp3, flac, pcm_s16le, ...). A file that ffprobe cannot
# read, or that has no audio stream or no duration, gets SECONDS and CODEC "NA".
# Each line goes out in a single write, so two parallel copies can share one output file.
set -uo pipefail

for f in "$@"; do
  out=$(ffprobe -v error -select_streams a:0 \
          -show_entries format=duration:stream=codec_name,duration \
          -of default=noprint_wrappers=1 -- "$f" 2>/dev/null) || out=""
  codec=NA fdur="" sdur=""
  while IFS='=' read -r key value; do
    case "$key" in
      codec_name) codec="$value" ;;
      duration)
        # The stream section comes first in the output, the format section last.
        if [ -z "$sdur" ]; then sdur="$value"; else fdur="$value"; fi ;;
    esac
  done <<<"$out"
  dur="$fdur"
  case "$dur" in ''|N/A) dur="$sdur" ;; esac
  case "$dur" in ''|N/A) dur=NA ;; esac
  [ "$codec" = NA ] && dur=NA
  printf '%s\t%s\t%s\n' "$f" "$dur" "$codec"
done
