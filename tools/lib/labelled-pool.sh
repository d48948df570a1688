# Sourced by the scripts that fine-tune heads (make-heads.sh, learning-curves.sh): builds, when missing, the
# labelled sets the shipped heads learnt from (GMD train split; render-songs seed 11 and render-rhythms seed 21,
# the program's own renders at known tempi) and the dev index. Needs ROOT, ET and DEV set by the caller.
ensure_labelled_pool() {
  [ -f "$DEV/gmd-train/index.tsv" ] || "$ROOT/tools/build-gmd-devset.sh" --split train --out "$DEV/gmd-train"
  [ -f "$DEV/rendered-songs/index.tsv" ] || "$ET" render-songs --out "$DEV/rendered-songs" --count 300 --seconds 30 --seed 11
  [ -f "$DEV/rendered-rhythms/index.tsv" ] || "$ET" render-rhythms --out "$DEV/rendered-rhythms" --count 200 --seconds 30 --seed 21
  [ -f "$DEV/dev.tsv" ] || "$ROOT/tools/build-dev-index.sh"
}
