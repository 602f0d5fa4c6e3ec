#!/bin/bash
# Values that decoding would change silently are refused at the edge, the same for both
# formats: a string holding a NUL byte (protobuf-c's strings end at the first NUL; OTLP/JSON
# "\u0000" was refused already) gets 400 over HTTP and INVALID_ARGUMENT over gRPC, and nothing
# is spooled.
. "$(dirname "$0")/lib.sh"
start_receiver "$T_TMP/d" || { fail values_receiver "see log"; exit 1; }
# logs_pb FILE BODY: an ExportLogsServiceRequest with one record whose body string is BODY.
logs_pb() {
    $PY - "$1" "$2" <<'PY'
import sys
def ld(field, payload): # a length-delimited field
    n = len(payload); v = b""
    while True:
        b = n & 0x7f; n >>= 7
        v += bytes([b | (0x80 if n else 0)])
        if not n: break
    return bytes([field << 3 | 2]) + v + payload
body = sys.argv[2].encode().replace(b"\\0", b"\0")
rec = bytes([0x09]) + (1700000000000000000).to_bytes(8, "little") + ld(5, ld(1, body))
open(sys.argv[1], "wb").write(ld(1, ld(2, ld(2, rec))))
PY
}
logs_pb "$T_TMP/ok.pb" 'plain text'
logs_pb "$T_TMP/nul.pb" 'before\0after'
check_eq values_plain_string_200 200 "$(post /v1/logs application/x-protobuf "$T_TMP/ok.pb")"
check_eq values_nul_string_400 400 "$(post /v1/logs application/x-protobuf "$T_TMP/nul.pb")"
grep -q 'NUL byte' "$T_TMP/resp" && ok values_nul_message || fail values_nul_message "$(cat "$T_TMP/resp")"
echo '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a\u0000b"}}]}]}]}' >"$T_TMP/nul.json"
check_eq values_nul_json_400 400 "$(post /v1/logs application/json "$T_TMP/nul.json")"
out=$(cd "$INTEROP" && $NODE -e '
const http2 = require("node:http2"); const fs = require("node:fs");
const body = fs.readFileSync(process.argv[1]); const msg = Buffer.alloc(5 + body.length);
msg.writeUInt32BE(body.length, 1); body.copy(msg, 5);
const s = http2.connect("http://" + process.argv[2]); s.on("error", () => {});
const req = s.request({":method": "POST", ":path": "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
                       "content-type": "application/grpc", te: "trailers"});
let st = "none"; const take = (h) => { if (h["grpc-status"] !== undefined) st = h["grpc-status"]; };
req.on("response", take); req.on("trailers", take); req.on("data", () => {});
req.on("close", () => { console.log(st); s.close(); }); req.end(msg);' "$T_TMP/nul.pb" "127.0.0.1:$GRPC_PORT")
check_eq values_nul_grpc_invalid_argument 3 "$out"
check_eq values_only_plain_spooled 1 "$(spool_records "$T_TMP/d" logs)"
stop_receiver
