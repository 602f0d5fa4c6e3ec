#!/bin/bash
# Server-side maintenance between our commits (issue #12): the test catalog with
# --maintenance-every 2 commits a foreign RewriteManifests ('replace') snapshot after every
# second client commit to a table, its manifests and manifest list written by python3-avro with
# the snappy codec, then zstandard. The whole pipeline runs on file:// locations; the client's
# next commit gets 409 (its assert-ref-snapshot-id names the replaced head), must read the
# foreign manifest list and commit on top; the tables then read back exactly once.
. "$(dirname "$0")/lib.sh"
N=100; ROUNDS=4
start_catalog cat --maintenance-every 2 || { fail maint_catalog_start "see log"; exit 0; }
RLOG=$T_TMP/cat/wh/requests.jsonl
D=$T_TMP/data
HTTP_PORT=$(free_port); GRPC_PORT=$(free_port)
"$O2P_BIN/otlp2parquet" run --data-dir "$D" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
    --set catalog.type=rest --set "catalog.uri=$CAT_URL" --set catalog.warehouse=acct_otel \
    --set writer.max_file_age=200ms --set writer.poll_interval=50ms --set committer.interval=300ms \
    --set committer.retry_max_wait=1s >"$T_TMP/run.log" 2>&1 &
RUN_PID=$!; T_PIDS+=($RUN_PID)
wait_ready "$HTTP_PORT" || { fail maint_run_ready "$(tail -3 "$T_TMP/run.log")"; exit 0; }
for r in $(seq 1 $ROUNDS); do
    $NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count $N \
        --batch 100 --strict --timeout 30000 >"$T_TMP/send.out" 2>&1 || fail "maint_sdk_send_$r" "$(tail -2 "$T_TMP/send.out")"
    sleep 2
done
for _ in $(seq 1 100); do
    q=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" 2>/dev/null | $PY -c "import json,sys; print(json.load(sys.stdin)['files']['queued'])" 2>/dev/null)
    [ "${q:-1}" = 0 ] && break
    sleep 0.2
done
kill -TERM $RUN_PID
wait_exit $RUN_PID 20
check_eq maint_run_exit_0 0 "$?"

# The foreign files: valid Iceberg Avro (field ids, header keys) for python3-avro, with the
# announced codec, every entry EXISTING, and the same data files as the snapshot they replaced.
$PY - "$RLOG" "$O2P_ROOT/tests/interop/iceberg-avro-check.py" >"$T_TMP/foreign.out" 2>&1 <<'EOF'
import json, subprocess, sys, urllib.parse
import avro.datafile, avro.io, warnings
warnings.simplefilter("ignore")
log = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
maint = [r for r in log if r["endpoint"] == "maintenance" and r.get("status") == "applied"]
print("maintenances", len(maint), sorted({m["codec"] for m in maint}))
def read(uri):
    with open(urllib.parse.unquote(uri[len("file://"):]), "rb") as f:
        r = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        return r.meta, list(r)
def data_files(md, sid):
    snap = next(s for s in md["snapshots"] if s["snapshot-id"] == sid)
    _, lst = read(snap["manifest-list"])
    out = set()
    for m in lst:
        _, es = read(m["manifest_path"])
        out |= {e["data_file"]["file_path"] for e in es if e["status"] != 2}
    return snap, lst, out
bad = 0
for m in maint:
    md = json.load(open(urllib.parse.unquote(m["metadata-location"][len("file://"):])))
    snap, lst, files = data_files(md, m["snapshot-id"])
    meta, _ = read(snap["manifest-list"])
    ok = meta["avro.codec"].decode() == m["codec"] and snap["summary"]["operation"] == "replace"
    _, _, parent_files = data_files(md, snap["parent-snapshot-id"])
    ok = ok and files == parent_files
    for mf in lst:
        mm, es = read(mf["manifest_path"])
        ok = ok and mm["avro.codec"].decode() == m["codec"] and all(e["status"] == 0 for e in es)
        chk = subprocess.run([sys.executable, sys.argv[2], urllib.parse.unquote(mf["manifest_path"][7:]), "--kind", "manifest"],
                             capture_output=True, text=True)
        ok = ok and chk.returncode == 0
    chk = subprocess.run([sys.executable, sys.argv[2], urllib.parse.unquote(snap["manifest-list"][7:]), "--kind", "list"],
                         capture_output=True, text=True)
    ok = ok and chk.returncode == 0
    if not ok:
        bad += 1
        print("bad maintenance", m["table"], m["codec"], chk.stdout[-300:], chk.stderr[-300:])
print("bad", bad)
EOF
grep -q '^bad 0$' "$T_TMP/foreign.out" && grep -q "'snappy', 'zstandard'" "$T_TMP/foreign.out" \
    && ok maint_foreign_files_valid_snappy_zstd || fail maint_foreign_files_valid_snappy_zstd "$(tail -3 "$T_TMP/foreign.out" | tr '\n' ' ')"
$PY - "$RLOG" >"$T_TMP/conflicts.out" <<'EOF'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for i, m in enumerate(log):  # lines are written when a request ends: file order = completion order
    if m["endpoint"] != "maintenance" or m.get("status") != "applied":
        continue
    t = "/" + m["table"].split(".")[1]
    later = [c for c in log[i:] if c["endpoint"] == "commit" and c["path"].endswith(t)]
    if later and later[0]["status"] == 409 and any(c["status"] == 200 for c in later):
        print("conflict-then-commit", m["table"])
EOF
[ -s "$T_TMP/conflicts.out" ] && ok maint_409_then_commit_on_foreign_parent || fail maint_409_then_commit_on_foreign_parent "no 409 followed by a successful commit after a maintenance: $(grep -c 'level=error\|level=warn' "$T_TMP/run.log") warnings, last: $(grep 'comp=committer.*level=warn\|level=warn.*comp=committer' "$T_TMP/run.log" | tail -1 | cut -c1-200)"
curl -s "$CAT_URL/admin/stats" >"$T_TMP/stats.json"
n_logs=0; n_spans=0; n_points=0
for t in $($PY -c "import json; print(' '.join(sorted(json.load(open('$T_TMP/stats.json'))['tables'])))"); do
    ml=$($PY -c "import json; t=json.load(open('$T_TMP/stats.json'))['tables']['$t']; print(t['metadata-location'] if t['current-snapshot-id'] not in (None, -1) else '')")
    [ -n "$ml" ] || continue
    loc=$($PY -c "import json,urllib.parse; print(json.load(open(urllib.parse.unquote('${ml#file://}')))['location'])")
    out=$($NODE "$INTEROP/iceberg-read.mjs" "${loc#file://}" --metadata "${ml#file://}" --rows 0 2>&1)
    n=$(echo "$out" | sed -n 's/^icebird read \([0-9]*\) rows.*/\1/p')
    echo "$out" | tail -1 | grep -q '^OK' || fail "maint_icebird_${t#otel.}" "$(echo "$out" | tail -2 | tr '\n' ' ')"
    case ${t#otel.} in logs) n_logs=${n:-0} ;; traces) n_spans=${n:-0} ;; *) n_points=$((n_points + ${n:-0})) ;; esac
done
check_eq maint_read_back_exactly_once "$((ROUNDS * N)) $((ROUNDS * N)) $((ROUNDS * 13))" "$n_logs $n_spans $n_points" "(logs spans points)"
