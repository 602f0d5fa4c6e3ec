#!/bin/bash
# A catalog that answers a table load with "metadata": null (Glue does at times,
# JanKaul/iceberg-rust#155; issue "real catalogs", blocker 5): the committer reads the file at
# metadata-location through the object store instead, and commits on top of it. Two committer
# runs on one table: the second starts with nothing cached, so it must load the table.
. "$(dirname "$0")/lib.sh"
start_catalog cat --metadata-null || exit 1
committer() { # DIR LOG
    "$O2P_BIN/otlp2parquet-committer" --data-dir "$1" --set catalog.type=rest --set catalog.uri="$CAT_URL" \
        --set catalog.warehouse="file://$T_TMP/datawh" --set committer.interval=100ms \
        --set committer.retry_min_wait=10ms --set committer.retry_max_wait=200ms >>"$2" 2>&1 &
    C_PID=$!; T_PIDS+=($C_PID)
}
snapshots() { # TABLE -> snapshots in the metadata file the catalog points at
    local ml
    ml=$(curl -s "$CAT_URL/v1/namespaces/otel/tables/$1" | $PY -c "import json,sys; print(json.load(sys.stdin)['metadata-location'])")
    $PY -c "import json,sys; print(len(json.load(open(sys.argv[1][7:])).get('snapshots', [])))" "$ml"
}
for run in 1 2; do
    D=$T_TMP/d$run; mkdir -p "$D"
    fill_files_queue "$D" 100 1000
    committer "$D" "$D/committer.log"
    for _ in $(seq 1 200); do [ "$(queued "$D")" = 0 ] && break; sleep 0.1; done
    check_eq "metadata_null_run${run}_committed" 0 "$(queued "$D")" "$(grep -m3 -E 'err=' "$D/committer.log")"
    kill -TERM $C_PID; wait_exit $C_PID 20; check_eq "metadata_null_run${run}_exit_0" 0 $?
done
check_eq metadata_null_load_says_null null "$(curl -s "$CAT_URL/v1/namespaces/otel/tables/logs" | $PY -c "import json,sys; print(json.dumps(json.load(sys.stdin)['metadata']))")"
check_eq metadata_null_second_run_on_top 2 "$(snapshots logs)"
