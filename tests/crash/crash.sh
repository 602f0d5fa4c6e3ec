#!/bin/bash
# crash.sh - exactly-once under kill -9. Real clients (tests/crash/load.py: OTLP/HTTP JSON and
# protobuf, OTLP/gRPC via grpcio) send logs and spans with unique record ids to
# `otlp2parquet run` and write down which requests were acknowledged (no retries). Meanwhile
# a killer sends SIGKILL, at random moments, to a random one of: the receiver, a writer, the
# committer (the supervisor restarts them with backoff), or the supervisor itself - which is
# treated as a host crash: the supervisor dies first, its children (own process groups, so
# they survive it) run on unsupervised for a random moment and are then killed too, and a
# new `otlp2parquet run` is started on the same data directory. After the last kill the
# pipeline is let come whole again, the load stops, the supervisor gets SIGTERM (it drains
# receiver -> writers -> committer and must exit 0), status must show an empty spool and
# files queue, and tests/interop/crash-reconcile.py walks the Iceberg tables (current
# snapshot -> manifest list -> manifests -> live data files, read with DuckDB): every
# acknowledged record is there, no record id appears twice, no data file is live twice.
#
# Usage: tests/crash/crash.sh [--kills N] [--writers N] [--senders N] [--batch N]
#                             [--delay-ms MIN-MAX] [--seed S] [--name PREFIX] [--final-kill ROLE]
#   --final-kill committer|writer|receiver: kill -9 that child 50 ms before the SIGTERM, so the
#   drain starts while the supervisor waits out its restart backoff. The drain must still
#   leave nothing behind. (If it does, the pipeline is started and drained once more before
#   the tables are reconciled, so exactly-once is still checked.)
# The binaries are copied into the test's directory first: a rebuild of bin/ during the run
# (another make in the same tree) must not make exec fail under the supervisor.
# Env: CRASH_KEEP=DIR keeps the data directory and logs there (for a bug report).
# Prints "ok <name>" / "FAIL <name>: why" lines (tests/run.sh counts them); exit 1 on a FAIL.
KILLS=100; WRITERS=2; SENDERS=4; BATCH=50; DELAY=50-800; SEED=$$; NAME=crash; FINAL_KILL=
while [ $# -gt 0 ]; do
    case $1 in
        --kills) KILLS=$2; shift 2 ;;
        --writers) WRITERS=$2; shift 2 ;;
        --senders) SENDERS=$2; shift 2 ;;
        --batch) BATCH=$2; shift 2 ;;
        --delay-ms) DELAY=$2; shift 2 ;;
        --seed) SEED=$2; shift 2 ;;
        --name) NAME=$2; shift 2 ;;
        --final-kill) FINAL_KILL=$2; shift 2 ;;
        *) echo "usage: $0 [--kills N] [--writers N] [--senders N] [--batch N] [--delay-ms MIN-MAX] [--seed S] [--name P] [--final-kill ROLE]" >&2; exit 2 ;;
    esac
done
. "$(dirname "$0")/../integration/lib.sh"
mkdir -p "$T_TMP/bin"
for p in otlp2parquet otlp2parquet-receiver otlp2parquet-writer otlp2parquet-committer; do
    cp "$O2P_BIN/$p" "$T_TMP/bin/$p" || { echo "FAIL ${NAME}_binaries: $O2P_BIN/$p"; exit 1; }
done
O2P_BIN=$T_TMP/bin
DMIN=${DELAY%-*}; DMAX=${DELAY#*-}
RANDOM=$SEED
D=$T_TMP/data
L=$T_TMP/load
RUNLOG=$T_TMP/run.log
FAILS=0
ok() { echo "ok ${NAME}_$1${2:+ ($2)}"; }
fail() { echo "FAIL ${NAME}_$1: $2"; FAILS=$((FAILS + 1)); }
mkdir -p "$D" "$L"

# Every process of this test's pipeline, orphans included: the data directory is unique to
# this run, so matching it on the command line finds nothing else.
pipeline_pids() { pgrep -f -- "--data-dir $D( |$)"; }
kill_pipeline() {
    local p
    for p in $(pipeline_pids); do kill -9 "$p" 2>/dev/null; done
    for _ in $(seq 1 100); do [ -z "$(pipeline_pids)" ] && return 0; sleep 0.02; done
    return 1
}
crash_cleanup() {
    [ -n "${LOAD_PID:-}" ] && kill -9 "$LOAD_PID" 2>/dev/null
    kill_pipeline
    if [ -n "${CRASH_KEEP:-}" ]; then
        mkdir -p "$CRASH_KEEP" && cp -a "$T_TMP/." "$CRASH_KEEP/" && echo "kept $T_TMP in $CRASH_KEEP"
    fi
    cleanup
}
trap crash_cleanup EXIT

HTTP_PORT=$(free_port); GRPC_PORT=$(free_port)
RUN_ARGS=(run --writers "$WRITERS" --data-dir "$D" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT"
    --set writer.max_file_age=200ms --set writer.max_file_rows=2000 --set writer.poll_interval=50ms
    --set writer.claim_lease=1s --set committer.interval=300ms)
RUN_PID=
STARTS=0
start_run() {
    STARTS=$((STARTS + 1))
    echo "--- crash.sh: start #$STARTS of otlp2parquet run" >>"$RUNLOG"
    "$O2P_BIN/otlp2parquet" "${RUN_ARGS[@]}" >>"$RUNLOG" 2>&1 &
    RUN_PID=$!
    # not in T_PIDS: a pid of an earlier supervisor may be reused; kill_pipeline finds ours
}
# children ROLE -> pids of the live children of the current supervisor with that role
children() {
    local p
    for p in $(pgrep -P "$RUN_PID" 2>/dev/null); do
        # comm is cut at 15 characters: the program path (argv[0]) names the role.
        [ "$( { tr '\0' '\n' <"/proc/$p/cmdline" | head -1 | xargs -r basename; } 2>/dev/null)" = "otlp2parquet-$1" ] || continue
        [ "$(awk '{print $3}' /proc/$p/stat 2>/dev/null)" = Z ] && continue
        echo "$p"
    done
}
pipeline_whole() {
    kill -0 "$RUN_PID" 2>/dev/null || return 1
    [ "$(children receiver | wc -l)" = 1 ] && [ "$(children writer | wc -l)" = "$WRITERS" ] &&
        [ "$(children committer | wc -l)" = 1 ]
}
phase() { echo "crash: [$(date +%T.%3N) +$((SECONDS - T_START))s] $*"; }
T_START=$SECONDS
# ready PORT: /ready answers 200 (each probe bounded: a receiver that hangs must not stall us)
ready() {
    for _ in $(seq 1 100); do
        [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/ready")" = 200 ] && return 0
        sleep 0.05
    done
    return 1
}
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

phase start
start_run
ready "$HTTP_PORT" || { fail pipeline_ready "$(tail -20 "$RUNLOG")"; exit 1; }
echo "crash: seed=$SEED kills=$KILLS writers=$WRITERS senders=$SENDERS delay=${DMIN}-${DMAX}ms data=$D"

/usr/bin/python3 "$(dirname "$0")/load.py" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" --dir "$L" \
    --senders "$SENDERS" --batch "$BATCH" --seconds 1800 --stop-file "$L/stop" >"$T_TMP/load.out" 2>&1 &
LOAD_PID=$!
T_PIDS+=("$LOAD_PID")

phase load started
declare -A KC=([receiver]=0 [writer]=0 [committer]=0 [supervisor]=0)
UNEXPECTED_EXIT=
t0=$SECONDS
kills=0
while [ $kills -lt "$KILLS" ]; do
    sleep_ms $((DMIN + RANDOM % (DMAX - DMIN + 1)))
    if ! kill -0 "$RUN_PID" 2>/dev/null; then
        wait "$RUN_PID"; UNEXPECTED_EXIT="supervisor exited by itself with status $? (see run.log)"
        break
    fi
    kill -0 "$LOAD_PID" 2>/dev/null || { fail load_alive "$(tail -5 "$T_TMP/load.out")"; break; }
    # A victim: a role at random among those with a live process (a child in restart backoff
    # is not there to kill), the supervisor always being a candidate.
    roles=(supervisor)
    for r in receiver writer committer; do [ -n "$(children $r)" ] && roles+=("$r"); done
    role=${roles[RANDOM % ${#roles[@]}]}
    if [ "$role" = supervisor ]; then
        kill -9 "$RUN_PID"
        wait "$RUN_PID" 2>/dev/null
        # The orphans keep running for a moment (writers finish files, the committer commits)
        # before the "host" goes down completely.
        sleep_ms $((RANDOM % 300))
        kill_pipeline || { fail kill_orphans "pipeline processes survive kill -9: $(pipeline_pids | tr '\n' ' ')"; break; }
        start_run
    else
        pids=($(children "$role"))
        [ ${#pids[@]} -gt 0 ] || continue
        kill -9 "${pids[RANDOM % ${#pids[@]}]}" 2>/dev/null || continue
    fi
    kills=$((kills + 1))
    KC[$role]=$((KC[$role] + 1))
done
kill_secs=$((SECONDS - t0))
KILLS_LINE="kills=$kills receiver=${KC[receiver]} writer=${KC[writer]} committer=${KC[committer]} supervisor=${KC[supervisor]} in ${kill_secs}s"
echo "crash: $KILLS_LINE"
[ -z "$UNEXPECTED_EXIT" ] && [ "$kills" -ge "$KILLS" ] && ok kills_done "$KILLS_LINE" ||
    fail kills_done "${UNEXPECTED_EXIT:-only $kills of $KILLS kills}"

phase kills done
# Let the pipeline come whole (restart backoff reaches 16 s after many kills of one role).
if ! kill -0 "$RUN_PID" 2>/dev/null; then kill_pipeline; start_run; fi
whole=0
for _ in $(seq 1 400); do pipeline_whole && whole=1 && break; sleep 0.1; done
[ $whole = 1 ] && ready "$HTTP_PORT" && ok pipeline_whole_after_kills ||
    fail pipeline_whole_after_kills "children: $(pgrep -P "$RUN_PID" | xargs -r ps -o pid=,comm= -p | tr '\n' ';')"
sleep 1  # some acknowledged load into the healed pipeline before the drain

phase stopping the load
touch "$L/stop"
for _ in $(seq 1 300); do kill -0 "$LOAD_PID" 2>/dev/null || break; sleep 0.1; done
wait "$LOAD_PID"
cat "$T_TMP/load.out"

# drain LABEL: SIGTERM the supervisor; it must exit 0 with nothing left in the spool, the
# files queue, the claims; returns 1 when something was left.
drain() {
    local t1=$SECONDS rc left st drained
    kill -TERM "$RUN_PID"
    for _ in $(seq 1 1200); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$RUN_PID" 2>/dev/null; then
        fail "${1}drain_exit_0" "supervisor still running 120 s after SIGTERM"
        kill_pipeline
    else
        wait "$RUN_PID"; rc=$?
        [ "$rc" = 0 ] && ok "${1}drain_exit_0" "$((SECONDS - t1))s" || fail "${1}drain_exit_0" "exit status $rc; $(tail -5 "$RUNLOG" | tr '\n' ' ')"
    fi
    left=$(pipeline_pids | tr '\n' ' ')
    [ -z "$left" ] && ok "${1}no_process_left" || { fail "${1}no_process_left" "$left"; kill_pipeline; }
    st=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" 2>&1)
    drained=$(echo "$st" | $PY -c "
import json,sys; s=json.load(sys.stdin)
print(' '.join(str(s['spool'][k]['records']) for k in ('logs','traces','metrics')), s['files']['queued'], len(s['claims']), s['quarantine'])" 2>&1)
    if [ "$drained" = "0 0 0 0 0 0" ]; then ok "${1}drained_spool_files_claims_quarantine"; return 0; fi
    fail "${1}drained_spool_files_claims_quarantine" "after exit 0: spool logs/traces/metrics, files queued, claims, quarantined = $drained"
    return 1
}
phase drain
if [ -n "$FINAL_KILL" ]; then
    pids=($(children "$FINAL_KILL"))
    [ ${#pids[@]} -gt 0 ] && kill -9 "${pids[0]}" && echo "crash: final kill of $FINAL_KILL pid ${pids[0]}"
    sleep 0.05
fi
if ! drain ""; then
    echo "crash: the drain left data behind; starting and draining once more to reconcile the tables"
    start_run
    for _ in $(seq 1 400); do pipeline_whole && break; sleep 0.1; done
    drain second_
fi

# Children that died of something other than our SIGKILL (a crash of their own, a failed start).
other=$(grep 'op=child_exit' "$RUNLOG" | grep -v 'signal=9 ' | grep -v 'status=0 action=none')
[ -z "$other" ] && ok no_unexpected_child_exits ||
    fail no_unexpected_child_exits "$(echo "$other" | wc -l) exits not caused by the test, e.g. $(echo "$other" | head -3 | tr '\n' ' ')"
errors=$(grep -c 'level=error' "$RUNLOG")
echo "info: level=error lines in the daemons' logs: $errors"
grep 'level=error' "$RUNLOG" | sed 's/^ts=[^ ]* //' | cut -c1-160 | sort | uniq -c | sort -rn | head -5

phase reconcile
# The tables, as Iceberg readers see them.
rec=$(NODE=$NODE /usr/bin/python3 "$INTEROP/crash-reconcile.py" "$D/warehouse/otel" "$L" --tmp "$T_TMP" 2>&1)
rrc=$?
echo "$rec" | sed -n 's/^\(ok\|FAIL\) /\1 '"${NAME}"'_/p'
echo "$rec" | grep -E '^(info|summary)'
echo "$rec" | grep -vE '^(ok|FAIL|info|summary) ' | head -20
[ $rrc = 0 ] || FAILS=$((FAILS + $(echo "$rec" | grep -c '^FAIL ') ))
[ $rrc = 0 ] || [ "$(echo "$rec" | grep -c '^FAIL ')" != 0 ] || fail reconcile "exit $rrc"
# A run where (almost) nothing was acknowledged proves nothing: the load must mostly get through
# (kills of the receiver cost a few percent of the requests).
v=$(echo "$rec" | sed -n 's/^summary //p' | $PY -c "
import json,sys; s=json.load(sys.stdin); r=s['requests']; a=r.get('A',0); n=sum(r.values())
low=[t for t in ('logs','traces') if s.get(t,{}).get('acked',0) < 100]
print('ok' if a >= 0.5*n and not low else 'FAIL', f'acked_requests={a} of {n}', 'too few acked records: '+','.join(low) if low else '')
" 2>&1)
[ "${v%% *}" = ok ] && ok load_mostly_acknowledged "${v#ok }" || fail load_mostly_acknowledged "${v#FAIL }"
echo "crash: $KILLS_LINE; total $((SECONDS - T_START))s"
[ "$FAILS" = 0 ]
