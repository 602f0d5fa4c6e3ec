#!/bin/bash
# A damaged or shared spool gets a clear error, never a crash or a silent hang:
#  1. data.mdb truncated while everything is stopped (cut to 8 KiB, or to half): the receiver,
#     writer and committer exit 1, `status` and `spool check` exit 1, each with a message
#     naming the file, both sizes and the repair (before: SIGBUS, no message);
#  2. data.mdb truncated under a running receiver: it still dies of SIGBUS, but says why in
#     its log first, and the restart exits 1 with the message instead of dying again;
#  3. a B-tree page garbled (its flags zeroed): the receiver's recovery fails and it exits 1
#     with the reason and the repair; `spool check` and `status` report it and exit 1
#     (before: 503 "recovering" forever);
#  4. a second receiver on the same spool, on other ports, exits 1 naming the first one's
#     pid; the first keeps serving (before: both ran and both appended).
. "$(dirname "$0")/lib.sh"

cat >"$T_TMP/logs.json" <<'JSON'
{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
 "scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","body":{"stringValue":"one"}},
                              {"timeUnixNano":"1700000000000000001","body":{"stringValue":"two"}}]}]}]}
JSON

# A spool with some pages in it: 150 requests through a real receiver, which then stops.
G=$T_TMP/golden
start_receiver "$G" || { fail golden_receiver "see log"; exit 1; }
for _ in $(seq 1 150); do post /v1/logs application/json "$T_TMP/logs.json" >/dev/null; done
stop_receiver
check_eq golden_records 300 "$(spool_records "$G" logs)"
SIZE=$(stat -c %s "$G/spool/data.mdb")
[ "$SIZE" -gt 16384 ] && ok golden_size || fail golden_size "data.mdb is only $SIZE bytes"

# fresh NAME: a copy of the golden data directory (without its lock file's old pid)
fresh() {
    rm -rf "${T_TMP:?}/$1"
    cp -a "$G" "$T_TMP/$1"
    echo "$T_TMP/$1"
}

# said NAME OUTPUT WORDS... : every word is in OUTPUT, and no signal ended the program (rc < 128)
said() {
    local name=$1 out=$2 rc=$3; shift 3
    [ "$rc" -ge 128 ] && { fail "$name" "killed by signal $((rc - 128)): $(echo "$out" | tail -2)"; return; }
    [ "$rc" = 1 ] || { fail "$name" "exit $rc, want 1: $(echo "$out" | tail -2)"; return; }
    for w in "$@"; do
        echo "$out" | grep -qF -- "$w" || { fail "$name" "no \"$w\" in: $(echo "$out" | tail -2)"; return; }
    done
    ok "$name"
}

# 1. Truncated while stopped.
for cut in 8192 half; do
    D=$(fresh "cut-$cut")
    bytes=$cut; [ "$cut" = half ] && bytes=$((SIZE / 2 + 100))
    truncate -s "$bytes" "$D/spool/data.mdb"
    words=("$D/spool/data.mdb is truncated" "the file has $bytes bytes" "its pages take $SIZE bytes"
           "move the spool directory aside" "Damaged spool")
    out=$(timeout 20 "$O2P_BIN/otlp2parquet-receiver" --data-dir "$D" --http "127.0.0.1:$(free_port)" \
          --grpc "127.0.0.1:$(free_port)" 2>&1); rc=$?
    said "truncated_${cut}_receiver" "$out" $rc "${words[@]}"
    out=$(timeout 20 "$O2P_BIN/otlp2parquet" status --data-dir "$D" 2>&1); rc=$?
    said "truncated_${cut}_status" "$out" $rc "${words[@]}"
    out=$(timeout 20 "$O2P_BIN/otlp2parquet" spool check --data-dir "$D" 2>&1); rc=$?
    said "truncated_${cut}_spool_check" "$out" $rc "${words[@]}"
    out=$(timeout 20 "$O2P_BIN/otlp2parquet-writer" --data-dir "$D" 2>&1); rc=$?
    said "truncated_${cut}_writer" "$out" $rc "${words[@]}"
    out=$(timeout 20 "$O2P_BIN/otlp2parquet-committer" --data-dir "$D" 2>&1); rc=$?
    said "truncated_${cut}_committer" "$out" $rc "${words[@]}"
done

# 1b. Truncated to nothing: LMDB would open it as a new, empty spool; refused instead.
D=$(fresh cut-zero)
truncate -s 0 "$D/spool/data.mdb"
words=("$D/spool/data.mdb is empty (0 bytes) but the spool was made before" "move the spool directory aside")
out=$(timeout 20 "$O2P_BIN/otlp2parquet-receiver" --data-dir "$D" --http "127.0.0.1:$(free_port)" \
      --grpc "127.0.0.1:$(free_port)" 2>&1); rc=$?
said truncated_zero_receiver "$out" $rc "${words[@]}"
out=$(timeout 20 "$O2P_BIN/otlp2parquet" status --data-dir "$D" 2>&1); rc=$?
said truncated_zero_status "$out" $rc "${words[@]}"

# 1c. A spool whose creation was killed part-way (lock.mdb and an empty data.mdb, no
#     spool.made yet: what a kill -9 of the first start can leave) is made whole, not refused.
D=$T_TMP/half-made
mkdir -p "$D/spool" && : >"$D/spool/lock.mdb" && : >"$D/spool/data.mdb"
start_receiver "$D" && post /v1/logs application/json "$T_TMP/logs.json" >/dev/null && stop_receiver \
    && [ -s "$D/spool/spool.made" ] && [ "$(spool_records "$D" logs)" -gt 0 ] && ok half_made_spool_opens \
    || fail half_made_spool_opens "$(tail -2 "$D/receiver.log" 2>/dev/null)"

# 2. Truncated under a running receiver: the SIGBUS names itself; the restart refuses cleanly.
D=$(fresh running)
start_receiver "$D" || fail running_receiver "see log"
truncate -s 8192 "$D/spool/data.mdb"
post /v1/logs application/json "$T_TMP/logs.json" >/dev/null
wait_exit "$RECV_PID" 10; rc=$?
if [ $rc = $((128 + 7)) ] && grep -q 'level=error comp=receiver op=signal signal=SIGBUS .*data.mdb was truncated.*Damaged spool' "$D/receiver.log"; then
    ok truncated_running_sigbus_says_why
else
    fail truncated_running_sigbus_says_why "exit $rc: $(tail -2 "$D/receiver.log")"
fi
out=$(timeout 20 "$O2P_BIN/otlp2parquet-receiver" --data-dir "$D" --http "127.0.0.1:$(free_port)" \
      --grpc "127.0.0.1:$(free_port)" 2>&1); rc=$?
said truncated_running_restart_refuses "$out" $rc "data.mdb is truncated" "Damaged spool"

# 3. A garbled B-tree page: the root of rec.logs gets flags 0 (neither branch nor leaf). Found
#    from the newest meta page through the main database (LMDB 0.9 layout, 4 KiB pages).
garble_rec_root() {
    $PY - "$1" <<'PY'
import struct, sys
ps = 4096
with open(sys.argv[1], "r+b") as f:
    metas = []
    for pg in (0, 1):
        f.seek(pg * ps)
        metas.append(f.read(16 + 136))
    meta = max(metas, key=lambda m: struct.unpack_from("<Q", m, 16 + 128)[0])
    main = struct.unpack_from("<Q", meta, 16 + 72 + 40)[0]
    f.seek(main * ps)
    page = f.read(ps)
    lower = struct.unpack_from("<H", page, 12)[0]
    root = None
    for i in range((lower - 16) // 2):
        off = struct.unpack_from("<H", page, 16 + 2 * i)[0]
        ks = struct.unpack_from("<H", page, off + 6)[0]
        if page[off + 8:off + 8 + ks] == b"rec.logs":
            root = struct.unpack_from("<Q", page, off + 8 + ks + 40)[0]
    f.seek(root * ps + 10)
    f.write(b"\0\0")
    print(root)
PY
}
D=$(fresh garbled)
page=$(garble_rec_root "$D/spool/data.mdb")
[ -n "$page" ] && ok garbled_page_found || fail garbled_page_found "no rec.logs root found"
HP=$(free_port)
"$O2P_BIN/otlp2parquet-receiver" --data-dir "$D" --http "127.0.0.1:$HP" --grpc "127.0.0.1:$(free_port)" \
    >"$D/receiver.log" 2>&1 &
GP_PID=$!; T_PIDS+=($GP_PID)
wait_exit $GP_PID 15; rc=$?
said garbled_receiver_exits "$(cat "$D/receiver.log")" $rc "op=spool_recover" "page $page (rec.logs): not a B-tree page" \
    "Damaged spool" "op=exit"
out=$(timeout 20 "$O2P_BIN/otlp2parquet" spool check --data-dir "$D" 2>&1); rc=$?
said garbled_spool_check "$out" $rc "structure: FAILED" "page $page (rec.logs)" "Damaged spool"
out=$(timeout 20 "$O2P_BIN/otlp2parquet" status --data-dir "$D" 2>&1); rc=$?
said garbled_status "$out" $rc "damaged" "Damaged spool"

# 4. One receiver per spool.
D=$(fresh shared)
start_receiver "$D" || fail shared_first "see log"
FIRST=$RECV_PID
out=$(timeout 20 "$O2P_BIN/otlp2parquet-receiver" --data-dir "$D" --http "127.0.0.1:$(free_port)" \
      --grpc "127.0.0.1:$(free_port)" 2>&1); rc=$?
said shared_second_refused "$out" $rc "another receiver (pid $FIRST) serves spool $D/spool" "$D/spool/receiver.lock"
check_eq shared_first_still_ready 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/ready")"
check_eq shared_lock_names_pid "$FIRST" "$(cat "$D/spool/receiver.lock")"
kill -9 "$FIRST"; wait "$FIRST" 2>/dev/null
# The kernel drops a dead holder's lock: its file does not block the next receiver.
start_receiver "$D" && ok shared_after_kill9_starts || fail shared_after_kill9_starts "$(tail -2 "$D/receiver.log")"
check_eq shared_lock_has_new_pid "$RECV_PID" "$(cat "$D/spool/receiver.lock")"
stop_receiver
