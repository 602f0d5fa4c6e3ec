#!/bin/bash
# Catalog outage on the filesystem catalog (catalog.type=filesystem, file:// warehouse), under
# load. The warehouse is a tmpfs made for the test (needs root: root ignores permissions, so
# "unwritable" has to be a read-only mount). Receiver + 2 writers + committer run the whole
# time while fixtures (tests/interop/fixtures/*.pb) are posted without pause, every 200 counted.
#   A. catalog only: each table's metadata/ is bind-mounted read-only. Writers keep writing
#      data files, so the files queue grows; no snapshot is made; status shows the lag.
#   B. whole warehouse: `mount -o remount,ro`. Writers fail too (storage failure during
#      publish: the claim must be redone, never lost), so the spool grows; the real SDK
#      exporters send too; status shows the lag; nothing crashes.
# After each outage the pipeline recovers by itself; after draining, the Iceberg tables hold
# exactly the acknowledged records (manifests, icebird and DuckDB agree; every data file is
# live once, commit ids unique, no stray data files).
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then echo "skip committer_fs_outage: needs root to mount a tmpfs it can make read-only"; exit 0; fi
WH=$T_TMP/wh
mkdir -p "$WH"
mount -t tmpfs -o size=256m tmpfs "$WH" || { echo "skip committer_fs_outage: cannot mount tmpfs here"; exit 0; }
trap 'kill -9 "${T_PIDS[@]}" 2>/dev/null; wait 2>/dev/null
      [ -n "${KEEP_TMP:-}" ] && cp -a "$WH" "$T_TMP/wh.kept" 2>/dev/null
      umount -R "$WH" 2>/dev/null || umount -l -R "$WH" 2>/dev/null; cleanup' EXIT
F=$INTEROP/fixtures
D=$T_TMP/data
STOP=$T_TMP/stop-sending
WARGS=(--set catalog.warehouse="file://$WH")
export INTEROP

start_receiver "$D" || { fail start_receiver "see $D/receiver.log"; exit 0; }
WPIDS=()
for i in 1 2; do
    "$O2P_BIN/otlp2parquet-writer" --data-dir "$D" "${WARGS[@]}" --set writer.max_file_age=200ms --set writer.retry_max_wait=1s \
        --set writer.poll_interval=50ms >>"$D/writer-$i.log" 2>&1 &
    WPIDS+=("$!"); T_PIDS+=("$!")
done
"$O2P_BIN/otlp2parquet-committer" --data-dir "$D" "${WARGS[@]}" --set committer.interval=1s \
    --set committer.retry_min_wait=50ms --set committer.retry_max_wait=500ms >>"$D/committer.log" 2>&1 &
CPID=$!; T_PIDS+=("$CPID")

# sender: post the three fixtures in turn until $STOP exists; count 200s per signal.
sender() {
    local l=0 t=0 m=0 bad=0 codes="" c sig
    while [ ! -e "$STOP" ]; do
        for sig in logs traces metrics; do
            c=$(post "/v1/$sig" application/x-protobuf "$F/$sig.pb" --max-time 20)
            case "$c:$sig" in
                200:logs) l=$((l + 1)) ;; 200:traces) t=$((t + 1)) ;; 200:metrics) m=$((m + 1)) ;;
                *) bad=$((bad + 1)); codes="$codes $sig=$c" ;;
            esac
        done
    done
    echo "$l $t $m $bad${codes:+ $codes}" >"$T_TMP/sent"
}
sender & SPID=$!; T_PIDS+=("$SPID")

# snap -> "spool_records files_queued table_rows logs_commit_age_s claims table_errors"
snap() {
    "$O2P_BIN/otlp2parquet" status --json --data-dir "$D" "${WARGS[@]}" | $PY -c '
import json, sys
s = json.load(sys.stdin); t = s["tables"]
errs = ["%s: %s" % (k, v["error"]) for k, v in t.items() if v["error"]]
print(sum(s["spool"][k]["records"] for k in ("logs", "traces", "metrics")), s["files"]["queued"],
      sum(v["rows"] for v in t.values()), t["logs"]["last_commit_age_s"], len(s["claims"]), "|".join(errs) or "-")'
}
alive() { # -> "ok" or the processes that died
    local dead="" p
    kill -0 "$RECV_PID" 2>/dev/null || dead="$dead receiver"
    for p in "${WPIDS[@]}"; do kill -0 "$p" 2>/dev/null || dead="$dead writer($p)"; done
    kill -0 "$CPID" 2>/dev/null || dead="$dead committer"
    echo "${dead:-ok}"
}
# committed_recently: the newest logs snapshot is younger than 3 s (the committer keeps up).
committed_recently() { local a; a=$(snap | cut -d' ' -f4); $PY -c "import sys; sys.exit(not 0 <= $a < 3)"; }
# remount_ro ARGS... MOUNTPOINT: the kernel refuses (EBUSY) while a file on it is open for
# writing, which a writer or the committer may hold for a moment: retry for up to 2 s.
remount_ro() {
    for _ in $(seq 1 100); do mount -o "$@" 2>/dev/null && return 0; sleep 0.02; done
    mount -o "$@"
}

# Warm-up: every table the fixtures feed exists with rows, and commits are flowing.
for _ in $(seq 1 150); do
    ready=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" "${WARGS[@]}" 2>/dev/null | $PY -c '
import json, sys
t = json.load(sys.stdin)["tables"]
fed = [k for k, v in t.items() if v["rows"] > 0 or v["queued_files"] > 0]
m = [k for k in fed if k.startswith("metrics_")]
print(int(bool(m) and t["logs"]["rows"] > 0 and t["traces"]["rows"] > 0 and all(t[k]["rows"] > 0 for k in fed)))' 2>/dev/null)
    [ "$ready" = 1 ] && break
    sleep 0.1
done
check_eq warmup_tables_committed 1 "${ready:-0}" "$(tail -3 "$D/committer.log")"

# ---- A. catalog outage: metadata/ of every table read-only, data/ still writable ----
binds=()
for md in "$WH"/otel/*/metadata; do
    mount --bind "$md" "$md" && binds+=("$md") && remount_ro remount,bind,ro "$md" ||
        fail outage_a_bind "mount read-only bind on $md failed"
done
tA=$SECONDS
read -r sp0 q0 rows0 _ _ _ <<<"$(snap)"
sleep 2
read -r sp1 q1 rows1 age1 _ err1 <<<"$(snap)"
sleep 3
read -r sp2 q2 rows2 age2 _ err2 <<<"$(snap)"
[ "$q1" -gt "$q0" ] && [ "$q2" -gt "$q1" ] && ok outage_a_files_queue_grows \
    || fail outage_a_files_queue_grows "files queued $q0 -> $q1 -> $q2"
check_eq outage_a_no_snapshot "$rows0 $rows0" "$rows1 $rows2"
$PY -c "import sys; sys.exit(not $age2 >= 4)" && ok outage_a_status_shows_lag \
    || fail outage_a_status_shows_lag "logs last commit age ${age2}s after a 5 s outage"
check_eq outage_a_status_reads_tables - "$err2"
grep -q 'op=commit table=otel\..* err=.*Read-only file system.*action="kept queued' "$D/committer.log" \
    && ok outage_a_committer_reports_error || fail outage_a_committer_reports_error "$(tail -2 "$D/committer.log")"
check_eq outage_a_nothing_crashed ok "$(alive)"
echo "outage A ($((SECONDS - tA)) s): spool $sp0 -> $sp2 records, files queued $q0 -> $q1 -> $q2, rows $rows0"
for md in "${binds[@]}"; do umount "$md"; done
rec=no
for _ in $(seq 1 100); do committed_recently && { rec=yes; break; }; sleep 0.1; done
check_eq outage_a_recovers_by_itself yes "$rec" "$(tail -2 "$D/committer.log")"
# The backlog is committed while the load goes on: the queue is back near its level before.
for _ in $(seq 1 100); do q=$(queued "$D"); [ "$q" -le $((2 * q0 + 10)) ] && break; sleep 0.1; done
[ "$q" -le $((2 * q0 + 10)) ] && ok outage_a_backlog_committed || fail outage_a_backlog_committed "files queued $q2 -> $q"

# ---- B. warehouse outage: the whole filesystem read-only (writers and committer fail) ----
remount_ro remount,ro "$WH" || { fail outage_b_remount_ro "mount -o remount,ro $WH failed"; exit 0; }
tB=$SECONDS
NSDK=300
$NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count $NSDK \
    --batch 100 --strict >"$T_TMP/sdk.out" 2>&1 & SDKPID=$!; T_PIDS+=("$SDKPID")
sleep 1
read -r sp0 q0 rows0 _ _ _ <<<"$(snap)"
sleep 4
read -r sp1 q1 rows1 _ _ _ <<<"$(snap)"
sleep 4
read -r sp2 q2 rows2 age2 cl2 err2 <<<"$(snap)"
wait $SDKPID && ok outage_b_sdk_acked || fail outage_b_sdk_acked "$(tail -3 "$T_TMP/sdk.out")"
[ "$sp1" -gt "$sp0" ] && [ "$sp2" -gt "$sp1" ] && ok outage_b_spool_grows \
    || fail outage_b_spool_grows "spool records $sp0 -> $sp1 -> $sp2"
[ "$q1" -ge "$q0" ] && [ "$q2" -ge "$q1" ] && ok outage_b_files_queue_kept \
    || fail outage_b_files_queue_kept "files queued $q0 -> $q1 -> $q2"
check_eq outage_b_no_snapshot "$rows0 $rows0" "$rows1 $rows2"
$PY -c "import sys; sys.exit(not $age2 >= 8)" && ok outage_b_status_shows_lag \
    || fail outage_b_status_shows_lag "logs last commit age ${age2}s after a 9 s outage"
check_eq outage_b_status_reads_tables - "$err2"
grep -q 'op=claim_failed .*Read-only file system.*action=release' "$D"/writer-*.log \
    && ok outage_b_writers_report_error || fail outage_b_writers_report_error "$(tail -2 "$D/writer-1.log")"
check_eq outage_b_nothing_crashed ok "$(alive)"
"$O2P_BIN/otlp2parquet" status --data-dir "$D" "${WARGS[@]}" >"$T_TMP/status.txt" && ok outage_b_status_text \
    || fail outage_b_status_text "$(tail -3 "$T_TMP/status.txt")"
echo "outage B ($((SECONDS - tB)) s): spool $sp0 -> $sp1 -> $sp2 records, files queued $q0 -> $q2, claims $cl2, rows $rows0"
mount -o remount,rw "$WH" || { fail outage_b_remount_rw "mount -o remount,rw $WH failed"; exit 0; }
tR=$SECONDS
rec=no
for _ in $(seq 1 300); do committed_recently && { rec=yes; break; }; sleep 0.1; done
check_eq outage_b_recovers_by_itself yes "$rec" "$(tail -2 "$D/committer.log")"
echo "outage B: commits again $((SECONDS - tR)) s after the warehouse returned"

# ---- Drain: stop the load, everything reaches the tables, every process exits 0 ----
touch "$STOP"; wait $SPID
read -r acked_l acked_t acked_m bad codes <<<"$(cat "$T_TMP/sent")"
check_eq every_request_acked 0 "$bad" "(non-200:${codes:-})"
drained=no
for _ in $(seq 1 400); do
    read -r sp q _ _ cl _ <<<"$(snap)"
    [ "$sp $q $cl" = "0 0 0" ] && { drained=yes; break; }
    sleep 0.1
done
check_eq drained_after_outage yes "$drained" "spool $sp, files queued $q, claims $cl"
echo "drained $((SECONDS - tR)) s after the warehouse returned"
kill -TERM "${WPIDS[@]}" "$CPID"
rcs=""; for p in "${WPIDS[@]}" "$CPID"; do wait "$p"; rcs="$rcs $?"; done
check_eq writers_committer_exit_0 " 0 0 0" "$rcs"
stop_receiver

# ---- Reconcile: the tables hold exactly the acknowledged records ----
want_logs=$((10 * acked_l + NSDK)); want_spans=$((10 * acked_t + NSDK)); want_points=$((13 * acked_m + 13))
echo "acknowledged: $acked_l logs posts, $acked_t traces posts, $acked_m metrics posts + SDK ($NSDK logs, $NSDK spans, 13 points)"
# Walk each table's current snapshot: metadata -> manifest list -> manifests (python3-avro).
$PY - "$WH/otel" "$T_TMP/live" >"$T_TMP/walk" <<'EOF'
import collections, glob, json, os, re, sys
import avro.datafile, avro.io, warnings
warnings.simplefilter("ignore")  # python3-avro: "Unknown map, using array" (Iceberg's map logical type)
root, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
def avro_rows(url):
    with open(url[len("file://"):] if url.startswith("file://") else url, "rb") as f:
        return list(avro.datafile.DataFileReader(f, avro.io.DatumReader()))
problems = []; totals = collections.Counter(); nfiles = 0
for t in sorted(os.listdir(root)):
    md_dir = f"{root}/{t}/metadata"
    vs = sorted(int(re.match(r"v(\d+)\.metadata\.json$", n).group(1)) for n in os.listdir(md_dir)
                if re.match(r"v\d+\.metadata\.json$", n))
    if vs != list(range(1, len(vs) + 1)): problems.append(f"{t}: versions {vs}")
    hint = open(f"{md_dir}/version-hint.text").read()
    if hint != str(vs[-1]): problems.append(f"{t}: version-hint {hint!r}, newest v{vs[-1]}")
    md = json.load(open(f"{md_dir}/v{vs[-1]}.metadata.json"))
    cids = [s["summary"]["otlp2parquet.commit-id"] for s in md["snapshots"]]
    if len(cids) != len(set(cids)): problems.append(f"{t}: a commit id in two snapshots")
    cur = [s for s in md["snapshots"] if s["snapshot-id"] == md["current-snapshot-id"]][0]
    live, rows = [], 0
    for m in avro_rows(cur["manifest-list"]):
        for e in avro_rows(m["manifest_path"]):
            if e["status"] != 2:
                live.append(e["data_file"]["file_path"][len("file://"):]); rows += e["data_file"]["record_count"]
    if len(live) != len(set(live)): problems.append(f"{t}: {len(live) - len(set(live))} data files live twice")
    if str(rows) != cur["summary"]["total-records"]: problems.append(f"{t}: total-records {cur['summary']['total-records']} != {rows}")
    gone = [p for p in live if not os.path.exists(p)]
    if gone: problems.append(f"{t}: {len(gone)} live files missing, e.g. {gone[0]}")
    stray = set(glob.glob(f"{root}/{t}/data/*/*.parquet")) - set(live)
    if stray: problems.append(f"{t}: {len(stray)} data files never committed, e.g. {sorted(stray)[0]}")
    kind = "metrics" if t.startswith("metrics_") else t
    totals[kind] += rows; nfiles += len(live)
    with open(f"{out}/{t}", "w") as f: f.write("\n".join(live))
print(totals["logs"], totals["traces"], totals["metrics"], nfiles, "; ".join(problems) or "clean")
EOF
read -r m_logs m_spans m_points m_files m_problems <<<"$(cat "$T_TMP/walk")"
check_eq manifests_logs_exactly_acked "$want_logs" "$m_logs"
check_eq manifests_spans_exactly_acked "$want_spans" "$m_spans"
check_eq manifests_points_exactly_acked "$want_points" "$m_points"
check_eq tables_consistent_files_once clean "${m_problems:-walk failed: $(tail -3 "$T_TMP/walk")}"
# icebird (third-party Iceberg reader) reads every table through its metadata.
ib_logs=0; ib_spans=0; ib_points=0
for tdir in "$WH"/otel/*; do
    t=$(basename "$tdir")
    out=$($NODE "$INTEROP/iceberg-read.mjs" "$tdir" --rows 0 2>&1)
    n=$(echo "$out" | sed -n 's/^icebird read \([0-9]*\) rows.*/\1/p')
    echo "$out" | grep -q '^OK$' || fail "icebird_$t" "$(echo "$out" | tail -3)"
    case $t in logs) ib_logs=$n ;; traces) ib_spans=$n ;; *) ib_points=$((ib_points + ${n:-0})) ;; esac
done
check_eq icebird_exactly_acked "$want_logs $want_spans $want_points" "$ib_logs $ib_spans $ib_points"
# DuckDB reads exactly the live data files of each table.
sql=""
for t in logs traces metrics_gauge metrics_sum metrics_histogram metrics_exponential_histogram metrics_summary; do
    [ -s "$T_TMP/live/$t" ] || continue
    lst=$(sed "s/.*/'&'/" "$T_TMP/live/$t" | paste -sd,)
    sql="$sql${sql:+ UNION ALL }SELECT '${t%%_*}' AS k, count(*) AS n FROM read_parquet([$lst])"
done
dd=$($NODE "$INTEROP/duckdb-query.mjs" "SELECT sum(n) FILTER (k = 'logs'), sum(n) FILTER (k = 'traces'),
     sum(n) FILTER (k = 'metrics') FROM ($sql)" 2>&1)
check_eq duckdb_exactly_acked "[\"$want_logs\",\"$want_spans\",\"$want_points\"]" "$dd"
echo "tables: $m_logs logs, $m_spans spans, $m_points points in $m_files data files"
