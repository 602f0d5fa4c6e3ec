#!/bin/bash
# The project's strict Iceberg REST catalog (tests/catalog/rest_catalog.py): walked by a third-party
# client (iceberg-js), then HTTP-level checks of commits, requirements, validation, auth (bearer and
# OAuth2 client credentials with expiry), fault injection and the metadata files it writes.
. "$(dirname "$0")/lib.sh"
CHECKS=$O2P_ROOT/tests/catalog/catalog_checks.py


# 1. bearer token, prefix from /v1/config overrides, strict manifest-list existence check
TOKEN=tok-$RANDOM$RANDOM
if start_catalog main --prefix wh1 --token "$TOKEN" --faults "$T_TMP/faults.json" --require-manifest-lists; then
    ok catalog_starts
    out=$(cd "$INTEROP" && timeout 30 $NODE iceberg-rest-probe.mjs "$CAT_URL" --warehouse wh1 --token "$TOKEN" \
        --create otel.logs 2>&1); rc=$?
    if [ $rc -eq 0 ] && echo "$out" | grep -q '^table otel.logs: format-version 2' \
        && echo "$out" | grep -q 'POST .*/v1/wh1/namespaces/otel/tables -> 200'; then
        ok iceberg_js_create_load_list
    else
        fail iceberg_js_create_load_list "rc=$rc $(echo "$out" | tail -5 | tr '\n' ' ')"
    fi
    out=$(cd "$INTEROP" && timeout 30 $NODE iceberg-rest-probe.mjs "$CAT_URL" --warehouse wh1 --token wrong 2>&1)
    echo "$out" | grep -q 'HTTP 401, NotAuthorizedException' && ok iceberg_js_sees_401 \
        || fail iceberg_js_sees_401 "$(echo "$out" | tail -3 | tr '\n' ' ')"
    st=$(curl -s -o "$T_TMP/r.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' -d '{"requirements":[],"updates":[{"action":"frobnicate"}]}' \
        "$CAT_URL/v1/wh1/namespaces/otel/tables/logs")
    [ "$st" = 400 ] && grep -q '"type": "BadRequestException"' "$T_TMP/r.json" && ok curl_unknown_update_400 \
        || fail curl_unknown_update_400 "$st $(cat "$T_TMP/r.json")"
    timeout 45 $PY "$CHECKS" token "$CAT_URL" wh1 "$TOKEN" "$T_TMP/main/wh" "$T_TMP/faults.json" \
        || echo "(catalog_checks token exited $?)"
    # the catalog keeps its registry across a restart
    kill "${T_PIDS[-1]}"; wait "${T_PIDS[-1]}" 2>/dev/null
    if start_catalog main --prefix wh1 --token "$TOKEN"; then
        n=$(curl -s -H "Authorization: Bearer $TOKEN" "$CAT_URL/v1/wh1/namespaces/otel/tables/logs" |
            $PY -c 'import json,sys; print(len(json.load(sys.stdin)["metadata"]["snapshots"]))')
        [ "${n:-0}" -eq 5 ] && ok restart_keeps_tables || fail restart_keeps_tables "snapshots after restart: $n"
    else
        fail restart_keeps_tables "catalog did not restart"
    fi
else
    fail catalog_starts "see above"
fi

# 2. OAuth2 client credentials with 1-second tokens, and iceberg-js through it
if start_catalog oauth --oauth2 o2p-client:s3cret --token-ttl 1; then
    out=$(cd "$INTEROP" && timeout 30 $NODE iceberg-rest-probe.mjs "$CAT_URL" --oauth2 o2p-client:s3cret \
        --create otel.metrics 2>&1); rc=$?
    [ $rc -eq 0 ] && echo "$out" | grep -q '^table otel.metrics: format-version 2' && ok iceberg_js_via_oauth2 \
        || fail iceberg_js_via_oauth2 "rc=$rc $(echo "$out" | tail -5 | tr '\n' ' ')"
    timeout 30 $PY "$CHECKS" oauth2 "$CAT_URL" o2p-client:s3cret 1 || echo "(catalog_checks oauth2 exited $?)"
fi
grep -h -E 'Traceback|catalog bug' "$T_TMP"/*/catalog.log 2>/dev/null | head -5 | while read -r l; do
    fail catalog_no_internal_errors "$l"
done
exit 0
