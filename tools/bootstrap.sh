#!/usr/bin/env bash
# Idempotent machine bootstrap for EquiTempo.
# - TorchSharp-cpu 0.107 (LibTorch 2.10) needs GLIBCXX_3.4.32. Debian 12 ships 3.4.30, so on such
#   a system we add the Debian 13 (trixie) suite pinned low (nothing else is pulled from it) and
#   install only libstdc++6 from it. Systems that already have the symbol are left alone.
# - Debian packages the project uses at run time (ffmpeg for Opus/FLAC/other formats; fluidsynth and
#   fluid-soundfont-gm to render composed songs; libopenmpt0 for tracker modules).
# Prints one line per action; silent apart from a summary when nothing needs doing.
set -euo pipefail

log() { echo "[bootstrap] $*" >&2; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

have_glibcxx() {
  local lib
  for lib in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6 /usr/lib/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6; do
    if [ -e "$lib" ] && grep -aq "GLIBCXX_3.4.32" "$lib"; then return 0; fi
  done
  return 1
}

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
}

if ! have_glibcxx; then
  if [ -r /etc/os-release ] && . /etc/os-release && [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ]; then
    log "libstdc++ lacks GLIBCXX_3.4.32 (needed by LibTorch 2.10): installing libstdc++6 from Debian 13 (trixie), pinned low"
    if [ ! -e /etc/apt/sources.list.d/equitempo-trixie.sources ]; then
      $SUDO tee /etc/apt/sources.list.d/equitempo-trixie.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
      $SUDO tee /etc/apt/preferences.d/equitempo-trixie >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
    fi
    APT_UPDATED=0
    apt_update_once
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t trixie libstdc++6 >/dev/null
    have_glibcxx && log "libstdc++ now provides GLIBCXX_3.4.32" || { log "failed to obtain GLIBCXX_3.4.32"; exit 1; }
  else
    log "WARNING: libstdc++ lacks GLIBCXX_3.4.32 and this is not Debian 12; install a newer libstdc++6 (GCC >= 13) yourself"
  fi
fi

# Debian packages used at run time. ffmpeg decodes Opus/FLAC/AAC etc.; the managed decoders cover WAV/Ogg/MP3.
# fluidsynth + the FluidR3 General MIDI soundfont render the composed songs (label-free training audio).
# libopenmpt0 plays tracker modules for the module development set (src/EquiTempo/DevSets).
NEED=()
for pkg in ${EQUITEMPO_APT_PACKAGES:-ffmpeg fluidsynth fluid-soundfont-gm libopenmpt0}; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then NEED+=("$pkg"); fi
done
if [ "${#NEED[@]}" -gt 0 ] && command -v apt-get >/dev/null; then
  log "installing Debian packages: ${NEED[*]}"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${NEED[@]}" >/dev/null
fi
exit 0
