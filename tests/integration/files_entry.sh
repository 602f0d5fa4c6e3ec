#!/bin/bash
# The files-queue entry (spooler/spool_files_entry.h) end to end.
# A. A REST catalog that hands out table locations containing '"' and '\' (the test catalog's
#    --hostile-locations): data goes SDK -> receiver -> writer -> files queue -> committer, the
#    committer commits every file, nothing is quarantined, and DuckDB reads every row back from
#    the data files the manifests name (under the hostile location, byte for byte).
# B. Unparsable entries planted in the queue with mdb_load (one before every good entry, one
#    after): each is moved to the spool's files.quarantine with its reason, logged once,
#    counted in the committer's metrics and `status`, listed by `spool quarantine`, and every
#    good entry after the first one commits (icebird reads every row).
. "$(dirname "$0")/lib.sh"
N=300
export INTEROP T_TMP

# stop NAME PID SECS: SIGTERM, then the exit status within SECS (a drain that never ends, as
# with an entry that blocks the queue, is a failure and gets kill -9).
stop() {
    kill -TERM "$2" 2>/dev/null
    for _ in $(seq 1 $(($3 * 10))); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$2" 2>/dev/null; then
        kill -9 "$2"; wait "$2" 2>/dev/null
        fail "$1" "still running $3 s after SIGTERM"
    else
        wait "$2"; check_eq "$1" 0 "$?"
    fi
}

# ---- A. hostile table locations -------------------------------------------------------------
start_catalog hostile --hostile-locations --require-manifest-lists || { fail hostile_catalog_start "see above"; exit 0; }
D=$T_TMP/a
HTTP_PORT=$(free_port); GRPC_PORT=$(free_port)
"$O2P_BIN/otlp2parquet" run --data-dir "$D" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
    --set catalog.type=rest --set "catalog.uri=$CAT_URL" --set catalog.warehouse=acct_otel \
    --set writer.max_file_age=200ms --set committer.interval=300ms >"$T_TMP/run-a.log" 2>&1 &
RUN_PID=$!; T_PIDS+=($RUN_PID)
wait_ready "$HTTP_PORT" || { fail hostile_run_ready "$(tail -5 "$T_TMP/run-a.log")"; exit 0; }
$NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count $N --batch 100 \
    --strict --timeout 30000 >"$T_TMP/send-a.out" 2>&1 && ok hostile_sdk_send || fail hostile_sdk_send "$(tail -2 "$T_TMP/send-a.out")"
# Wait (bounded) until the committer took every file, then stop: SIGTERM drains the rest.
for _ in $(seq 1 100); do
    [ "$(queued "$D")" = 0 ] && [ "$(spool_records "$D" logs)" = 0 ] && [ "$(spool_records "$D" traces)" = 0 ] && break
    sleep 0.2
done
stop hostile_run_exit_0 $RUN_PID 60
check_eq hostile_queue_drained 0 "$(queued "$D")"
st=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" | $PY -c "import json,sys; print(json.load(sys.stdin)['files'].get('quarantined', 'not counted'))")
check_eq hostile_nothing_quarantined 0 "$st"
if grep -q 'op=queue id=.* left in the queue\|op=quarantine' "$D"/*.log "$T_TMP/run-a.log" 2>/dev/null; then
    fail hostile_no_bad_entry "$(grep -m2 'op=queue\|op=quarantine' "$T_TMP/run-a.log")"
else
    ok hostile_no_bad_entry
fi
# Read back through the catalog: metadata -> manifest list -> manifests (python3-avro) -> data
# files, which must lie under the hostile location; then DuckDB counts their rows.
for t in logs traces; do
    r=$($PY - "$CAT_URL" "$t" <<'EOF'
import json, os, subprocess, sys, urllib.request
url, t = sys.argv[1:3]
res = json.load(urllib.request.urlopen(f"{url}/v1/namespaces/otel/tables/{t}"))
md = res["metadata"]; loc = md["location"]
problems = []
if '"' not in loc or "\\" not in loc: problems.append(f"location {loc!r} is not hostile")
cur = [s for s in md["snapshots"] if s["snapshot-id"] == md.get("current-snapshot-id")]
if not cur: print("none", "no snapshot"); sys.exit(0)
avro = lambda p: subprocess.run(["/usr/bin/python3", os.environ["INTEROP"] + "/iceberg-avro-check.py", p],
                                capture_output=True, text=True)
lst = avro(cur[0]["manifest-list"][len("file://"):])
if lst.returncode: problems.append("manifest list: " + lst.stdout[-200:])
files = []
for l in lst.stdout.splitlines()[1:]:  # line 1: the header keys
    if not l.startswith("{"): continue
    m = avro(json.loads(l)["manifest_path"][len("file://"):])
    if m.returncode: problems.append("manifest: " + m.stdout[-200:])
    files += [json.loads(x)["data_file"]["file_path"] for x in m.stdout.splitlines()[1:] if x.startswith("{")]
for f in files:
    if not f.startswith(loc + "/data/"): problems.append(f"{f!r} is not under {loc!r}")
    elif not os.path.isfile(f[len("file://"):]): problems.append(f"{f!r} does not exist")
json.dump([f[len("file://"):] for f in files], open(os.environ["T_TMP"] + f"/files-{t}.json", "w"))
print(len(files), "; ".join(problems) or "clean")
EOF
)
    check_eq "hostile_${t}_manifests_name_files_under_the_location" clean "${r#* }" "$r"
    sql=$($PY -c "import json,os; fs=json.load(open(os.environ['T_TMP']+'/files-$t.json')); print('SELECT count(*) FROM read_parquet([' + ','.join(\"'\" + f.replace(\"'\", \"''\") + \"'\" for f in fs) + '])')")
    rows=$($NODE "$INTEROP/duckdb-query.mjs" "$sql" 2>&1 | tr -d '[]"')
    check_eq "hostile_${t}_duckdb_reads_every_row" $N "$rows"
done

# ---- B. unparsable entries planted in the queue ----------------------------------------------
B=$T_TMP/b
mkdir -p "$B"
fill_files_queue "$B" $N 100
NF=$(queued "$B")
[ "$NF" -ge 3 ] && ok planted_good_files_queued || fail planted_good_files_queued "only $NF files"
# Queue ids of a fresh spool are 1..NF: id 0 comes before every good entry, NF+1 after them
# (meta "fileseq" moves past it, as a writer would have left it).
last=$(mdb_dump -s files "$B/spool" | $PY -c "
import sys
lines = sys.stdin.read().split('HEADER=END\n')[1].split('DATA=END')[0].split()
print(int(lines[-2], 16))" 2>&1)
check_eq planted_ids_are_1_to_n "$NF" "$last"
$PY - "$NF" "$T_TMP/plant.txt" "$T_TMP/seq.txt" <<'EOF'
import struct, sys
nf, files_txt, meta_txt = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def esc(b): return "".join("\\%02x" % c for c in b)  # mdb_load -T: \xx is a byte in hex
def value(key, entry):
    k = key.encode()
    return struct.pack("<H", len(k)) + k + entry.encode()
# id 0: what the old hand-formatting writer made of a location with a '"' (never JSON).
bad_json = value('file:///w/otel/logs/data/we"ird.parquet',
                 '{"table":"logs","key":"data/we"ird.parquet","location":"file:///w/otel/logs/data/we"ird.parquet",'
                 '"format":"parquet","size":10,"records":1}')
# id NF+1: JSON, but "size" is a string.
bad_type = value("file:///w/otel/logs/data/size.parquet",
                 '{"table":"logs","key":"data/size.parquet","location":"file:///w/otel/logs/data/size.parquet",'
                 '"format":"parquet","size":"12345","records":1}')
with open(files_txt, "w") as f:
    print(esc(struct.pack(">Q", 0)), esc(bad_json), esc(struct.pack(">Q", nf + 1)), esc(bad_type), sep="\n", file=f)
with open(meta_txt, "w") as f:  # the next queue id, as spool_files_put keeps it (u64, host order)
    print(esc(b"fileseq"), esc(struct.pack("=Q", nf + 2)), sep="\n", file=f)
EOF
mdb_load -T -s files "$B/spool" <"$T_TMP/plant.txt" && mdb_load -T -s meta "$B/spool" <"$T_TMP/seq.txt" \
    && ok planted || fail planted "mdb_load failed"
check_eq planted_in_queue $((NF + 2)) "$(queued "$B")"
"$O2P_BIN/otlp2parquet-committer" --data-dir "$B" --set committer.interval=200ms --set committer.max_files_per_commit=2 \
    >"$B/committer.log" 2>&1 &
C_PID=$!; T_PIDS+=($C_PID)
for _ in $(seq 1 150); do [ "$(queued "$B")" = 0 ] && break; sleep 0.2; done
check_eq planted_queue_drained 0 "$(queued "$B")"
# The committer's metrics file (published every 2 s, removed at exit); meanwhile more passes
# run, and the quarantine is still logged once, not once per pass.
for _ in $(seq 1 50); do
    grep -q '^o2p_committer_files_quarantined_total 2$' "$B/metrics/committer.prom" 2>/dev/null && break
    sleep 0.1
done
grep -q '^o2p_committer_files_quarantined_total 2$' "$B/metrics/committer.prom" && ok planted_metric \
    || fail planted_metric "$(grep quarantined "$B/metrics/committer.prom" 2>&1)"
stop planted_committer_exit_0 $C_PID 30
check_eq planted_logged_once_id_0 1 "$(grep -c 'op=quarantine id=0 key=file:///w/otel/logs/data/we"ird.parquet reason="files entry (key unreadable): entry: not JSON' "$B/committer.log")"
check_eq planted_logged_once_id_last 1 "$(grep -c "op=quarantine id=$((NF + 1)) key=file:///w/otel/logs/data/size.parquet reason=\"files entry data/size.parquet: size: must be an integer\"" "$B/committer.log")"
st=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$B" | $PY -c "import json,sys; f=json.load(sys.stdin)['files']; print(f['queued'], f.get('undecodable'), f.get('quarantined'))")
check_eq planted_status_counts "0 0 2" "$st"
q=$("$O2P_BIN/otlp2parquet" spool quarantine --data-dir "$B")
echo "$q" | grep -q "^files id=0 key=file:///w/otel/logs/data/we\"ird.parquet bytes=[0-9]* reason=\"files entry (key unreadable): entry: not JSON" \
    && echo "$q" | grep -q "^files id=$((NF + 1)) .*reason=\"files entry data/size.parquet: size: must be an integer\"" \
    && ok planted_listed_with_reasons || fail planted_listed_with_reasons "$q"
for t in logs traces; do
    out=$($NODE "$INTEROP/iceberg-read.mjs" "$B/warehouse/otel/$t" --rows 0 2>&1)
    echo "$out" | grep -q '^OK$' && check_eq "planted_good_${t}_committed" $N "$(echo "$out" | sed -n 's/^icebird read \([0-9]*\) rows.*/\1/p')" \
        || fail "planted_good_${t}_committed" "$(echo "$out" | tail -5)"
done
