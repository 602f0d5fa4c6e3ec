#!/bin/bash
# The committer on the filesystem catalog, fed by the real pipeline (SDK exporters ->
# receiver -> spool -> writer -> files queue): tables created and appended, read back by
# icebird (tests/interop/iceberg-read.mjs) and python3-avro; SIGTERM drains the queue; an
# injected conflict is retried; kill -9 right after / right before publishing, then restart,
# gives no duplicate snapshot and no lost file; two committers on two spools racing on one
# warehouse commit every file exactly once; a second committer on one spool waits for the lock.
. "$(dirname "$0")/lib.sh"
N1=1200; N2=800


# committer NAME DATA_DIR NAMESPACE [extra args]: start in the background, pid in C_PID.
committer() {
    local name=$1 dir=$2 ns=$3; shift 3
    "$O2P_BIN/otlp2parquet-committer" --data-dir "$dir" --set catalog.warehouse="file://$WH" \
        --set catalog.namespace="$ns" --set committer.retry_min_wait=10ms --set committer.retry_max_wait=200ms "$@" \
        >>"$dir/committer-$name.log" 2>&1 &
    C_PID=$!; T_PIDS+=($C_PID)
}

wait_empty() { # DIR: until the files queue is empty (30 s)
    for _ in $(seq 1 300); do [ "$(queued "$1")" = 0 ] && return 0; sleep 0.1; done; return 1
}

# verify NAME NS EXPECT_LOGS EXPECT_SPANS EXPECT_FILES: read the tables back
verify() {
    local name=$1 ns=$2 logs=$3 spans=$4 files=$5 out
    out=$($NODE "$INTEROP/iceberg-read.mjs" "$WH/$ns/logs" --rows 0 2>&1)
    echo "$out" | grep -q '^OK$' && check_eq "${name}_icebird_logs" "$logs" "$(echo "$out" | sed -n 's/^icebird read \([0-9]*\) rows.*/\1/p')" \
        || fail "${name}_icebird_logs" "$(echo "$out" | tail -5)"
    out=$($NODE "$INTEROP/iceberg-read.mjs" "$WH/$ns/traces" --rows 0 2>&1)
    echo "$out" | grep -q '^OK$' && check_eq "${name}_icebird_traces" "$spans" "$(echo "$out" | sed -n 's/^icebird read \([0-9]*\) rows.*/\1/p')" \
        || fail "${name}_icebird_traces" "$(echo "$out" | tail -5)"
    # Every table: each data file once, commit ids unique, totals = manifests, hint = newest version.
    local r
    r=$($PY - "$WH/$ns" <<'EOF'
import json, os, sys, subprocess
root = sys.argv[1]; files = []; problems = []; rows = 0
for t in sorted(os.listdir(root)):
    md_dir = f"{root}/{t}/metadata"
    versions = sorted(int(n[1:-14]) for n in os.listdir(md_dir) if n.startswith("v") and n.endswith(".metadata.json"))
    hint = open(f"{md_dir}/version-hint.text").read()
    if hint != str(versions[-1]): problems.append(f"{t}: hint {hint!r} newest v{versions[-1]}")
    md = json.load(open(f"{md_dir}/v{versions[-1]}.metadata.json"))
    cids = [s["summary"]["otlp2parquet.commit-id"] for s in md["snapshots"]]
    if len(cids) != len(set(cids)): problems.append(f"{t}: a commit id twice")
    cur = [s for s in md["snapshots"] if s["snapshot-id"] == md["current-snapshot-id"]][0]
    seqs = [s["sequence-number"] for s in md["snapshots"]]
    if seqs != list(range(1, len(seqs) + 1)): problems.append(f"{t}: sequence numbers {seqs}")
    lst = cur["manifest-list"][len("file://"):]
    chk = subprocess.run(["/usr/bin/python3", os.environ["INTEROP"] + "/iceberg-avro-check.py", lst], capture_output=True, text=True)
    if chk.returncode: problems.append(f"{t}: list check {chk.stdout[-300:]}")
    mans = [json.loads(l) for l in chk.stdout.splitlines()[1:] if l.startswith("{")]
    if len(mans) != len(md["snapshots"]): problems.append(f"{t}: {len(mans)} manifests for {len(md['snapshots'])} snapshots")
    trows = 0
    for m in mans:
        c = subprocess.run(["/usr/bin/python3", os.environ["INTEROP"] + "/iceberg-avro-check.py", m["manifest_path"][7:]], capture_output=True, text=True)
        if c.returncode: problems.append(f"{t}: manifest check {c.stdout[-300:]}")
        for l in c.stdout.splitlines()[1:]:
            if l.startswith("{"):
                e = json.loads(l); files.append(e["data_file"]["file_path"]); trows += e["data_file"]["record_count"]
    if str(trows) != cur["summary"]["total-records"]: problems.append(f"{t}: total-records {cur['summary']['total-records']} != {trows}")
    rows += trows
print(len(files), len(set(files)), rows, "; ".join(problems) or "clean")
EOF
)
    check_eq "${name}_files_exactly_once" "$files $files" "$(echo "$r" | cut -d' ' -f1,2)" "$r"
    check_eq "${name}_metadata_consistent" clean "$(echo "$r" | cut -d' ' -f4-)"
}
export INTEROP

D1=$T_TMP/p1; D2=$T_TMP/p2; WH=$T_TMP/warehouse
mkdir -p "$D1" "$D2" "$WH"
fill_files_queue "$D1" $N1 250
fill_files_queue "$D2" $N2 250
F1=$(queued "$D1"); F2=$(queued "$D2")
[ "$F1" -gt 5 ] && ok pipeline_files_queued || fail pipeline_files_queued "only $F1 files"

# A. Batches by count and age; SIGTERM exits 0 with the queue empty.
A=$T_TMP/a; mkdir -p "$A"; cp -r "$D1/spool" "$A/"
committer a "$A" basic --set committer.interval=300ms --set committer.max_files_per_commit=3
wait_empty "$A" && ok basic_queue_committed || fail basic_queue_committed "$(tail -3 "$A/committer-a.log")"
kill -TERM $C_PID; wait $C_PID; check_eq basic_exit_0 0 $?
verify basic basic $N1 $N1 "$F1"
[ "$(grep -c 'op=commit table=basic.logs' "$A/committer-a.log")" -gt 1 ] && ok basic_several_snapshots || fail basic_several_snapshots "one batch only"
"$O2P_BIN/otlp2parquet-committer" --help >/dev/null && ok help || fail help "--help failed"
st=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$A" --set catalog.warehouse="file://$WH" --set catalog.namespace=basic |
    $PY -c "import json,sys; t=json.load(sys.stdin)['tables']; print(t['logs']['rows'], t['traces']['rows'], t['logs']['exists'] and t['logs']['snapshot_id'] > 0)")
check_eq basic_status_tables "$N1 $N1 True" "$st"

# B. SIGTERM drains everything at once even with a one-hour interval.
B=$T_TMP/b; mkdir -p "$B"; cp -r "$D1/spool" "$B/"
committer b "$B" drain --set committer.interval=1h
for _ in $(seq 1 100); do grep -q op=ready "$B/committer-b.log" && break; sleep 0.05; done
sleep 0.3
check_eq drain_nothing_before_term "$F1" "$(queued "$B")"
kill -TERM $C_PID; wait $C_PID; check_eq drain_exit_0 0 $?
check_eq drain_queue_empty 0 "$(queued "$B")"
verify drain drain $N1 $N1 "$F1"

# C. An injected conflict (vN+1 published between load and publish) is retried.
C=$T_TMP/c; mkdir -p "$C"; cp -r "$D1/spool" "$C/"
O2P_TEST_HOOK=conflict-once committer c "$C" conflict --set committer.interval=100ms
wait_empty "$C" && ok conflict_committed || fail conflict_committed "$(tail -3 "$C/committer-c.log")"
kill -TERM $C_PID; wait $C_PID
grep -q 'op=retry .*reason=conflict' "$C/committer-c.log" && ok conflict_retried || fail conflict_retried "$(grep -m3 'op=' "$C/committer-c.log")"
verify conflict conflict $N1 $N1 "$F1"

# D/E. kill -9 right after publishing (before the queue entries are deleted) / right before.
for point in after before; do
    K=$T_TMP/k$point; mkdir -p "$K"; cp -r "$D1/spool" "$K/"
    O2P_FAILPOINT=committer.${point}_publish committer k1 "$K" crash$point --set committer.interval=100ms \
        --set committer.max_files_per_commit=4
    wait $C_PID; check_eq "crash_${point}_killed" 137 $?
    check_eq "crash_${point}_queue_kept" "$F1" "$(queued "$K")"
    committer k2 "$K" crash$point --set committer.interval=100ms --set committer.max_files_per_commit=4
    wait_empty "$K" && ok "crash_${point}_recommitted" || fail "crash_${point}_recommitted" "$(tail -3 "$K/committer-k2.log")"
    kill -TERM $C_PID; wait $C_PID
    if [ $point = after ]; then
        grep -q 'result=already-committed' "$K/committer-k2.log" && ok crash_after_reconciled \
            || fail crash_after_reconciled "$(grep -m3 'op=' "$K/committer-k2.log")"
    fi
    verify "crash_$point" crash$point $N1 $N1 "$F1"
done

# F. Two committers on two spools race on one warehouse: one file per commit, tiny backoff.
R1=$T_TMP/r1; R2=$T_TMP/r2; mkdir -p "$R1" "$R2"; cp -r "$D1/spool" "$R1/"; cp -r "$D2/spool" "$R2/"
committer r1 "$R1" race --set committer.interval=10ms --set committer.max_files_per_commit=1; P1=$C_PID
committer r2 "$R2" race --set committer.interval=10ms --set committer.max_files_per_commit=1; P2=$C_PID
wait_empty "$R1" && wait_empty "$R2" && ok race_committed || fail race_committed "$(tail -2 "$R1/committer-r1.log" "$R2/committer-r2.log")"
kill -TERM $P1 $P2; wait $P1; r1=$?; wait $P2; check_eq race_exit_0 "0 0" "$r1 $?"
echo "race conflicts: $(cat "$R1/committer-r1.log" "$R2/committer-r2.log" | grep -c 'reason=conflict')"
verify race race $((N1 + N2)) $((N1 + N2)) $((F1 + F2))

# G. A second committer on the same spool waits for the first one's lock.
G=$T_TMP/g; mkdir -p "$G"; cp -r "$D2/spool" "$G/"
committer g1 "$G" lock --set committer.interval=1h; G1=$C_PID
for _ in $(seq 1 100); do grep -q op=ready "$G/committer-g1.log" && break; sleep 0.05; done
committer g2 "$G" lock --set committer.interval=1h; G2=$C_PID
for _ in $(seq 1 100); do grep -q state=waiting "$G/committer-g2.log" && break; sleep 0.05; done
grep -q state=waiting "$G/committer-g2.log" && ok lock_second_waits || fail lock_second_waits "$(tail -2 "$G/committer-g2.log")"
grep -q "state=waiting holder_pid=$G1 " "$G/committer-g2.log" && ok lock_names_holder ||
    fail lock_names_holder "$(grep state=waiting "$G/committer-g2.log")"
kill -TERM $G1; wait $G1
for _ in $(seq 1 100); do grep -q op=ready "$G/committer-g2.log" && break; sleep 0.05; done
grep -q op=ready "$G/committer-g2.log" && ok lock_taken_over || fail lock_taken_over "$(tail -2 "$G/committer-g2.log")"
kill -TERM $G2; wait $G2
check_eq lock_queue_empty 0 "$(queued "$G")"
