# Shared by build-midi-devset.sh, build-module-devset.sh and build-productions-devset.sh; source it, do not run it.
# Defines: log, die, parse_devset_options, install_debian_packages, fetch_package, build_devset.

CACHE_ROOT="${EQUITEMPO_CACHE:-${HOME:?HOME is not set}/.cache/equitempo}"
PACKAGE_CACHE="$CACHE_ROOT/packages"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$LOG_TAG" "$*" >&2; exit 1; }

MIN_SECONDS=30
MIN_SHARE=0.95

# parse_devset_options ARGS...: sets OUT, PACKAGES, MIN_SECONDS, MIN_SHARE, and MAX_SECONDS when the
# calling script gave it a default (the module and production builders have one). -h prints the script's header.
parse_devset_options() {
  while [ $# -gt 0 ]; do
    [ "$1" = -h ] || [ "$1" = --help ] || [ $# -ge 2 ] || die "$1 needs a value (see --help)"
    case "$1" in
      --out) OUT="$2"; shift 2 ;;
      --packages) PACKAGES="$2"; shift 2 ;;
      --min-seconds) MIN_SECONDS="$2"; shift 2 ;;
      --min-share) MIN_SHARE="$2"; shift 2 ;;
      --max-seconds) [ -n "${MAX_SECONDS:-}" ] || die "--max-seconds applies to modules and productions only"; MAX_SECONDS="$2"; shift 2 ;;
      -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
      *) die "unknown option $1 (see --help)" ;;
    esac
  done
}

APT_UPDATED=0
apt_update_once() {
  [ "$APT_UPDATED" = 1 ] && return 0
  apt-get update -qq >/dev/null 2>&1 || log "apt-get update failed; trying with the lists as they are"
  APT_UPDATED=1
}

# install_debian_packages PKG...: installs the ones that are not installed yet (needs root).
install_debian_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (install them as root)"
  log "installing ${missing[*]}"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# candidate_version PKG: the version `apt-get download PKG` would fetch, or nothing.
candidate_version() {
  apt-cache policy -- "$1" 2>/dev/null | awk '$1=="Candidate:" && $2!="(none)" {print $2}'
}

# fetch_package PKG: downloads PKG's candidate .deb with apt-get download (never installs it) and
# extracts it to $PACKAGE_CACHE/PKG, then prints that folder. A folder whose .version marker names
# the candidate version is reused as it is.
fetch_package() {
  local pkg="$1" ver dir="$PACKAGE_CACHE/$1"
  [[ "$pkg" =~ ^[a-z0-9][a-z0-9.+-]+$ ]] || { log "not a Debian package name: '$pkg'"; return 1; }
  ver=$(candidate_version "$pkg")
  if [ -z "$ver" ]; then apt_update_once; ver=$(candidate_version "$pkg"); fi
  [ -n "$ver" ] || { log "$pkg: no such package in the apt sources"; return 1; }
  if [ -f "$dir/.version" ] && [ "$(cat "$dir/.version")" = "$ver" ]; then echo "$dir"; return 0; fi
  local tmp="$PACKAGE_CACHE/.download-$pkg"
  rm -rf "$tmp" "$dir"
  mkdir -p "$tmp"
  log "$pkg: downloading $ver"
  # Root's apt-get download runs as _apt, which cannot write into root's folders: download as root.
  if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root -- "$pkg=$ver" >download.log 2>&1); then
    log "$pkg: apt-get download failed: $(tail -n 2 "$tmp/download.log" | tr '\n' ' ')"
    return 1
  fi
  dpkg-deb -x "$tmp"/*.deb "$tmp/root" || { log "$pkg: dpkg-deb -x failed"; return 1; }
  echo "$ver" >"$tmp/root/.version"
  mv "$tmp/root" "$dir"
  rm -rf "$tmp"
  echo "$dir"
}

# run_devset_tool ARGS...: builds tools/EquiTempo.DevSets (incremental) and runs it at low priority.
run_devset_tool() {
  local project="$REPO_ROOT/tools/EquiTempo.DevSets" build_log
  build_log=$(mktemp)
  nice -n 10 dotnet build "$project" -c Release -nologo -v q >"$build_log" 2>&1 \
    || { tail -n 20 "$build_log" >&2; rm -f "$build_log"; die "building $project failed"; }
  rm -f "$build_log"
  nice -n 10 dotnet "$project/bin/Release/net10.0/equitempo-devsets.dll" "$@"
}

# build_devset KIND TOOL_ARGS...: fetches each of $PACKAGES and runs the tool's KIND command on the
# ones fetched, writing the set to $OUT. Packages that cannot be fetched are reported and left out (exit status 1 at
# the end); the others still make the set. A caller whose sources are installed folders sets the array
# DEVSET_FOLDERS (NAME=FOLDER ...) instead, and nothing is fetched.
build_devset() {
  local kind="$1"; shift
  mkdir -p "$OUT"
  exec 9>"$OUT/.lock"
  flock -n 9 || die "another build is already writing $OUT"
  local started=$SECONDS pairs=() failed=0 pkg dir
  if [ -n "${DEVSET_FOLDERS+set}" ]; then
    pairs=("${DEVSET_FOLDERS[@]}")
  else
    for pkg in $PACKAGES; do
      if dir=$(fetch_package "$pkg"); then pairs+=("$pkg=$dir"); else failed=1; fi
    done
  fi
  [ "${#pairs[@]}" -gt 0 ] || die "no package could be fetched"
  run_devset_tool "$kind" --out "$OUT" --min-seconds "$MIN_SECONDS" --min-share "$MIN_SHARE" "$@" "${pairs[@]}"
  log "done in $((SECONDS - started)) s"
  return "$failed"
}
