#!/usr/bin/env bash
# build-corpus.sh — build EquiTempo's unlabelled training corpus from Debian game-music packages.
#
# Usage: tools/build-corpus.sh [--cache DIR] [--min-seconds 30] [--packages "a b c"]
#                              [--exclude REGEX] [--jobs 2]
#
#   --cache DIR        corpus folder (default: ${EQUITEMPO_CACHE:-$HOME/.cache/equitempo}/corpus)
#   --min-seconds N    keep audio files at least N seconds long (default 30; shorter ones are
#                      sound effects and jingles)
#   --packages "..."   Debian packages to harvest (default: the list in /work/shared/DATA.md)
#   --exclude REGEX    leave out long files that are not music: an extended regex, matched
#                      case-insensitively against "/" + the file's path inside the package
#                      (default: sound-effect folders, ambient/wind loops, speech, locomotive
#                      noise: see DEFAULT_EXCLUDE below); --exclude '' keeps everything
#   --jobs N           parallel ffprobe processes (default 2)
#
# Each package is fetched with `apt-get download` (the candidate version, i.e. bookworm here),
# unpacked with `dpkg-deb -x` (never installed), and its .ogg/.opus/.mp3/.flac/.wav files of at
# least --min-seconds whose path does not match --exclude are kept, byte for byte (no
# transcoding), as
#   CORPUS/audio/<package>/<path-below-the-common-folder, "/" replaced by "__">.<ext>
# Files whose content (sha256) was already kept, in this package or an earlier one, are skipped.
# CORPUS/index.tsv (path, package, seconds, format; path relative to CORPUS) is rewritten at the
# end from the files on disk. format is the codec: ogg (Vorbis), opus, mp3, flac, wav.
#
# Idempotent and resumable: a finished package has CORPUS/.state/<package>.done and is skipped;
# downloads and extractions go to temporary names under CORPUS/.work and are renamed when
# complete, so a killed run picks up where it stopped. The .deb and the extracted tree are
# deleted once a package is harvested. A package that fails is reported, the others go on, and
# the exit code is 1 at the end. Delete CORPUS/.state/<package>.done (or its audio folder) to
# redo one package.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROBE="$SCRIPT_DIR/lib/probe-audio.sh"

DEFAULT_PACKAGES="warzone2100-music wesnoth-1.16-music naev-data supertux-data widelands-data \
hedgewars-data singularity-music supertuxkart-data freedroidrpg-data drascula-music \
unknown-horizons flare-game megaglest-data hyperrogue-music asc-music"

# Long non-music files found in these packages: ambient loops (rain, wind, day/night forest
# tilesets), animal calls, radio static, PA announcements, a speech, locomotive noise.
DEFAULT_EXCLUDE='/(sfx|soundfx|sounds)/|/sound/animals/|steamlocomotive|_speech[.]|wind_(ambient|loop)[.]'

CORPUS="${EQUITEMPO_CACHE:-${HOME:?HOME is not set}/.cache/equitempo}/corpus"
MIN_SECONDS=30
PACKAGES="$DEFAULT_PACKAGES"
JOBS=2
EXCLUDE="$DEFAULT_EXCLUDE"

log() { printf '%s\n' "$*" >&2; }
die() { printf 'build-corpus: error: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --cache) [ $# -ge 2 ] || die "--cache needs a folder"; CORPUS="$2"; shift 2 ;;
    --cache=*) CORPUS="${1#*=}"; shift ;;
    --min-seconds) [ $# -ge 2 ] || die "--min-seconds needs a number"; MIN_SECONDS="$2"; shift 2 ;;
    --min-seconds=*) MIN_SECONDS="${1#*=}"; shift ;;
    --packages) [ $# -ge 2 ] || die "--packages needs a list"; PACKAGES="$2"; shift 2 ;;
    --packages=*) PACKAGES="${1#*=}"; shift ;;
    --exclude) [ $# -ge 2 ] || die "--exclude needs a regex ('' for none)"; EXCLUDE="$2"; shift 2 ;;
    --exclude=*) EXCLUDE="${1#*=}"; shift ;;
    --jobs) [ $# -ge 2 ] || die "--jobs needs a number"; JOBS="$2"; shift 2 ;;
    --jobs=*) JOBS="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

[[ "$MIN_SECONDS" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--min-seconds must be a number, got '$MIN_SECONDS'"
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive integer, got '$JOBS'"
if [ -n "$EXCLUDE" ]; then
  rc=0; echo | grep -Eq -- "$EXCLUDE" 2>/dev/null || rc=$?
  [ "$rc" -le 1 ] || die "--exclude is not a valid extended regex: '$EXCLUDE'"
fi
read -r -a PKGS <<<"$PACKAGES"
[ "${#PKGS[@]}" -gt 0 ] || die "--packages is empty"
for p in "${PKGS[@]}"; do
  [[ "$p" =~ ^[a-z0-9][a-z0-9.+-]+$ ]] || die "not a Debian package name: '$p'"
done

for tool in apt-get apt-cache dpkg-deb ffprobe sha256sum flock awk xargs find; do
  command -v "$tool" >/dev/null 2>&1 || {
    if [ "$tool" = ffprobe ]; then die "ffprobe not found: run tools/bootstrap.sh (installs ffmpeg)"; fi
    die "'$tool' not found"
  }
done
[ -x "$PROBE" ] || [ -r "$PROBE" ] || die "helper missing: $PROBE"

mkdir -p "$CORPUS" || die "cannot create $CORPUS"
CORPUS=$(cd "$CORPUS" && pwd)
AUDIO="$CORPUS/audio" STATE="$CORPUS/.state" WORK="$CORPUS/.work"
mkdir -p "$AUDIO" "$STATE" "$WORK"

exec 9>"$CORPUS/.lock"
flock -n 9 || die "another build-corpus.sh is already running on $CORPUS"

export LC_ALL=C
START=$(date +%s)
log "build-corpus: corpus $CORPUS, min ${MIN_SECONDS}s, ${#PKGS[@]} packages"

rm -f "$WORK/.apt-updated"
# candidate_version PKG: prints the version `apt-get download PKG` would fetch, or nothing.
candidate_version() {
  apt-cache policy -- "$1" 2>/dev/null | awk '$1=="Candidate:" && $2!="(none)" {print $2}'
}

# ---------------------------------------------------------------------------------------------
# process_package PKG — runs in a subshell with `set -e`; any failure makes it return non-zero.
# ---------------------------------------------------------------------------------------------
process_package() {
  local pkg="$1"
  local work="$WORK/$pkg" done_file="$STATE/$pkg.done" manifest="$STATE/$pkg.tsv"
  local deb="$work/$pkg.deb" root="$work/root"

  # Finished already? (same --min-seconds, and every kept file still on disk)
  if [ -f "$done_file" ] && [ -f "$manifest" ]; then
    local min_done excl_done
    min_done=$(sed -n 's/^min_seconds=//p' "$done_file")
    excl_done=$(sed -n 's/^exclude=//p' "$done_file")
    if [ "$min_done" = "$MIN_SECONDS" ] && [ "$excl_done" = "$EXCLUDE" ] && \
       awk -F'\t' -v c="$CORPUS" 'NR>1 { if ((getline line < (c "/" $1)) < 0) exit 1; close(c "/" $1) }' "$manifest"; then
      return 0
    fi
    log "[$pkg] marker is stale (different --min-seconds or --exclude, or files missing): redoing"
  fi
  rm -f "$done_file"
  mkdir -p "$work"

  # 1. Download (unless already downloaded or extracted).
  if [ ! -d "$root" ] && [ ! -f "$deb" ]; then
    local ver
    ver=$(candidate_version "$pkg")
    if [ -z "$ver" ] && [ ! -e "$WORK/.apt-updated" ] && [ "$(id -u)" = 0 ]; then
      log "[$pkg] no candidate in the apt lists: running apt-get update once"
      apt-get update -qq >/dev/null 2>&1 || log "[$pkg] apt-get update failed"
      touch "$WORK/.apt-updated"
      ver=$(candidate_version "$pkg")
    fi
    if [ -z "$ver" ]; then
      log "[$pkg] ERROR: no such package in the apt sources (check the name with 'apt-cache search'; as root, run 'apt-get update')"
      return 1
    fi
    log "[$pkg] downloading $ver"
    local tmp="$work/download.tmp"
    rm -rf "$tmp"; mkdir -p "$tmp"
    # apt-get download writes into the current folder; it verifies the hash from the signed index.
    if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root -- "$pkg=$ver" >"$tmp.log" 2>&1); then
      log "[$pkg] ERROR: apt-get download failed:"; sed 's/^/    /' "$tmp.log" | tail -n 5 >&2
      return 1
    fi
    local got=("$tmp"/*.deb)
    if [ "${#got[@]}" -ne 1 ] || [ ! -f "${got[0]}" ]; then
      log "[$pkg] ERROR: apt-get download produced no .deb"; return 1
    fi
    dpkg-deb --info "${got[0]}" >/dev/null 2>&1 || { log "[$pkg] ERROR: downloaded .deb is corrupt"; return 1; }
    dpkg-deb -f "${got[0]}" Version >"$work/version"
    mv -f "${got[0]}" "$deb"
    rm -rf "$tmp" "$tmp.log"
  fi

  # 2. Extract (unless already extracted), then drop the .deb.
  if [ ! -d "$root" ]; then
    log "[$pkg] extracting $(du -h "$deb" | cut -f1)"
    rm -rf "$root.tmp"
    dpkg-deb -x "$deb" "$root.tmp" || { log "[$pkg] ERROR: dpkg-deb -x failed (corrupt .deb? it is removed, re-run)"; rm -f "$deb"; return 1; }
    mv "$root.tmp" "$root"
  fi
  rm -f "$deb"

  # 3. Measure every audio file (in parallel).
  local probe="$work/probe.tsv"
  (cd "$root" && find . -type f \( -iname '*.ogg' -o -iname '*.opus' -o -iname '*.oga' -o -iname '*.mp3' \
        -o -iname '*.flac' -o -iname '*.wav' \) -print0 \
     | xargs -0 -r -n 16 -P "$JOBS" bash "$PROBE") | sort >"$probe.tmp"
  mv "$probe.tmp" "$probe"

  # 4. Choose the kept files: long enough, readable, content not seen before.
  local seen="$work/seen.tmp"
  : >"$seen"
  local other
  for other in "$STATE"/*.tsv; do
    [ -f "$other" ] && [ "$other" != "$manifest" ] && [ -f "${other%.tsv}.done" ] && \
      awk -F'\t' 'NR>1 {print $5}' "$other" >>"$seen"
  done
  local long="$work/long.tmp"
  awk -F'\t' -v min="$MIN_SECONDS" '$2!="NA" && $2+0 >= min+0' "$probe" >"$long"
  local n_all n_bad n_short
  n_all=$(wc -l <"$probe")
  n_bad=$(awk -F'\t' '$2=="NA"' "$probe" | wc -l)
  n_short=$(awk -F'\t' -v min="$MIN_SECONDS" '$2!="NA" && $2+0 < min+0' "$probe" | wc -l)
  # Leave out the long files whose path matches --exclude.
  local n_excl=0
  if [ -n "$EXCLUDE" ] && [ -s "$long" ]; then
    local lines="$work/excluded-lines.tmp"
    { cut -f1 "$long" | sed 's|^\./|/|' | grep -Ein -- "$EXCLUDE" || true; } | cut -d: -f1 >"$lines"
    n_excl=$(wc -l <"$lines")
    if [ "$n_excl" -gt 0 ]; then
      awk -F'\t' 'NR==FNR { drop[$1] = 1; next } (FNR in drop) { sub(/^\.\//, "", $1); printf "%s (%.0f s)\n", $1, $2 }' \
        "$lines" "$long" >"$work/excluded.tmp"
      awk 'NR==FNR { drop[$1] = 1; next } !(FNR in drop)' "$lines" "$long" >"$long.keep"
      mv "$long.keep" "$long"
      log "[$pkg] $n_excl long file(s) left out by --exclude: $(paste -sd';' "$work/excluded.tmp" | sed 's/;/; /g')"
    fi
  fi

  # sha256 of the long files (relative paths start with "./").
  local hashes="$work/hashes.tmp"
  : >"$hashes"
  if [ -s "$long" ]; then
    (cd "$root" && cut -f1 "$long" | tr '\n' '\0' | xargs -0 -r sha256sum --) \
      | awk '{h=$1; sub(/^[0-9a-f]+ [ *]/, ""); print $0 "\t" h}' | sort >"$hashes"
  fi
  # Common folder of the long files, stripped from the stored names.
  local prefix
  prefix=$(cut -f1 "$long" | awk '
      { n = split($0, parts, "/"); d = ""; for (i = 1; i < n; i++) d = d parts[i] "/";
        if (NR == 1) p = d; else while (index(d, p) != 1) { sub(/[^\/]*\/$/, "", p) } }
      END { print p }')

  # Plan: path<TAB>seconds<TAB>codec<TAB>sha256 -> stored name, dropping duplicates.
  local plan="$work/plan.tmp"
  join -t $'\t' -j 1 "$long" "$hashes" \
    | awk -F'\t' -v pfx="$prefix" -v pkg="$pkg" -v seenf="$seen" '
        BEGIN { while ((getline h < seenf) > 0) seen[h] = 1 }
        {
          if ($4 in seen) { dup++; print "DUP\t" $1 > "/dev/stderr"; next }
          seen[$4] = 1
          rel = substr($1, length(pfx) + 1)
          ext = rel; sub(/^.*\./, "", ext); base = substr(rel, 1, length(rel) - length(ext) - 1)
          gsub(/\//, "__", base); gsub(/[^A-Za-z0-9._+-]/, "_", base); ext = tolower(ext)
          name = base "." ext; k = 2
          while (name in used) name = base "~" k++ "." ext
          used[name] = 1
          print $1 "\t" $2 "\t" $3 "\t" $4 "\t" name
        }' >"$plan" 2>"$work/dups.tmp"
  local n_dup n_kept
  n_dup=$(grep -c '^DUP' "$work/dups.tmp" || true)
  n_kept=$(wc -l <"$plan")
  if [ "$n_dup" -gt 0 ]; then
    log "[$pkg] $n_dup duplicate(s) skipped (same content as a kept file): $(cut -f2 "$work/dups.tmp" | sed 's|^\./||' | head -n 5 | paste -sd' ')$([ "$n_dup" -gt 5 ] && echo ' ...')"
  fi
  if [ "$n_bad" -gt 0 ]; then
    log "[$pkg] $n_bad file(s) ffprobe cannot read, skipped: $(awk -F'\t' '$2=="NA"{sub(/^\.\//, "", $1); print $1}' "$probe" | head -n 5 | paste -sd' ')"
  fi

  # 5. Put the kept files in place (hard links from the extracted tree; copy across filesystems).
  local harvest="$work/harvest"
  rm -rf "$harvest"; mkdir -p "$harvest"
  local src secs codec sha name
  {
    printf 'path\tpackage\tseconds\tformat\tsha256\tbytes\n'
    while IFS=$'\t' read -r src secs codec sha name; do
      ln "$root/$src" "$harvest/$name" 2>/dev/null || cp "$root/$src" "$harvest/$name"
      printf 'audio/%s/%s\t%s\t%.3f\t%s\t%s\t%s\n' "$pkg" "$name" "$pkg" "$secs" \
        "$(codec_format "$codec")" "$sha" "$(stat -c %s "$harvest/$name")"
    done <"$plan"
  } >"$manifest.tmp"

  # 6. Commit: audio folder, manifest, marker; then delete the work folder.
  rm -rf "${AUDIO:?}/$pkg"
  if [ "$n_kept" -gt 0 ]; then mv "$harvest" "$AUDIO/$pkg"; fi
  mv "$manifest.tmp" "$manifest"
  {
    echo "package=$pkg"
    echo "version=$(cat "$work/version" 2>/dev/null || echo unknown)"
    echo "min_seconds=$MIN_SECONDS"
    echo "exclude=$EXCLUDE"
    echo "audio_files=$n_all"
    echo "kept=$n_kept"
    echo "short=$n_short"
    echo "excluded=$n_excl"
    echo "unreadable=$n_bad"
    echo "duplicates=$n_dup"
    echo "source_folder=${prefix#./}"
    echo "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$done_file.tmp"
  mv "$done_file.tmp" "$done_file"
  rm -rf "$work"
}

# Debian/ffprobe codec name -> the format column.
codec_format() {
  case "$1" in
    vorbis) echo ogg ;;
    opus) echo opus ;;
    mp3) echo mp3 ;;
    flac) echo flac ;;
    pcm_*|adpcm_*) echo wav ;;
    *) echo "$1" ;;
  esac
}

FAILED=()
for pkg in "${PKGS[@]}"; do
  t0=$(date +%s)
  set +e
  ( set -e; process_package "$pkg" )
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    FAILED+=("$pkg")
    rmdir "$WORK/$pkg" 2>/dev/null || true   # an empty work folder is of no use for resuming
    log "[$pkg] FAILED (skipped; the other packages go on)"
  elif [ $(( $(date +%s) - t0 )) -gt 1 ]; then
    log "[$pkg] done in $(( $(date +%s) - t0 )) s"
  fi
done

# ---------------------------------------------------------------------------------------------
# index.tsv from the files on disk (measurements from the manifests; ffprobe for anything else).
# ---------------------------------------------------------------------------------------------
known="$WORK/known.tmp"
cat /dev/null "$STATE"/*.tsv 2>/dev/null | awk -F'\t' '$1!="path"' >"$known" || true
ondisk="$WORK/ondisk.tmp"
(cd "$CORPUS" && find audio -mindepth 2 -maxdepth 2 -type f \( -iname '*.ogg' -o -iname '*.opus' \
   -o -iname '*.oga' -o -iname '*.mp3' -o -iname '*.flac' -o -iname '*.wav' \) -printf '%p\t%s\n') | sort >"$ondisk"
# Files not described (or with another size) by a manifest are measured now.
unknown="$WORK/unknown.tmp"
awk -F'\t' 'NR==FNR { size[$1] = $6; next } !($1 in size) || size[$1] != $2 { print $1 }' "$known" "$ondisk" >"$unknown"
extra="$WORK/extra.tmp"
: >"$extra"
if [ -s "$unknown" ]; then
  log "index: measuring $(wc -l <"$unknown") file(s) not described by a manifest"
  (cd "$CORPUS" && tr '\n' '\0' <"$unknown" | xargs -0 -r -n 16 -P "$JOBS" bash "$PROBE") \
    | while IFS=$'\t' read -r path secs codec; do
        [ "$secs" = NA ] && { log "index: unreadable, left out: $path"; continue; }
        p="${path#audio/}"
        printf '%s\t%s\t%.3f\t%s\n' "$path" "${p%%/*}" "$secs" "$(codec_format "$codec")"
      done >"$extra"
fi
{
  printf 'path\tpackage\tseconds\tformat\n'
  {
    awk -F'\t' 'NR==FNR { ok[$1] = $2; next } ($1 in ok) && ok[$1] == $6 { print $1 "\t" $2 "\t" $3 "\t" $4 }' "$ondisk" "$known"
    cat "$extra"
  } | sort -u
} >"$CORPUS/index.tsv.tmp"
mv "$CORPUS/index.tsv.tmp" "$CORPUS/index.tsv"
rm -f "$known" "$ondisk" "$unknown" "$extra"

# ---------------------------------------------------------------------------------------------
# Report: per package from the markers and the index.
# ---------------------------------------------------------------------------------------------
printf '\n%-22s %6s %6s %5s %5s %5s %9s  %s\n' package kept short excl dup bad minutes formats
for pkg in "${PKGS[@]}"; do
  d="$STATE/$pkg.done"
  if [ ! -f "$d" ]; then printf '%-22s %s\n' "$pkg" "FAILED"; continue; fi
  get() { awk -F= -v k="$1" '$1==k{print $2}' "$d"; }
  awk -F'\t' -v pkg="$pkg" -v short="$(get short)" -v excl="$(get excluded)" -v dup="$(get duplicates)" -v bad="$(get unreadable)" '
      $2 == pkg { n++; s += $3; f[$4]++ }
      END { fm = ""; for (k in f) fm = fm (fm == "" ? "" : ",") k ":" f[k]
            printf "%-22s %6d %6d %5d %5d %5d %9.1f  %s\n", pkg, n, short, excl, dup, bad, s / 60, fm }' "$CORPUS/index.tsv"
done
awk -F'\t' 'NR > 1 { n++; s += $3; f[$4]++ }
    END { fm = ""; for (k in f) fm = fm (fm == "" ? "" : ",") k ":" f[k]
          printf "%-22s %6d %6s %5s %5s %5s %9.1f  %s\n", "TOTAL (index.tsv)", n, "", "", "", "", s / 60, fm
          printf "total: %d files, %.2f hours\n", n, s / 3600 }' "$CORPUS/index.tsv"
printf 'disk: %s in %s; wall time %d s\n' "$(du -sh "$CORPUS" | cut -f1)" "$CORPUS" $(( $(date +%s) - START ))

if [ "${#FAILED[@]}" -gt 0 ]; then
  log "build-corpus: FAILED packages: ${FAILED[*]} (re-run to retry them)"
  exit 1
fi
