#!/bin/bash
# catalog_oauth2.sh - the OAuth2 client-credentials options against the test catalog's token
# endpoint: scope, audience and resource sent as configured (catalog.oauth2_scope /
# oauth2_audience / oauth2_resource), client authentication in the body or as HTTP Basic, and a
# refusal by the token endpoint named in the error with its error code. `otlp2parquet status`
# opens the catalog (GET /v1/config needs a token) and says why it cannot, so each case is one
# short command.
# The whole pipeline with each vendor's settings runs in catalog_profile_{polaris,lakekeeper,nessie}.sh.
. "$(dirname "$0")/lib.sh"
start_catalog cat --oauth2 cid:csecret --oauth2-scope PRINCIPAL_ROLE:ALL --oauth2-audience https://aud.example \
    --oauth2-resource https://res.example --oauth2-client-auth basic || { fail oauth2_catalog_start "see log"; exit 0; }
echo cid:csecret >"$T_TMP/cred"
base=(--set catalog.type=rest --set "catalog.uri=$CAT_URL" --set catalog.warehouse=wh --set catalog.auth=oauth2
      --set "catalog.credential_file=$T_TMP/cred")
good=("${base[@]}" --set catalog.oauth2_scope=PRINCIPAL_ROLE:ALL --set catalog.oauth2_audience=https://aud.example
      --set catalog.oauth2_resource=https://res.example --set catalog.oauth2_client_auth=basic)
status() { "$O2P_BIN/otlp2parquet" status --data-dir "$T_TMP/data" "$@" 2>&1; }
start_receiver "$T_TMP/data" && stop_receiver # status reads a spool: make one

out=$(status "${good[@]}"); rc=$?
[ $rc = 0 ] && ok oauth2_all_options_accepted || fail oauth2_all_options_accepted "exit $rc: $(echo "$out" | tail -2)"
# what went over the wire: Basic credentials, not the secret in the body; the three parameters
$PY - "$T_TMP/cat/wh/requests.jsonl" >"$T_TMP/wire" <<'PYEOF'
import json, sys
toks = [r for r in map(json.loads, open(sys.argv[1])) if r["endpoint"] == "oauth-tokens" and r["status"] == 200]
t = toks[0] if toks else {"headers": {}, "body": ""}
body = t["body"] if isinstance(t["body"], str) else json.dumps(t["body"])
print(len(toks) > 0, t["headers"].get("authorization", "").startswith("Basic"), "client_secret" not in body,
      all(k in body for k in ("PRINCIPAL_ROLE", "aud.example", "res.example")))
PYEOF
check_eq oauth2_basic_auth_and_parameters_on_the_wire "True True True True" "$(cat "$T_TMP/wire")"

# each refusal names the token endpoint's answer
out=$(status "${base[@]}" --set catalog.oauth2_audience=https://aud.example --set catalog.oauth2_resource=https://res.example \
      --set catalog.oauth2_client_auth=basic); rc=$?
echo "$out" | grep -q 'oauth2 token endpoint .*HTTP 400 invalid_scope' && ok oauth2_default_scope_refused_says_invalid_scope \
    || fail oauth2_default_scope_refused_says_invalid_scope "exit $rc: $(echo "$out" | tail -1)"
out=$(status "${good[@]}" --set catalog.oauth2_client_auth=body); rc=$?
echo "$out" | grep -q 'HTTP 401 invalid_client' && ok oauth2_body_auth_refused_says_invalid_client \
    || fail oauth2_body_auth_refused_says_invalid_client "exit $rc: $(echo "$out" | tail -1)"
out=$(status "${good[@]}" --set catalog.oauth2_resource=); rc=$?
echo "$out" | grep -q 'HTTP 400 invalid_target' && ok oauth2_missing_resource_says_invalid_target \
    || fail oauth2_missing_resource_says_invalid_target "exit $rc: $(echo "$out" | tail -1)"
