# catalog_profile_lib.bash - the whole pipeline against one vendor profile of the test catalog
# (tests/catalog/rest_catalog.py --profile $PROFILE), sourced by catalog_profile_<name>.sh
# (issue #12). Storage is s3rver behind the SigV4-checking proxy (tests/interop/s3-sigv4-proxy.mjs)
# for every profile; keys are shared through one JSON-lines keys file between the IMDS mock
# (rotated, revoked early: glue, s3tables), the catalog (vended keys: r2) and the proxy.
# Traffic: the OpenTelemetry JS SDK exporters, ROUNDS rounds of N records per signal, far enough
# apart that every table gets a commit per round, so the catalog's own maintenance commit
# (--maintenance-every 2, snappy then zstandard manifests) lands between the client's commits,
# and tokens / keys (TTL ~12 s) expire during the run. Then: the seven tables exist, every table
# reads back with icebird with each acknowledged record exactly once, and the request logs
# show the vendor's behaviour happened.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
P=$PROFILE
S3RVER=$INTEROP/node_modules/s3rver/bin/s3rver.js
[ -f "$S3RVER" ] || { fail "${P}_s3rver" "s3rver missing (make interop-deps)"; exit 0; }
N=${N:-100}
ROUNDS=${ROUNDS:-4}
GAP=${GAP:-4}
TTL=${TTL:-12}
KEYS=$T_TMP/keys.jsonl
: >"$KEYS"
# the catalog's own key for its maintenance writes (never expires; not the host's S3RVER key,
# so the r2 run can show that the host used vended keys only)
echo '{"access_key_id":"CATALOGMAINT","secret_access_key":"maint-secret","session_token":null,"expires_at_ms":null,"source":"catalog"}' >>"$KEYS"
S3_PORT=$(free_port); PROXY_PORT=$(free_port); IMDS_PORT=$(free_port)
mkdir -p "$T_TMP/s3data"
$NODE "$S3RVER" -d "$T_TMP/s3data" -a 127.0.0.1 -p "$S3_PORT" --no-vhost-buckets \
    --configure-bucket warehouse >"$T_TMP/s3rver.log" 2>&1 &
T_PIDS+=($!)
proxy_args=(--if-none-match)
[ "$P" = s3tables ] || [ "$P" = glue_s3tables ] && proxy_args=(--refuse-header If-None-Match:PutObject --refuse-header If-None-Match:CompleteMultipartUpload)
$NODE "$INTEROP/s3-sigv4-proxy.mjs" --upstream "http://127.0.0.1:$S3_PORT" --port "$PROXY_PORT" \
    --keys-file "$KEYS" "${proxy_args[@]}" >"$T_TMP/proxy.log" 2>&1 &
T_PIDS+=($!)
# IMDS: a fresh key pair per fetch, advertised for an hour but revoked after TTL seconds, so
# the client only learns of the expiry from a 403 ExpiredToken (catalog) / ExpiredToken (S3).
$NODE "$INTEROP/s3-imds-mock.mjs" --port "$IMDS_PORT" --rotate --keys-file "$KEYS" --ttl 3600 \
    --real-ttl "$TTL" >"$T_TMP/imds.log" 2>&1 &
T_PIDS+=($!)
for port in $S3_PORT $PROXY_PORT $IMDS_PORT; do
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done

# PROFILE=generic (no vendor quirks, bearer token, static keys; maintenance only) is a
# baseline for debugging the checks: PROFILE=generic bash tests/integration/catalog_profile_lib.bash
prof=(--profile "$P"); [ "$P" = generic ] && prof=(--token generic-token --maintenance-every 2 --metadata-to-storage)
cat_args=("${prof[@]}" --keys-file "$KEYS" --location-base s3://warehouse
          --maintenance-s3-endpoint "http://127.0.0.1:$PROXY_PORT" --maintenance-s3-key CATALOGMAINT:maint-secret)
[ "$P" = polaris ] && cat_args+=(--realm o2p-realm)
[ "$P" = r2 ] && cat_args+=(--vend-ttl "$((TTL + 8))")
[ "$P" != r2 ] && [ "$P" != generic ] && cat_args+=(--token-ttl "$TTL")
start_catalog cat "${cat_args[@]}" || { fail "${P}_catalog_start" "see log"; exit 0; }
RLOG=$T_TMP/cat/wh/requests.jsonl

# --- the client's configuration for this vendor (docs/deploy-polaris.md, deploy-aws.md, deploy-r2.md)
set_args=(--set catalog.type=rest --set "catalog.uri=$CAT_URL" --set "s3.endpoint=http://127.0.0.1:$PROXY_PORT"
          --set s3.path_style=true --set writer.max_file_age=200ms --set writer.poll_interval=50ms
          --set committer.interval=300ms --set committer.retry_max_wait=1s)
aws_env=(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE
         -u AWS_SHARED_CREDENTIALS_FILE HOME="$T_TMP")
case $P in
glue)
    set_args+=(--set catalog.warehouse=111122223333 --set catalog.auth=sigv4 --set catalog.sigv4_service=glue
               --set catalog.region=us-east-1 --set s3.region=us-east-1)
    aws_env+=(AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$IMDS_PORT") ;;
s3tables)
    set_args+=(--set "catalog.s3_tables_arn=arn:aws:s3tables:us-east-1:111122223333:bucket/otel-tables")
    aws_env+=(AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$IMDS_PORT") ;;
glue_s3tables)
    set_args+=(--set "catalog.glue_s3tables=111122223333:s3tablescatalog/otel-tables" --set catalog.region=us-east-1)
    aws_env+=(AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$IMDS_PORT") ;;
r2)
    echo r2-api-token >"$T_TMP/r2.token"
    set_args+=(--set catalog.r2_account_id=0123456789abcdef --set catalog.r2_bucket=otel
               --set "catalog.token_file=$T_TMP/r2.token" --set catalog.access_delegation=vended-credentials)
    aws_env+=(AWS_EC2_METADATA_DISABLED=true) ;;  # token only: no S3 keys on the host
polaris)
    echo root:s3cr3t >"$T_TMP/cred"
    set_args+=(--set catalog.warehouse=polaris_cat --set catalog.auth=oauth2 --set "catalog.credential_file=$T_TMP/cred"
               --set catalog.oauth2_scope=PRINCIPAL_ROLE:ALL --set catalog.header.Polaris-Realm=o2p-realm)
    aws_env+=(AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true) ;;
lakekeeper)
    echo o2p-lk:lk-secret >"$T_TMP/cred"
    set_args+=(--set catalog.warehouse=lakehouse --set catalog.auth=oauth2 --set "catalog.credential_file=$T_TMP/cred"
               --set "catalog.oauth2_server_uri=$CAT_URL/realms/iceberg/protocol/openid-connect/token"
               --set catalog.oauth2_client_auth=basic --set catalog.oauth2_scope=lakekeeper)
    aws_env+=(AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true) ;;
generic)
    echo generic-token >"$T_TMP/token"
    set_args+=(--set catalog.warehouse=wh --set catalog.auth=bearer --set "catalog.token_file=$T_TMP/token")
    aws_env+=(AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true) ;;
nessie)
    echo o2p-nessie:n-secret >"$T_TMP/cred"
    set_args+=(--set catalog.warehouse=warehouse --set catalog.auth=oauth2 --set "catalog.credential_file=$T_TMP/cred"
               --set "catalog.oauth2_server_uri=$CAT_URL/oauth/token" --set catalog.oauth2_scope=nessie
               --set catalog.oauth2_audience=https://nessie.o2p.test)
    aws_env+=(AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true) ;;
esac

D=$T_TMP/data
HTTP_PORT=$(free_port); GRPC_PORT=$(free_port)
"${aws_env[@]}" "$O2P_BIN/otlp2parquet" run --data-dir "$D" --http "127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
    "${set_args[@]}" >"$T_TMP/run.log" 2>&1 &
RUN_PID=$!; T_PIDS+=($RUN_PID)
if ! wait_ready "$HTTP_PORT"; then
    fail "${P}_run_ready" "$(tail -3 "$T_TMP/run.log" | tr '\n' ' ')"
    exit 0
fi
ok "${P}_run_ready"
sent=0
for r in $(seq 1 "$ROUNDS"); do
    $NODE "$INTEROP/otel-send.mjs" --protocol http/protobuf --endpoint "http://127.0.0.1:$HTTP_PORT" --count "$N" \
        --batch 100 --strict --timeout 30000 --service "o2p-$P-$r" >"$T_TMP/send.$r.out" 2>&1 && sent=$((sent + 1)) \
        || fail "${P}_sdk_send_$r" "$(tail -2 "$T_TMP/send.$r.out")"
    sleep "$GAP"
done
check_eq "${P}_sdk_rounds_acknowledged" "$ROUNDS" "$sent"
# Wait for the committer to catch up (files queue empty), then drain and stop.
for _ in $(seq 1 100); do
    q=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" 2>/dev/null | $PY -c "import json,sys; print(json.load(sys.stdin)['files']['queued'])" 2>/dev/null)
    [ "${q:-1}" = 0 ] && break
    sleep 0.2
done
kill -TERM $RUN_PID
wait_exit $RUN_PID 20
check_eq "${P}_run_exit_0" 0 "$?"
st=$("$O2P_BIN/otlp2parquet" status --json --data-dir "$D" 2>/dev/null)
check_eq "${P}_drained" "0 0 0 0" "$(echo "$st" | $PY -c "
import json,sys; s=json.load(sys.stdin); print(*[s['spool'][k]['records'] for k in ('logs','traces','metrics')], s['files']['queued'])" 2>&1)"

# --- the seven tables, read back through the catalog's current metadata with icebird
curl -s "$CAT_URL/admin/stats" >"$T_TMP/stats.json"
tables=$($PY -c "import json; print(' '.join(sorted(json.load(open('$T_TMP/stats.json'))['tables'])))")
check_eq "${P}_seven_tables" "otel.logs otel.metrics_exponential_histogram otel.metrics_gauge otel.metrics_histogram otel.metrics_sum otel.metrics_summary otel.traces" "$tables"
n_logs=0; n_spans=0; n_points=0
for t in $tables; do
    ml=$($PY -c "import json; t=json.load(open('$T_TMP/stats.json'))['tables']['$t']; print(t['metadata-file'] if t['current-snapshot-id'] not in (None, -1) else '')")
    [ -n "$ml" ] || continue
    loc=$($PY -c "import json; print(json.load(open('$ml'))['location'])")
    out=$($NODE "$INTEROP/iceberg-read.mjs" "$loc" --metadata "$ml" --rows 0 --s3-endpoint "http://127.0.0.1:$S3_PORT" 2>&1)
    n=$(echo "$out" | sed -n 's/^icebird read \([0-9]*\) rows.*/\1/p')
    echo "$out" | tail -1 | grep -q '^OK' || fail "${P}_icebird_${t#otel.}" "$(echo "$out" | tail -2 | tr '\n' ' ')"
    case ${t#otel.} in logs) n_logs=${n:-0} ;; traces) n_spans=${n:-0} ;; *) n_points=$((n_points + ${n:-0})) ;; esac
done
check_eq "${P}_read_back_exactly_once" "$((ROUNDS * N)) $((ROUNDS * N)) $((ROUNDS * 13))" "$n_logs $n_spans $n_points" "(logs spans points)"

# --- what the vendor does, seen in the request logs
# jq-free helpers over the JSON-lines request log
rq() { $PY - "$RLOG" "$@" <<'EOF'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(eval(sys.argv[2], {"log": log, "any": any, "len": len, "sorted": sorted, "set": set, "enumerate": enumerate, "all": all}))
EOF
}
# Maintenance: foreign replace commits with both codecs landed, and a client commit to such a
# table got 409 afterwards and then succeeded on top of the foreign snapshot.
check_eq "${P}_maintenance_snappy_and_zstd" "True" "$(rq "set(r.get('codec') for r in log if r['endpoint']=='maintenance' and r.get('status')=='applied') >= {'snappy','zstandard'}")"
conflict=$(rq "any(m['endpoint']=='maintenance' and m.get('status')=='applied' and [c['status'] for c in log[i:] if c['endpoint']=='commit' and c['path'].endswith('/'+m['table'].split('.')[1])][:1]==[409] and any(c['endpoint']=='commit' and c['status']==200 and c['path'].endswith('/'+m['table'].split('.')[1]) for c in log[i:]) for i, m in enumerate(log))")
# r2 loads every table again to renew its vended keys, and a maintenance that lands after such
# a load is met by the commit's own load, without a 409: there it is reported, not required.
if [ "$P" = r2 ]; then echo "# note: 409 after maintenance: $conflict"; else check_eq "${P}_409_after_maintenance_then_commit" True "$conflict"; fi
# ... and, whether the client met the foreign snapshot through a 409 or through a load it made
# anyway (r2 loads again to renew vended keys), a commit of ours went on top of one: its parent
# (assert-ref-snapshot-id) is a maintenance snapshot, so our C reader read that foreign list.
check_eq "${P}_commit_on_foreign_parent" "True" "$(rq "any(c['endpoint']=='commit' and c['status']==200 and any(q.get('type')=='assert-ref-snapshot-id' and q.get('snapshot-id')==m.get('snapshot-id') for q in ((c.get('body') or {}).get('requirements') or [])) for m in log if m['endpoint']=='maintenance' and m.get('status')=='applied' for c in log)")"
case $P in
glue|s3tables|glue_s3tables)
    check_eq "${P}_no_namespace_create_needed" "True" "$(rq "all(r['status']==403 for r in log if r['endpoint']=='create-namespace') and any(r['endpoint'] in ('namespace-exists','load-namespace') and r['status'] in (200,204) for r in log)")"
    check_eq "${P}_every_create_table_ok" "True" "$(rq "len([r for r in log if r['endpoint']=='create-table' and r['status']==200])==7")"
    # IMDS keys were revoked while advertised valid: the catalog said ExpiredTokenException,
    # and later requests were signed with a newer key.
    check_eq "${P}_catalog_expired_token_then_new_key" "True" "$(rq "any(r.get('error')=='ExpiredTokenException' and any(s['ts']>r['ts'] and s['status']==200 and s.get('access-key') not in (None, r.get('access-key')) for s in log) for r in log)")"
    grep -q 'ExpiredToken' "$T_TMP/proxy.log" && echo "# note: S3 answered ExpiredToken $(grep -c ExpiredToken "$T_TMP/proxy.log") times"
    ;;
esac
case $P in
glue)
    check_eq glue_create_with_ns_location "True" "$(rq "any(r['endpoint']=='create-table' for r in log) and all((r['body'] or {}).get('location','').startswith('s3://warehouse/otel.db/') for r in log if r['endpoint']=='create-table')")"
    check_eq glue_metadata_null_answered "True" "$(rq "any(r.get('metadata-null') for r in log)")"
    check_eq glue_columns_lower_case "True" "$(rq "any(r['endpoint']=='create-table' and r['status']==200 for r in log) and all(f['name']==f['name'].lower() for r in log if r['endpoint']=='create-table' for f in (r['body'] or {}).get('schema',{}).get('fields',[]))")"
    ;;
glue_s3tables)
    check_eq glue_s3tables_no_location_sent "True" "$(rq "any(r['endpoint']=='create-table' for r in log) and all('location' not in (r['body'] or {}) for r in log if r['endpoint']=='create-table')")"
    check_eq glue_s3tables_metadata_null_answered "True" "$(rq "any(r.get('metadata-null') for r in log)")"
    grep -q -- '-> 400 S3TablesUnsupportedHeader' "$T_TMP/proxy.log" && ok glue_s3tables_if_none_match_refused_and_survived \
        || fail glue_s3tables_if_none_match_refused_and_survived "no S3TablesUnsupportedHeader in proxy log" ;;
s3tables)
    check_eq s3tables_prefix_is_encoded_arn "True" "$(rq "all(r['path'].startswith('/v1/arn%3Aaws%3As3tables%3Aus-east-1%3A111122223333%3Abucket%2Fotel-tables/') for r in log if r['endpoint'] not in ('config','maintenance'))")"
    check_eq s3tables_no_location_sent "True" "$(rq "any(r['endpoint']=='create-table' for r in log) and all('location' not in (r['body'] or {}) for r in log if r['endpoint']=='create-table')")"
    # The table bucket refused If-None-Match on PutObject; the same object was then PUT without it.
    refused=$(grep -B1 -- '-> 400 S3TablesUnsupportedHeader' "$T_TMP/proxy.log" | sed -n 's/^PUT \([^ ]*\) .* if-none-match$/\1/p' | head -1)
    [ -n "$refused" ] && ok s3tables_if_none_match_refused || fail s3tables_if_none_match_refused "no S3TablesUnsupportedHeader in proxy log"
    [ -n "$refused" ] && grep -qF "PUT $refused " "$T_TMP/proxy.log" && grep -F "PUT $refused " "$T_TMP/proxy.log" | grep -vq 'if-none-match$' \
        && ok s3tables_retried_without_header || fail s3tables_retried_without_header "no header-less PUT of ${refused:-?}"
    ;;
r2)
    check_eq r2_asked_for_vended_credentials "True" "$(rq "any(r['endpoint']=='load-table' and r.get('vended') for r in log)")"
    vend=$(grep -o 'key=ASIAVEND[0-9A-F]*' "$T_TMP/proxy.log" | sort -u | wc -l)
    [ "$vend" -ge 2 ] && ok r2_storage_used_refreshed_vended_keys || fail r2_storage_used_refreshed_vended_keys "$vend distinct vended keys used on S3"
    check_eq r2_no_static_keys_used 0 "$(grep -c 'key=S3RVER' "$T_TMP/proxy.log")" ;;
esac
case $P in
polaris|lakekeeper|nessie)
    toks=$(rq "len([r for r in log if r['endpoint']=='oauth-tokens' and r['status']==200])")
    [ "$toks" -ge 2 ] && ok "${P}_token_refreshed_after_ttl" || fail "${P}_token_refreshed_after_ttl" "$toks tokens issued in a run longer than the ${TTL}s TTL"
    check_eq "${P}_no_token_errors" "True" "$(rq "all(r['status']==200 for r in log if r['endpoint']=='oauth-tokens')")" ;;
esac
case $P in
polaris)
    check_eq polaris_scope_and_realm "True" "$(rq "all(r['headers'].get('polaris-realm')=='o2p-realm' for r in log if r['endpoint']!='maintenance')")" ;;
lakekeeper)
    check_eq lakekeeper_basic_auth_idp "True" "$(rq "all(r['path']=='/realms/iceberg/protocol/openid-connect/token' and r['headers'].get('authorization','').startswith('Basic') for r in log if r['endpoint']=='oauth-tokens')")"
    check_eq lakekeeper_prefix_warehouse_id "True" "$(rq "all(r['path'].startswith('/v1/8f4c2a4e-3b9d-4d7e-9a51-6c0e2f1b7d3a/') for r in log if r['endpoint'] not in ('config','oauth-tokens','maintenance'))")" ;;
nessie)
    check_eq nessie_namespace_created "True" "$(rq "any(r['endpoint']=='create-namespace' and r['status']==200 for r in log)")"
    check_eq nessie_audience_sent "True" "$(rq "all('audience=' in str(r['body']) for r in log if r['endpoint']=='oauth-tokens')")" ;;
esac
