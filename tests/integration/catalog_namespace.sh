#!/bin/bash
# Least-privilege catalogs (issue: real catalogs, blocker 1): AWS answers a namespace create
# with 403 when the credentials lack glue:CreateDatabase / s3tables:CreateNamespace, even when
# the namespace exists. The committer looks the namespace up first (HEAD) and creates it only
# when it is not there; a create refused with 403 still lets the table create run.
#  A. namespace made by an admin beforehand, every create-namespace 403: tables are created
#     and the queue commits; the committer never asked to create the namespace.
#  B. no namespace, create-namespace 403: the table create names the missing namespace; the
#     files stay queued; nothing crashes.
. "$(dirname "$0")/lib.sh"
faults() { curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d "$1" "$CAT_URL/admin/faults"; }
endpoint_count() { # ENDPOINT -> requests the catalog saw for it
    $PY -c "import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get('endpoint') == sys.argv[2]))" \
        "$T_TMP/cat/wh/requests.jsonl" "$1"
}
committer() { # DIR NAMESPACE LOG [args...]
    local dir=$1 ns=$2 log=$3; shift 3
    "$O2P_BIN/otlp2parquet-committer" --data-dir "$dir" --set catalog.type=rest --set catalog.uri="$CAT_URL" \
        --set catalog.warehouse="file://$T_TMP/datawh" --set catalog.namespace="$ns" --set committer.interval=100ms \
        --set committer.retry_min_wait=10ms --set committer.retry_max_wait=200ms "$@" >>"$log" 2>&1 &
    C_PID=$!; T_PIDS+=($C_PID)
}
DENY='{"rules": [{"endpoint": "create-namespace", "action": "error", "status": 403, "count": -1,
                  "type": "ForbiddenException", "message": "not authorized to perform: glue:CreateDatabase"}]}'

start_catalog cat || exit 1
D=$T_TMP/data; mkdir -p "$D"
fill_files_queue "$D" 200 1000
q=$(queued "$D")
[ "$q" -gt 0 ] && ok ns_files_queued || fail ns_files_queued "nothing queued"

# A. The namespace exists (an admin made it); creating one is forbidden.
check_eq ns_admin_created 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"namespace": ["otel"], "properties": {}}' "$CAT_URL/v1/namespaces")"
faults "$DENY"
creates_before=$(endpoint_count create-namespace) # the admin's own
A=$T_TMP/a; cp -r "$D" "$A"
committer "$A" otel "$A/committer.log"
for _ in $(seq 1 200); do [ "$(queued "$A")" = 0 ] && break; sleep 0.1; done
check_eq ns_exists_commits_without_create_permission 0 "$(queued "$A")" "$(grep -m3 -E 'op=(commit|create|step)' "$A/committer.log")"
check_eq ns_looked_up_not_created "$creates_before" "$(endpoint_count create-namespace)"
[ "$(endpoint_count namespace-exists)" -ge 1 ] && ok ns_looked_up || fail ns_looked_up "no HEAD namespaces/otel"
curl -sf "$CAT_URL/v1/namespaces/otel/tables/logs" >/dev/null && ok ns_tables_created || fail ns_tables_created "no otel.logs"
kill -TERM $C_PID; wait_exit $C_PID 20; check_eq ns_a_exit_0 0 $?

# B. No namespace and no permission to make one: a clear error, the files stay queued.
B=$T_TMP/b; cp -r "$D" "$B"
committer "$B" team_b "$B/committer.log" --set committer.retry_max_elapsed=2s
for _ in $(seq 1 100); do grep -q 'team_b' "$B/committer.log" && grep -q 'NoSuchNamespace\|does not exist' "$B/committer.log" && break; sleep 0.1; done
grep -q 'op=create-namespace namespace=team_b status=403' "$B/committer.log" && ok ns_forbidden_logged ||
    fail ns_forbidden_logged "$(grep -m3 'namespace' "$B/committer.log")"
grep -q 'NoSuchNamespace\|does not exist' "$B/committer.log" && ok ns_missing_named ||
    fail ns_missing_named "$(grep -m3 -E 'err=' "$B/committer.log")"
check_eq ns_b_files_kept "$q" "$(queued "$B")"
kill -0 $C_PID && ok ns_b_no_crash || fail ns_b_no_crash "committer died: $(tail -2 "$B/committer.log")"
# Its drain cannot commit: it gives up after committer.retry_max_elapsed, exit 1, files kept.
kill -TERM $C_PID; wait_exit $C_PID 30; check_eq ns_b_drain_gives_up_exit_1 1 $?
check_eq ns_b_files_still_queued "$q" "$(queued "$B")"
