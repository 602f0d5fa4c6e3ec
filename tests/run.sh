#!/bin/bash
# The test runner: unit tests (build/tests/test_*), the fault tier (build-san/tests/fault/
# fault_*: every allocation and I/O call failed in turn, tests/fault/README.md), then
# integration scripts (tests/integration/*.sh, each driving real processes on 127.0.0.1).
# Every test prints "ok <name>" or "FAIL <name>: why"; this script counts them and ends with
# "N passed, N failed". Usage: tests/run.sh [all|unit|fault|integration[,...]] [name-filter]
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
tiers=",${1:-all},"
FAULT_B=${FAULT_B:-build-san}
filter=${2:-}
export O2P_ROOT=$PWD O2P_BIN=${O2P_BIN:-$PWD/bin} B
log=$(mktemp -d /tmp/o2p-test.XXXXXX)
passed=0; failed=0; failures=()

run_one() { # name, command...
    local name=$1; shift
    local out="$log/$name.out"
    local t0=$SECONDS
    "$@" >"$out" 2>&1
    local rc=$?
    local p f
    p=$(grep -c '^ok ' "$out"); f=$(grep -c '^FAIL ' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL $name: exited $rc" >>"$out"; fi
    passed=$((passed + p)); failed=$((failed + f))
    printf '%-40s %3d ok %3d failed  %3ds\n' "$name" "$p" "$f" $((SECONDS - t0))
    if [ "$f" -ne 0 ]; then
        failures+=("$name")
        grep '^FAIL ' "$out" | sed 's/^/    /'
        echo "    --- last lines of $out:"; tail -n 15 "$out" | sed 's/^/    /'
    fi
}

want() { [[ $tiers == *,all,* || $tiers == *,$1,* ]]; }

if want unit; then
    for t in "$B"/tests/test_*; do
        [ -x "$t" ] || continue
        name=$(basename "$t")
        [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
        run_one "$name" "$t"
    done
fi
if want fault; then
    found=0
    for t in "$FAULT_B"/tests/fault/fault_*; do
        [ -x "$t" ] || continue
        found=1
        name=$(basename "$t")
        [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
        run_one "$name" "$t"
    done
    if [ "$found" = 0 ]; then # a tier that silently ran nothing would look like a pass
        echo "FAIL fault: no programs in $FAULT_B/tests/fault (make fault-build)"
        failed=$((failed + 1)); failures+=(fault)
    fi
fi
if want integration; then
    for t in tests/integration/*.sh; do
        [ -f "$t" ] && [ "$(basename "$t")" != lib.sh ] || continue
        name=$(basename "$t" .sh)
        [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
        run_one "$name" bash "$t"
    done
fi
echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]} (logs in $log)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
