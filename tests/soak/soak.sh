#!/bin/bash
# soak.sh - a hostile soak (issue "Hostile clients and bad data"). For SOAK_SECONDS (180) it
# runs `otlp2parquet run --writers 2` on a fresh data directory (filesystem warehouse) with
# short timeouts, and at the same time:
#   good clients  tests/crash/load.py (OTLP/HTTP JSON and protobuf, OTLP/gRPC via grpcio),
#                 writing down which requests were acknowledged, as tests/crash/crash.sh does;
#                 tests/soak/grpc-good.mjs, one gRPC call at a time on its own connection with
#                 Node's HTTP/2 client, recording every refusal (REFUSED_STREAM, UNAVAILABLE)
#                 and how long refusals lasted;
#   hostile clients, each in a loop restarted when it ends (tests/soak/hostile.py unless said):
#                 slowloris (a header byte every 0.3 s, 5 connections); an HTTP pipeliner that
#                 never reads its answers; a flood of 300 half-sent requests; gRPC connections
#                 with SETTINGS_INITIAL_WINDOW_SIZE 0 making 100 complete calls each and
#                 PINGing (tests/interop/grpc-limits.mjs --case window0, 3 connections); gRPC
#                 calls holding half-sent bodies (--case streams, 3 x 100); AnyValue nested
#                 past 64 levels (tests/integration/otlp_nest.py), undecodable and oversize
#                 bodies (over receiver.max_request_bytes, set to 1 MiB) over HTTP and gRPC;
#                 a request whose 300 records fall on 300 days (backfill, every 20 s);
#   a sampler     every second: the receiver's VmRSS, the daemons' pids and their count.
# The window0 and streams clients send metrics (fixtures/metrics.pb): their calls that complete
# are spooled, and the reconcile below checks the logs and traces tables for phantom records.
# At the end the hostile clients and the load stop, the supervisor gets SIGTERM (it must exit
# 0) and these are checked: every acknowledged good record (load.py, grpc-good.mjs, backfill)
# is in the tables exactly once (tests/interop/crash-reconcile.py, as crash.sh runs it); the
# receiver's peak RSS < 128 MiB; no daemon crashed or was restarted (no op=child_exit, pids
# unchanged); the good gRPC client was never refused for more than 5 s in a row; the hostile
# clients got the answers docs/architecture.md ("Answers to bad input") and
# docs/operations.md (connection limits) give, at least once each; the good load was served;
# the spool, files queue, claims and quarantine are empty after the drain.
# The binaries are copied into the test's directory first (a rebuild of bin/ must not break it).
# Env: SOAK_SECONDS (180), SOAK_KEEP=DIR keeps the data directory and logs there.
# Prints "ok <name>" / "FAIL <name>: why" lines (tests/run.sh format); exit 1 on a FAIL.
SOAK_SECONDS=${SOAK_SECONDS:-180}
NAME=soak
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.sh"
mkdir -p "$T_TMP/bin"
for p in otlp2parquet otlp2parquet-receiver otlp2parquet-writer otlp2parquet-committer; do
    cp "$O2P_BIN/$p" "$T_TMP/bin/$p" || { echo "FAIL ${NAME}_binaries: $O2P_BIN/$p"; exit 1; }
done
O2P_BIN=$T_TMP/bin
D=$T_TMP/data      # the pipeline's data directory
L=$T_TMP/load      # acks.* of the good clients (the reconcile reads them all)
H=$T_TMP/hostile   # each hostile client's output, one JSON line per round
RUNLOG=$T_TMP/run.log
STOP=$T_TMP/stop.hostile
MAX_REQ=1048576
RSS_LIMIT_KIB=$((128 * 1024))
REFUSAL_LIMIT_S=5
FAILS=0
ok() { echo "ok ${NAME}_$1${2:+ ($2)}"; }
fail() { echo "FAIL ${NAME}_$1: $2"; FAILS=$((FAILS + 1)); }
phase() { echo "soak: [$(date +%T) +$((SECONDS - T_START))s] $*"; }
T_START=$SECONDS
mkdir -p "$D" "$L" "$H"

pipeline_pids() { pgrep -f -- "--data-dir $D( |$)"; }
HOSTILE_LOOPS=()
soak_cleanup() {
    touch "$STOP" "$L/stop" "$T_TMP/sampler.stop" 2>/dev/null
    local p
    for p in "${HOSTILE_LOOPS[@]}" ${LOAD_PID:-} ${GOOD_PID:-} ${SAMPLER_PID:-}; do kill -9 "$p" 2>/dev/null; done
    for f in "$H"/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
    for p in $(pipeline_pids); do kill -9 "$p" 2>/dev/null; done
    if [ -n "${SOAK_KEEP:-}" ]; then
        mkdir -p "$SOAK_KEEP" && cp -a "$T_TMP/." "$SOAK_KEEP/" && echo "kept $T_TMP in $SOAK_KEEP"
    fi
    cleanup
}
trap soak_cleanup EXIT

HTTP_PORT=$(free_port); GRPC_PORT=$(free_port)
"$O2P_BIN/otlp2parquet" run --writers 2 --data-dir "$D" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
    --set receiver.request_timeout=3s --set receiver.idle_timeout=10s --set receiver.max_request_bytes=$MAX_REQ \
    --set committer.interval=2s --set writer.max_file_age=500ms --set writer.poll_interval=100ms \
    >"$RUNLOG" 2>&1 &
RUN_PID=$!

# kids -> "<pid> <program>" of each live (not zombie) child of the supervisor, one ps call
# (comm is cut at 15 characters: the program path, argv[0], names the role)
kids() { ps --ppid "$RUN_PID" -o pid=,stat=,args= 2>/dev/null | awk '$2 !~ /^Z/ {n = split($3, a, "/"); print $1, a[n]}'; }
# children ROLE -> the pids of the live children with that role
children() { kids | awk -v p="otlp2parquet-$1" '$2 == p {print $1}'; }
# daemons -> the pids of every live child, sorted, comma-separated
daemons() { kids | awk '{print $1}' | sort -n | paste -sd, -; }
whole=0
for _ in $(seq 1 100); do
    [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/ready")" = 200 ] &&
        [ "$(daemons | tr ',' '\n' | grep -c .)" = 4 ] && whole=1 && break
    sleep 0.1
done
[ $whole = 1 ] && ok pipeline_ready "daemons $(daemons)" || { fail pipeline_ready "$(tail -20 "$RUNLOG")"; exit 1; }
RECV=$(children receiver)
phase "pipeline up: supervisor $RUN_PID, receiver $RECV, daemons $(daemons); ${SOAK_SECONDS}s of load; data $D"

# The sampler: every second "<epoch s> <receiver pid> <VmRSS KiB> <VmHWM KiB> <daemons> <pids>".
(
    while [ ! -e "$T_TMP/sampler.stop" ]; do
        all=$(kids)
        r=$(echo "$all" | awk '$2 == "otlp2parquet-receiver" {print $1}')
        m="0 0"
        [ -n "$r" ] && m=$(awk '/^VmRSS/ {r = $2} /^VmHWM/ {h = $2} END {print r + 0, h + 0}' "/proc/$r/status" 2>/dev/null)
        k=$(echo "$all" | awk '{print $1}' | sort -n | paste -sd, -)
        echo "$(date +%s) ${r:-none} $m $(echo "$k" | tr ',' '\n' | grep -c .) $k"
        sleep 1
    done >"$T_TMP/samples"
) &
SAMPLER_PID=$!

# The good load.
/usr/bin/python3 "$O2P_ROOT/tests/crash/load.py" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" --dir "$L" \
    --senders 4 --batch 50 --seconds $((SOAK_SECONDS + 600)) --stop-file "$L/stop" >"$T_TMP/load.out" 2>&1 &
LOAD_PID=$!
$NODE "$HERE/grpc-good.mjs" --target "127.0.0.1:$GRPC_PORT" --dir "$L" --stop-file "$L/stop" --sender 90 \
    >"$T_TMP/grpc-good.out" 2>&1 &
GOOD_PID=$!

# hostile NAME PAUSE CMD...: CMD again and again (PAUSE tenths of a second between rounds)
# until $STOP exists; its stdout appended to $H/NAME.out, the running round's pid in $H/NAME.pid.
hostile() {
    local name=$1 pause=$2; shift 2
    (
        while [ ! -e "$STOP" ]; do
            "$@" >>"$H/$name.out" 2>>"$H/$name.err" &
            echo $! >"$H/$name.pid"
            wait $!
            for ((i = 0; i < pause; i++)); do [ -e "$STOP" ] && break; sleep 0.1; done
        done
    ) &
    HOSTILE_LOOPS+=($!)
}
HP=(--http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT")
HOST=/usr/bin/python3
hostile slowloris 0 $HOST "$HERE/hostile.py" slowloris "${HP[@]}" --conns 5
hostile pipeline 0 $HOST "$HERE/hostile.py" pipeline "${HP[@]}" --seconds 8
hostile flood 10 $HOST "$HERE/hostile.py" flood "${HP[@]}" --conns 300
hostile bad 5 $HOST "$HERE/hostile.py" bad "${HP[@]}" --max-bytes $MAX_REQ
hostile backfill 200 $HOST "$HERE/hostile.py" backfill "${HP[@]}" --acks "$L/acks.91"
hostile window0 0 $NODE "$INTEROP/grpc-limits.mjs" --case window0 --target "127.0.0.1:$GRPC_PORT" \
    --body "$INTEROP/fixtures/metrics.pb" --signal metrics --conns 3 --streams 100 --hold 6
hostile streams 10 $NODE "$INTEROP/grpc-limits.mjs" --case streams --target "127.0.0.1:$GRPC_PORT" \
    --body "$INTEROP/fixtures/metrics.pb" --signal metrics --conns 3 --streams 100
phase "load and ${#HOSTILE_LOOPS[@]} hostile clients started"

t0=$SECONDS
UNEXPECTED=
while [ $((SECONDS - t0)) -lt "$SOAK_SECONDS" ]; do
    sleep 5
    kill -0 "$RUN_PID" 2>/dev/null || { UNEXPECTED="supervisor exited during the soak"; break; }
    kill -0 "$LOAD_PID" 2>/dev/null || { UNEXPECTED="load.py exited: $(tail -3 "$T_TMP/load.out")"; break; }
    kill -0 "$GOOD_PID" 2>/dev/null || { UNEXPECTED="grpc-good.mjs exited: $(tail -3 "$T_TMP/grpc-good.out")"; break; }
    [ $(((SECONDS - t0) % 30)) -lt 5 ] && phase "$(tail -1 "$T_TMP/samples" | awk '{printf "receiver rss %d KiB, %d daemons", $3, $5}')"
done
SOAKED=$((SECONDS - t0))
[ -z "$UNEXPECTED" ] && ok ran_for_soak_seconds "${SOAKED}s" || fail ran_for_soak_seconds "after ${SOAKED}s: $UNEXPECTED"

phase "stopping the hostile clients"
touch "$STOP"
sleep 0.3
for _ in $(seq 1 150); do
    alive=0
    for p in "${HOSTILE_LOOPS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    for f in "$H"/*.pid; do kill -TERM "$(cat "$f")" 2>/dev/null; done
    sleep 0.2
done
for p in "${HOSTILE_LOOPS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
HOSTILE_LOOPS=()

phase "stopping the load"
touch "$L/stop"
for _ in $(seq 1 300); do kill -0 "$LOAD_PID" 2>/dev/null || kill -0 "$GOOD_PID" 2>/dev/null || break; sleep 0.1; done
wait "$LOAD_PID"; wait "$GOOD_PID"
cat "$T_TMP/load.out"
echo "grpc-good: $(cat "$T_TMP/grpc-good.out")"
curl -s -m 5 "http://127.0.0.1:$HTTP_PORT/metrics" >"$T_TMP/metrics.txt"
echo "info: receiver rejections: $(grep '^o2p_receiver_rejections_total' "$T_TMP/metrics.txt" | grep -v ' 0$' | sed 's/o2p_receiver_rejections_total//' | tr '\n' ' ')"
touch "$T_TMP/sampler.stop"; wait "$SAMPLER_PID"
# The receiver's own high-water mark, read just before the drain (the 1 s samples can miss a spike).
HWM=$(awk '/^VmHWM/ {print $2}' "/proc/$RECV/status" 2>/dev/null)
LAST_DAEMONS=$(daemons)

phase drain
t1=$SECONDS
kill -TERM "$RUN_PID"
for _ in $(seq 1 1200); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$RUN_PID" 2>/dev/null; then
    fail drain_exit_0 "supervisor still running 120 s after SIGTERM"
    for p in $(pipeline_pids); do kill -9 "$p" 2>/dev/null; done
else
    wait "$RUN_PID"; rc=$?
    [ "$rc" = 0 ] && ok drain_exit_0 "$((SECONDS - t1))s" || fail drain_exit_0 "exit status $rc; $(tail -5 "$RUNLOG" | tr '\n' ' ')"
fi
left=$(pipeline_pids | tr '\n' ' ')
[ -z "$left" ] && ok no_process_left || { fail no_process_left "$left"; for p in $left; do kill -9 "$p" 2>/dev/null; done; }
st=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" 2>&1)
drained=$(echo "$st" | $PY -c "
import json,sys; s=json.load(sys.stdin)
print(' '.join(str(s['spool'][k]['records']) for k in ('logs','traces','metrics')), s['files']['queued'], len(s['claims']), s['quarantine'])" 2>&1)
[ "$drained" = "0 0 0 0 0 0" ] && ok drained_spool_files_claims_quarantine ||
    fail drained_spool_files_claims_quarantine "spool logs/traces/metrics, files queued, claims, quarantined = $drained"

# No daemon crashed or was restarted: the supervisor logs every child exit it saw.
exits=$(grep 'op=child_exit' "$RUNLOG")
[ -z "$exits" ] && ok no_child_exit || fail no_child_exit "$(echo "$exits" | wc -l) child exits, e.g. $(echo "$exits" | head -3 | tr '\n' ' ')"
v=$($PY - "$T_TMP/samples" "$LAST_DAEMONS" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
first = rows[0][5] if rows and len(rows[0]) > 5 else ""
changed = [r for r in rows if len(r) < 6 or r[5] != first or r[4] != "4"]
last = sys.argv[2]
if last != first:
    changed.append(["end", "", "", "", "", last])
print("ok" if rows and not changed else "FAIL", f"{len(rows)} samples, daemons {first}",
      f"changed: {[' '.join(r) for r in changed[:3]]}" if changed else "")
PY
)
[ "${v%% *}" = ok ] && ok daemon_pids_unchanged "${v#ok }" || fail daemon_pids_unchanged "${v#FAIL }"
peak=$(awk '$3 > p {p = $3} END {print p + 0}' "$T_TMP/samples")
top=$(( ${HWM:-0} > peak ? ${HWM:-0} : peak ))
rss_line="peak sampled VmRSS $((peak / 1024)) MiB ($peak KiB), VmHWM $((${HWM:-0} / 1024)) MiB before the drain"
[ "$peak" -gt 0 ] && [ "$top" -lt "$RSS_LIMIT_KIB" ] && ok receiver_peak_rss_under_128MiB "$rss_line" ||
    fail receiver_peak_rss_under_128MiB "$rss_line"
# Nothing went wrong inside the receiver: no rejection counted as reason "internal" (500 /
# a call failed for a reason the receiver does not name).
internal=$(grep -E '^o2p_receiver_rejections_total\{transport="(http|grpc)",reason="internal"\}' "$T_TMP/metrics.txt" | awk '{s += $2} END {print s + 0}')
[ -s "$T_TMP/metrics.txt" ] && [ "$internal" = 0 ] && ok receiver_no_internal_rejections ||
    fail receiver_no_internal_rejections "$(grep 'reason="internal"' "$T_TMP/metrics.txt" | tr '\n' ' ')"
other=$(grep 'level=error' "$RUNLOG" | sed 's/^ts=[^ ]* //' | cut -c1-160 | sort | uniq -c | sort -rn | head -5)
echo "info: level=error lines in the daemons' logs: $(grep -c 'level=error' "$RUNLOG")"
[ -n "$other" ] && echo "$other"

# The good gRPC client: never refused (or otherwise not served) for more than 5 s in a row.
v=$(echo "$(cat "$T_TMP/grpc-good.out")" | $PY -c "
import json,sys
try: d=json.loads(sys.stdin.read().strip().splitlines()[-1])
except Exception as e: print('FAIL no summary from grpc-good.mjs'); sys.exit()
kinds=' '.join(f'{k}={v}' for k,v in sorted(d.items()) if k not in ('calls','longest_refusal_s','slowest_ok_s'))
print('ok' if d['longest_refusal_s'] <= $REFUSAL_LIMIT_S and d.get('ok',0) > 0 else 'FAIL',
      f\"longest refusal {d['longest_refusal_s']}s, {d['calls']} calls: {kinds}, slowest ok call {d['slowest_ok_s']}s\")" 2>&1)
[ "${v%% *}" = ok ] && ok good_grpc_never_refused_over_5s "${v#ok }" || fail good_grpc_never_refused_over_5s "${v#FAIL }"

# The good load was served: no kills here, so a request fails only by a documented refusal
# (gRPC REFUSED_STREAM, which grpcio reports as UNAVAILABLE once its transparent retry is
# refused too, or UNAVAILABLE itself; HTTP 429/503), and nearly all are acknowledged.
v=$($PY - "$L" <<'PY'
import collections, glob, os, re, sys
reqs = collections.Counter(); why = collections.Counter(); recs = 0
for p in glob.glob(os.path.join(sys.argv[1], "acks.*")):
    if p.endswith((".90", ".91")):
        continue
    for line in open(p):
        f = line.split()
        reqs[f[0]] += 1
        if f[0] == "A":
            recs += int(f[3])
        else:
            why[f"{f[4]}:{' '.join(f[5:])[:60]}"] += 1
n = sum(reqs.values()); a = reqs.get("A", 0)
refusal = re.compile(r"^(grpc:grpc_UNAVAILABLE|http-(json|proto):http_(429|503))")
other = {k: c for k, c in why.items() if not refusal.match(k)}
print("ok" if n and a >= 0.95 * n and not other else "FAIL", f"{a} of {n} requests acknowledged ({recs} records)",
      f"not acknowledged: {dict(why.most_common(5))}" if why else "",
      f"NOT A DOCUMENTED REFUSAL: {other}" if other else "")
PY
)
[ "${v%% *}" = ok ] && ok good_load_served "${v#ok }" || fail good_load_served "${v#FAIL }"

# The hostile clients got the documented answers (counted from their own output).
$PY - "$H" >"$T_TMP/hostile.checks" <<'PY'
import collections, glob, json, os, sys
H = sys.argv[1]
def rounds(name):
    out = []
    p = os.path.join(H, name + ".out")
    for line in open(p) if os.path.exists(p) else []:
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out
def line(ok, name, detail):
    print(("ok" if ok else "FAIL") + f" hostile_{name}" + (f" ({detail})" if ok else f": {detail}"))
bad = rounds("bad")
for kind, want_http, want_grpc in (("nested", 400, 3), ("garbage", 400, 3), ("oversize", 413, 8)):
    keys = sorted({k for r in bad for k in r if k.startswith(kind + "_")})
    seen = {k: collections.Counter(str(r[k]) for r in bad if k in r) for k in keys}
    want = {k: str(want_grpc if k.endswith("_grpc") else want_http) for k in keys}
    good = bool(keys) and all(seen[k][want[k]] > 0 for k in keys)
    accepted = {k: c for k, c in ((k, seen[k].get("200", 0) + (seen[k].get("0", 0) if k.endswith("_grpc") else 0)) for k in keys) if c}
    detail = f"{len(bad)} rounds; " + "; ".join(f"{k}: " + ",".join(f"{v}x{n}" for v, n in seen[k].most_common()) for k in keys)
    line(good and not accepted, f"{kind}_refused", detail + (f"; ACCEPTED {accepted}" if accepted else ""))
s = rounds("slowloris")
line(s and sum(r["closed"] for r in s) > 0 and all(r["open"] == 0 for r in s), "slowloris_closed",
     f"{len(s)} rounds, {sum(r['conns'] for r in s)} connections, {sum(r['closed'] for r in s)} closed by the receiver, "
     f"{sum(r['open'] for r in s)} open after 20 s, longest {max((r['max_s'] for r in s), default=0)}s")
p = rounds("pipeline")
line(p and any(r["blocked"] and r["closed"] for r in p) and all(r["closed"] for r in p), "pipeliner_blocked_and_closed",
     f"{len(p)} rounds, {sum(1 for r in p if r['blocked'])} blocked, {sum(1 for r in p if r['closed'])} closed, "
     f"latest close {max((r['closed_s'] or 0 for r in p), default=0)}s, most sent {max((r['sent_kib'] for r in p), default=0)} KiB")
f = rounds("flood")
line(f and sum(r["closed"] for r in f) > 0 and all(r["open"] == 0 for r in f), "flood_closed",
     f"{len(f)} rounds, {sum(r['connected'] for r in f)} half-sent requests, {sum(r['closed'] for r in f)} closed "
     f"({sum(r['answered_503'] for r in f)} with 503), {sum(r['open'] for r in f)} open after 15 s, "
     f"latest close {max((r['last_close_s'] for r in f), default=0)}s")
w = rounds("window0")
normal = collections.Counter(s for r in w for s in r.get("normal", []))
line(w and sum(r["cancelled"] for r in w) > 0, "window0_answers_cancelled",
     f"{len(w)} rounds, {sum(r['cancelled'] for r in w)} answers ended with RST_STREAM(CANCEL); their normal calls: "
     + ",".join(f"{k}x{n}" for k, n in normal.most_common()) + f", slowest {max((r['normal_max_seconds'] for r in w), default=0)}s")
st = rounds("streams")
after = collections.Counter(r["after"] for r in st)
line(st and sum(r["refused"] for r in st) > 0 and after.get("0", 0) > 0, "streams_refused",
     f"{len(st)} rounds, {sum(r['refused'] for r in st)} calls refused with REFUSED_STREAM; the call after: "
     + ",".join(f"{k}x{n}" for k, n in after.most_common()))
b = rounds("backfill")
bs = collections.Counter(str(r["status"]) for r in b)
line(bs.get("200", 0) > 0, "backfill_acknowledged", f"{len(b)} requests of 300 days: " + ",".join(f"{k}x{n}" for k, n in bs.most_common()))
PY
sed 's/^\(ok\|FAIL\) /\1 '"${NAME}"'_/' "$T_TMP/hostile.checks"
FAILS=$((FAILS + $(grep -c '^FAIL ' "$T_TMP/hostile.checks")))

phase reconcile
rec=$(NODE=$NODE /usr/bin/python3 "$INTEROP/crash-reconcile.py" "$D/warehouse/otel" "$L" --tmp "$T_TMP" 2>&1)
rrc=$?
echo "$rec" | sed -n 's/^\(ok\|FAIL\) /\1 '"${NAME}"'_/p'
echo "$rec" | grep -E '^(info|summary)'
echo "$rec" | grep -vE '^(ok|FAIL|info|summary) ' | head -20
[ $rrc = 0 ] || FAILS=$((FAILS + $(echo "$rec" | grep -c '^FAIL ')))
[ $rrc = 0 ] || [ "$(echo "$rec" | grep -c '^FAIL ')" != 0 ] || fail reconcile "exit $rrc"
acked=$(echo "$rec" | sed -n 's/^summary //p' | $PY -c "import json,sys; s=json.load(sys.stdin); print(s['logs']['acked'] + s['traces']['acked'])" 2>/dev/null)
longest=$(echo "$(cat "$T_TMP/grpc-good.out")" | $PY -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['longest_refusal_s'])" 2>/dev/null)
echo "soak: ${SOAKED}s, acked records ${acked:-?}, receiver peak RSS $((top / 1024)) MiB (sampled $((peak / 1024)) MiB), longest refusal of the good gRPC client ${longest:-?}s; total $((SECONDS - T_START))s"
[ "$FAILS" = 0 ]
