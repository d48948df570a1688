#!/usr/bin/env bash
# Peak memory (RSS) and wall time of `equitempo estimate` per mode, on long files made from the shipped example.
# Usage: bench/memory/memory.sh [MINUTES] [RUNS] [MODE...]
#   MINUTES  length of the test file (default 60); it is the example clip looped, encoded as Ogg Vorbis
#   RUNS     runs per mode (default 3); the table shows the median peak RSS and the median wall time
#   MODE     any of: default local plot hop6.8 hopmin dsp dsp-local dsp-plot beats beats-onset dsp-beats
#            (default: all but hopmin and the beats modes)
# Each run is one process measured by /usr/bin/time -v ("Maximum resident set size"), with OMP_NUM_THREADS=1.
# Prints a markdown table on stdout; files go to ${EQUITEMPO_BENCH_DIR:-~/.cache/equitempo/bench}.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MINUTES="${1:-60}"; RUNS="${2:-3}"; shift $(( $# > 2 ? 2 : $# ))
MODES=("$@"); [ ${#MODES[@]} -gt 0 ] || MODES=(default local plot hop6.8 dsp dsp-local dsp-plot)
DIR="${EQUITEMPO_BENCH_DIR:-$HOME/.cache/equitempo/bench}"; mkdir -p "$DIR"
export OMP_NUM_THREADS=1
"$ROOT/equitempo" --version >/dev/null   # builds the CLI once, outside the measurements
# Runs use a copy of the build, so that building the tree meanwhile cannot change the program under measurement.
rm -rf "$DIR/cli"; cp -r "$ROOT/src/EquiTempo.Cli/bin/Release/net10.0" "$DIR/cli"
DLL="$DIR/cli/EquiTempo.Cli.dll"
AUDIO="$DIR/example-${MINUTES}min.ogg"
if [ ! -s "$AUDIO" ]; then
  echo "making $AUDIO ($MINUTES min of the example clip, looped)..." >&2
  ffmpeg -nostdin -hide_banner -loglevel error -stream_loop -1 -i "$ROOT/examples/traveling_minstrels-excerpt.ogg" \
    -t $((MINUTES * 60)) -c:a libvorbis -q:a 3 "$AUDIO.tmp.ogg"
  mv "$AUDIO.tmp.ogg" "$AUDIO"
fi
args_for() {
  case "$1" in
    default) echo "" ;;
    local) echo "--local" ;;
    plot) echo "--plot $DIR/curve.png" ;;
    hop6.8) echo "--hop 6.8" ;;
    hopmin) echo "--hop 0.13606" ;;    # just over 1/100 of a chunk (600,000 samples at 44.1 kHz = 13.6054 s): the smallest valid hop
    dsp) echo "--method dsp" ;;
    dsp-local) echo "--method dsp --local" ;;
    dsp-plot) echo "--method dsp --plot $DIR/curve-dsp.png" ;;
    beats) echo "--beats --format json" ;;                     # the learnt beat head, reading the estimate's log-mel
    beats-onset) echo "--beats --activation onset --format json" ;;
    dsp-beats) echo "--method dsp --beats --format json" ;;
    *) echo "unknown mode $1" >&2; exit 2 ;;
  esac
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "| mode | file | runs | median peak RSS | median wall time |"
echo "|---|---|---:|---:|---:|"
for mode in "${MODES[@]}"; do
  rss=(); wall=()
  for ((r = 1; r <= RUNS; r++)); do
    log="$(mktemp)"
    # shellcheck disable=SC2046
    /usr/bin/time -v dotnet "$DLL" estimate "$AUDIO" $(args_for "$mode") >/dev/null 2>"$log" || { cat "$log" >&2; exit 1; }
    rss+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")")
    wall+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")")
    rm -f "$log"
  done
  m_rss=$(printf '%s\n' "${rss[@]}" | median); m_wall=$(printf '%s\n' "${wall[@]}" | median)
  printf '| %s | %s min | %d | %.0f MB | %.0f s |\n' "equitempo estimate $(args_for "$mode" | sed "s#$DIR/##")" "$MINUTES" "$RUNS" "$(echo "$m_rss / 1024" | bc -l)" "$m_wall"
done
