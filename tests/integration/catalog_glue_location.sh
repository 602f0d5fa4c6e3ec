#!/bin/bash
# catalog_glue_location.sh - AWS Glue's default catalog (general-purpose S3) stores no default
# table location, and catalog.warehouse is Glue's catalog id there, not a place: the committer
# takes <the namespace's location property>/<table>, as Iceberg's Java GlueCatalog does, and
# when the namespace has none it refuses with the command that gives it one, before any create
# reaches Glue. The test catalog requires a location on create (--require-location), as Glue.
# The whole pipeline on Glue runs in catalog_profile_glue.sh.
. "$(dirname "$0")/lib.sh"
glue_committer() { # DATA_DIR: the committer for 4 s with a plain-Glue configuration
    env AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_EC2_METADATA_DISABLED=true \
        timeout 4 "$O2P_BIN/otlp2parquet-committer" --data-dir "$1" --set catalog.type=rest \
        --set "catalog.uri=$CAT_URL" --set catalog.warehouse=111122223333 --set catalog.auth=sigv4 \
        --set catalog.sigv4_service=glue --set catalog.region=eu-west-1 >"$1.log" 2>&1
}
creates() { $PY -c "import json,sys; print(*sorted((r['body'] or {}).get('location','-') for r in map(json.loads, open(sys.argv[1])) if r['endpoint']=='create-table'))" "$1"; }

start_catalog nolocation --require-location --precreate-namespace otel || { fail glue_catalog_start "see log"; exit 0; }
glue_committer "$T_TMP/d1"
grep -q 'Glue needs a table location and the namespace otel has none.*aws glue update-database --name otel' "$T_TMP/d1.log" \
    && ok glue_namespace_without_location_refused_with_the_fix || fail glue_namespace_without_location_refused_with_the_fix "$(tail -2 "$T_TMP/d1.log")"
check_eq glue_no_create_without_location "" "$(creates "$T_TMP/nolocation/wh/requests.jsonl")"

start_catalog located --require-location --precreate-namespace otel=s3://my-otel-warehouse/otel.db || { fail glue_catalog_start "see log"; exit 0; }
glue_committer "$T_TMP/d2"
check_eq glue_tables_under_namespace_location \
    "s3://my-otel-warehouse/otel.db/logs s3://my-otel-warehouse/otel.db/metrics_exponential_histogram s3://my-otel-warehouse/otel.db/metrics_gauge s3://my-otel-warehouse/otel.db/metrics_histogram s3://my-otel-warehouse/otel.db/metrics_sum s3://my-otel-warehouse/otel.db/metrics_summary s3://my-otel-warehouse/otel.db/traces" \
    "$(creates "$T_TMP/located/wh/requests.jsonl")"
