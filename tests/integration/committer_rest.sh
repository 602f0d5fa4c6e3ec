#!/bin/bash
# The committer on the REST catalog (catalog.type=rest) against the project's strict test
# catalog (tests/catalog/rest_catalog.py), fed by the real pipeline (SDK exporters -> receiver ->
# spool -> writer -> files queue). Tables are created through the catalog (namespace on first
# use, prefix from /v1/config), manifests land under the table location the catalog chose
# (outside the committer's warehouse), and icebird reads them through the metadata-location the
# catalog returns. Faults: a 409 storm, commit-then-500 and commit-then-reset (unknown outcome:
# reconciled, never applied twice), an outage under live load (the queue grows, then drains),
# bearer and OAuth2 auth (short tokens, forced expiry), and two committers racing on one table.
. "$(dirname "$0")/lib.sh"
N1=600; N2=400



faults() { curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d "$1" "$CAT_URL/admin/faults"; }
stat() { curl -s "$CAT_URL/admin/stats" | $PY -c "import json,sys; s=json.load(sys.stdin); print($1)"; }

# committer NAME DATA_DIR NAMESPACE [extra args]: start in the background against $CAT_URL, pid in C_PID.
committer() {
    local name=$1 dir=$2 ns=$3; shift 3
    "$O2P_BIN/otlp2parquet-committer" --data-dir "$dir" --set catalog.type=rest --set catalog.uri="$CAT_URL" \
        --set catalog.warehouse="file://$T_TMP/datawh" --set catalog.namespace="$ns" \
        --set committer.retry_min_wait=10ms --set committer.retry_max_wait=200ms "$@" >>"$dir/committer-$name.log" 2>&1 &
    C_PID=$!; T_PIDS+=($C_PID)
}

wait_empty() { # DIR [tenths]: until the files queue is empty
    for _ in $(seq 1 "${2:-300}"); do [ "$(queued "$1")" = 0 ] && return 0; sleep 0.1; done; return 1
}

# verify NAME NS EXPECT_LOGS EXPECT_SPANS EXPECT_FILES [AUTH_HEADER]: read every table of NS back
# through the catalog: icebird on logs and traces (--metadata = the catalog's metadata-location),
# then each data file exactly once, commit ids unique, sequence numbers 1..n, totals = manifests.
verify() {
    local name=$1 ns=$2 logs=$3 spans=$4 files=$5 auth=${6:-}
    local r
    r=$($PY - "$CAT_URL" "$ns" "$auth" <<'EOF'
import json, os, sys, subprocess, urllib.request
url, ns, auth = sys.argv[1:4]
def get(path):
    rq = urllib.request.Request(url + path)
    if auth: rq.add_header("Authorization", auth)
    return json.load(urllib.request.urlopen(rq))
cfg = get("/v1/config")
pfx = cfg.get("overrides", {}).get("prefix") or cfg.get("defaults", {}).get("prefix")
base = "/v1/" + (pfx + "/" if pfx else "") + "namespaces/" + ns
files = []; problems = []; rows = {}; tables = {}
for ident in get(base + "/tables")["identifiers"]:
    t = ident["name"]; res = get(base + "/tables/" + t); md = res["metadata"]
    if md.get("current-snapshot-id") in (None, -1):
        continue  # created up front for the writers (REST), nothing committed yet
    tables[t] = (md["location"], res["metadata-location"])
    cids = [s["summary"]["otlp2parquet.commit-id"] for s in md["snapshots"]]
    if len(cids) != len(set(cids)): problems.append(f"{t}: a commit id twice")
    seqs = [s["sequence-number"] for s in md["snapshots"]]
    if seqs != list(range(1, len(seqs) + 1)): problems.append(f"{t}: sequence numbers {seqs}")
    cur = [s for s in md["snapshots"] if s["snapshot-id"] == md["current-snapshot-id"]][0]
    if not cur["manifest-list"].startswith(md["location"] + "/metadata/"): problems.append(f"{t}: list outside the table")
    chk = subprocess.run(["/usr/bin/python3", os.environ["INTEROP"] + "/iceberg-avro-check.py", cur["manifest-list"][7:]], capture_output=True, text=True)
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
    rows[t] = trows
json.dump(tables, open(os.environ["T_TMP"] + "/tables.json", "w"))
print(len(files), len(set(files)), sum(rows.values()), "; ".join(problems) or "clean")
EOF
)
    check_eq "${name}_files_exactly_once" "$files $files" "$(echo "$r" | cut -d' ' -f1,2)" "$r"
    check_eq "${name}_metadata_consistent" clean "$(echo "$r" | cut -d' ' -f4-)"
    local t want loc ml out
    for t in logs traces; do
        want=$logs; [ $t = traces ] && want=$spans
        loc=$($PY -c "import json,os; print(json.load(open(os.environ['T_TMP']+'/tables.json'))['$t'][0])")
        ml=$($PY -c "import json,os; print(json.load(open(os.environ['T_TMP']+'/tables.json'))['$t'][1])")
        out=$($NODE "$INTEROP/iceberg-read.mjs" "$loc" --metadata "$ml" --rows 0 2>&1)
        echo "$out" | grep -q '^OK$' && check_eq "${name}_icebird_$t" "$want" "$(echo "$out" | sed -n 's/^icebird read \([0-9]*\) rows.*/\1/p')" \
            || fail "${name}_icebird_$t" "$(echo "$out" | tail -5)"
    done
}
export INTEROP T_TMP

D1=$T_TMP/p1; D2=$T_TMP/p2
mkdir -p "$D1" "$D2"
fill_files_queue "$D1" $N1 150
fill_files_queue "$D2" $N2 150
F1=$(queued "$D1"); F2=$(queued "$D2")
[ "$F1" -gt 5 ] && ok pipeline_files_queued || fail pipeline_files_queued "only $F1 files"

start_catalog main --prefix wh1 --require-manifest-lists --keep-ids || { fail catalog_start "see above"; exit 1; }

# A. Plain commits: namespace and tables created through the catalog, prefix honoured.
A=$T_TMP/a; mkdir -p "$A"; cp -r "$D1/spool" "$A/"
committer a "$A" basic --set committer.interval=200ms --set committer.max_files_per_commit=3
wait_empty "$A" && ok basic_queue_committed || fail basic_queue_committed "$(grep -m3 'err=' "$A/committer-a.log")"
kill -TERM $C_PID; wait $C_PID; check_eq basic_exit_0 0 $?
verify basic basic $N1 $N1 "$F1"
grep -q 'op=catalog-config .*prefix=wh1/' "$A/committer-a.log" && ok basic_prefix_from_config \
    || fail basic_prefix_from_config "$(grep -m1 catalog-config "$A/committer-a.log")"
grep -q 'op=open-store root=file://'"$T_TMP"'/main/wh/basic/' "$A/committer-a.log" && ok basic_manifests_under_table_location \
    || fail basic_manifests_under_table_location "$(grep -m1 open-store "$A/committer-a.log")"
st=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$A" --set catalog.type=rest --set catalog.uri="$CAT_URL" \
    --set catalog.namespace=basic | $PY -c "import json,sys; t=json.load(sys.stdin)['tables']; print(t['logs']['rows'], t['traces']['rows'], t['logs']['exists'] and t['logs']['snapshot_id'] > 0)")
check_eq basic_status_tables "$N1 $N1 True" "$st"

# B. A 409 storm: five injected conflicts, then commits go through; every file once.
B=$T_TMP/b; mkdir -p "$B"; cp -r "$D1/spool" "$B/"
faults '{"rules":[{"endpoint":"commit","action":"conflict","count":5}]}'
committer b "$B" storm --set committer.interval=100ms --set committer.max_files_per_commit=4
wait_empty "$B" && ok storm_committed || fail storm_committed "$(grep -m3 'err=' "$B/committer-b.log")"
kill -TERM $C_PID; wait $C_PID
check_eq storm_conflicts_retried 5 "$(grep -c 'op=retry .*reason=conflict' "$B/committer-b.log")"
verify storm storm $N1 $N1 "$F1"

# C. Unknown outcomes: commit applied then 500, and applied then connection reset. The committer
# must find its commit id on reload, never apply a batch twice.
C=$T_TMP/c; mkdir -p "$C"; cp -r "$D1/spool" "$C/"
curl -s -X DELETE "$CAT_URL/admin/faults" >/dev/null; curl -s -X POST "$CAT_URL/admin/stats/reset" >/dev/null
faults '{"rules":[{"endpoint":"commit","action":"commit-then-error","status":500,"count":2},
                  {"endpoint":"commit","action":"commit-then-reset","skip":3,"count":1}]}'
committer c "$C" unknown --set committer.interval=100ms --set committer.max_files_per_commit=4
wait_empty "$C" && ok unknown_committed || fail unknown_committed "$(grep -m3 'err=' "$C/committer-c.log")"
kill -TERM $C_PID; wait $C_PID
check_eq unknown_reconciled 3 "$(grep -c 'result=already-committed' "$C/committer-c.log")"
check_eq unknown_faults_fired "2 1" "$(stat "s['commits']['applied_then_error'], s['commits']['applied_then_reset']")"
snaps=$(curl -s "$CAT_URL/v1/wh1/namespaces/unknown/tables" | $PY -c "
import json,sys,urllib.request
n=0
for i in json.load(sys.stdin)['identifiers']:
    n+=len(json.load(urllib.request.urlopen('$CAT_URL/v1/wh1/namespaces/unknown/tables/'+i['name']))['metadata']['snapshots'])
print(n)")
check_eq unknown_snapshots_eq_applied "$(stat "s['commits']['applied']")" "$snaps"
verify unknown unknown $N1 $N1 "$F1"
curl -s -X DELETE "$CAT_URL/admin/faults" >/dev/null

# D. An outage under live load: the queue grows while the catalog answers 503, nothing is lost,
# everything commits after.
L=$T_TMP/live; mkdir -p "$L"
start_receiver "$L" || { fail live_receiver "see log"; exit 1; }
"$O2P_BIN/otlp2parquet-writer" --data-dir "$L" --set writer.max_file_rows=100 --set writer.poll_interval=50ms \
    --set writer.max_file_age=100ms >>"$L/writer.log" 2>&1 &
T_PIDS+=($!); LW=$!
committer live "$L" outage --set committer.interval=100ms --set committer.retry_max_elapsed=1s
$NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count 300 \
    --batch 100 --signals logs --strict >"$L/send1.out" 2>&1 || fail live_send1 "$(tail -3 "$L/send1.out")"
sleep 1; wait_empty "$L" && ok outage_before_committed || fail outage_before_committed "$(grep -m3 'err=' "$L/committer-live.log")"
faults '{"rules":[{"action":"outage","seconds":6}]}'
$NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count 500 \
    --batch 50 --signals logs --strict >"$L/send2.out" 2>&1 || fail live_send2 "$(tail -3 "$L/send2.out")"
q=(); for _ in 1 2 3; do sleep 1; q+=("$(queued "$L")"); done
[ "${q[0]}" -gt 0 ] && [ "${q[2]}" -ge "${q[0]}" ] && ok outage_queue_grows || fail outage_queue_grows "queued: ${q[*]}"
st=$("$O2P_BIN/otlp2parquet" status --data-dir "$L" --set catalog.type=rest --set catalog.uri="$CAT_URL" \
    --set catalog.namespace=outage 2>&1)
echo "$st" | grep -q '503' && ok outage_status_shows_catalog_error || fail outage_status_shows_catalog_error "$(echo "$st" | tail -5)"
wait_empty "$L" 200 && ok outage_drained_after || fail outage_drained_after "queued $(queued "$L"); $(grep 'err=' "$L/committer-live.log" | tail -2)"
grep -q 'reason=unknown-outcome\|kept queued' "$L/committer-live.log" && ok outage_retried \
    || fail outage_retried "no retry logged"
kill -TERM $C_PID $LW; wait $C_PID $LW; stop_receiver
rows=$(curl -s "$CAT_URL/v1/wh1/namespaces/outage/tables/logs" | $PY -c "import json,sys; m=json.load(sys.stdin)['metadata']; print([s for s in m['snapshots'] if s['snapshot-id']==m['current-snapshot-id']][0]['summary']['total-records'])")
check_eq outage_nothing_lost 800 "$rows"
curl -s -X DELETE "$CAT_URL/admin/faults" >/dev/null

# E. Two committers on two spools race on one table set: one file per commit, tiny backoff.
R1=$T_TMP/r1; R2=$T_TMP/r2; mkdir -p "$R1" "$R2"; cp -r "$D1/spool" "$R1/"; cp -r "$D2/spool" "$R2/"
committer r1 "$R1" race --set committer.interval=10ms --set committer.max_files_per_commit=1; P1=$C_PID
committer r2 "$R2" race --set committer.interval=10ms --set committer.max_files_per_commit=1; P2=$C_PID
wait_empty "$R1" && wait_empty "$R2" && ok race_committed || fail race_committed "$(tail -2 "$R1/committer-r1.log" "$R2/committer-r2.log")"
kill -TERM $P1 $P2; wait $P1; r1=$?; wait $P2; check_eq race_exit_0 "0 0" "$r1 $?"
echo "race conflicts: $(cat "$R1/committer-r1.log" "$R2/committer-r2.log" | grep -c 'reason=conflict')"
verify race race $((N1 + N2)) $((N1 + N2)) $((F1 + F2))
kill $CAT_PID; wait $CAT_PID 2>/dev/null

# F. Bearer token: the right one commits; a wrong one fails with the catalog's 401 message.
TOKEN=tok-$RANDOM$RANDOM
echo "$TOKEN" >"$T_TMP/token"; echo wrong >"$T_TMP/badtoken"
start_catalog bearer --token "$TOKEN" --keep-ids || fail bearer_catalog "did not start"
W=$T_TMP/w; mkdir -p "$W"; cp -r "$D2/spool" "$W/"
committer w "$W" bad --set catalog.auth=bearer --set catalog.token_file="$T_TMP/badtoken" --set committer.interval=100ms
for _ in $(seq 1 50); do grep -qs 'NotAuthorizedException' "$W/committer-w.log" && break; sleep 0.1; done
kill -TERM $C_PID 2>/dev/null; wait $C_PID # a 401 on /v1/config already ends it at start-up
grep -q '401 NotAuthorizedException' "$W/committer-w.log" && ok bearer_wrong_token_clear_error \
    || fail bearer_wrong_token_clear_error "$(tail -3 "$W/committer-w.log")"
check_eq bearer_wrong_token_nothing_committed "$F2" "$(queued "$W")"
committer w "$W" sec --set catalog.auth=bearer --set catalog.token_file="$T_TMP/token" --set committer.interval=100ms
wait_empty "$W" && ok bearer_committed || fail bearer_committed "$(grep -m3 'err=' "$W/committer-w.log")"
kill -TERM $C_PID; wait $C_PID
verify bearer sec $N2 $N2 "$F2" "Bearer $TOKEN"
kill $CAT_PID; wait $CAT_PID 2>/dev/null

# G. OAuth2 client credentials with 2-second tokens, and every token expired mid-way: the
# committer refreshes before expiry and after a 401, commits everything.
start_catalog oauth --oauth2 o2p-client:s3cret --token-ttl 2 --keep-ids || fail oauth_catalog "did not start"
echo "o2p-client:s3cret" >"$T_TMP/cred"
O=$T_TMP/o; mkdir -p "$O"; cp -r "$D1/spool" "$O/"
faults '{"rules":[{"endpoint":"commit","action":"delay","seconds":1,"count":5}]}'
committer o "$O" oauth --set catalog.auth=oauth2 --set catalog.credential_file="$T_TMP/cred" \
    --set committer.interval=100ms --set committer.max_files_per_commit=2
# Expire every token now and then while it commits, so some request meets a 401.
( for _ in $(seq 1 8); do sleep 0.7; curl -s -X POST "$CAT_URL/admin/expire-tokens" >/dev/null; done ) &
EXPIRER=$!
wait_empty "$O" && ok oauth2_committed || fail oauth2_committed "$(grep -m3 'err=' "$O/committer-o.log")"
kill -TERM $C_PID; wait $C_PID; wait $EXPIRER 2>/dev/null
grep -q 'op=catalog-auth-retry .*status=401 auth=oauth2' "$O/committer-o.log" && ok oauth2_refresh_after_401 \
    || fail oauth2_refresh_after_401 "$(grep -m2 'oauth2' "$O/committer-o.log")"
issued=$(stat "s['tokens_issued']")
[ "$issued" -ge 3 ] && ok oauth2_tokens_refreshed || fail oauth2_tokens_refreshed "tokens issued: $issued"
tok=$(curl -s -d 'grant_type=client_credentials&client_id=o2p-client&client_secret=s3cret' "$CAT_URL/v1/oauth/tokens" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
verify oauth2 oauth $N1 $N1 "$F1" "Bearer $tok"

kill $CAT_PID; wait $CAT_PID 2>/dev/null

# H. A catalog that renumbers field ids like Java (assignFreshIds), as Glue, S3 Tables and
# Polaris do: our ids are assigned in that same order, so every table comes back with the ids
# the writers put in the Parquet files and commits (a mismatch would be refused, never
# committed with ids that do not match the files).
start_catalog renum || fail renum_catalog "did not start"
H=$T_TMP/h; mkdir -p "$H"; cp -r "$D2/spool" "$H/"
committer h "$H" renum --set committer.interval=100ms
for _ in $(seq 1 100); do grep -q 'op=commit table=renum.metrics_sum ' "$H/committer-h.log" && grep -q 'op=commit table=renum.logs ' "$H/committer-h.log" && break; sleep 0.1; done
kill -TERM $C_PID; wait $C_PID 2>/dev/null
grep -q 'op=commit table=renum.logs ' "$H/committer-h.log" && grep -q 'op=commit table=renum.metrics_sum ' "$H/committer-h.log" \
    && ok renum_all_tables_committed || fail renum_all_tables_committed "$(grep -m2 err= "$H/committer-h.log")"
grep -q "field ids differ" "$H/committer-h.log" && fail renum_ids_match "$(grep -m1 'field ids differ' "$H/committer-h.log")" \
    || ok renum_ids_match

grep -h -E 'Traceback|catalog bug' "$T_TMP"/*/catalog.log 2>/dev/null | head -5 | while read -r l; do
    fail catalog_no_internal_errors "$l"
done
exit 0
