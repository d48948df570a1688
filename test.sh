#!/usr/bin/env bash
# Runs every test. Bootstraps the machine first (idempotent), then prints the summary line
# "N passed, N failed" that CI reads.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$ROOT/tools/bootstrap.sh" || exit 1
LOG="$(mktemp)"
dotnet test "$ROOT/tests/EquiTempo.Tests/EquiTempo.Tests.csproj" -c Release -nologo "$@" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
passed=$(grep -Eo 'Passed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
rm -f "$LOG"
if [ "$rc" != 0 ] && [ "${failed:-0}" = 0 ]; then failed=1; fi   # build failure or crashed host counts as a failure
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$rc"
