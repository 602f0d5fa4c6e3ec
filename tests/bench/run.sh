#!/bin/bash
# make bench: every benchmark, one "bench <stage> ..." line each. BENCH_SECONDS shortens runs.
set -u
cd "$(dirname "$0")"
status=0
for b in receiver.sh $(ls *.sh | grep -v -e '^run.sh$' -e '^lib.sh$' -e '^receiver.sh$'); do
    bash "$b" || { echo "bench $b FAILED"; status=1; }
done
exit $status
