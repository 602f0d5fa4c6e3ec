/*
 * cfg_keys.c - THE configuration table. Adding a key here adds it to the INI file, the
 * environment, --set, --defaults and docs/configuration.md at once.
 */
#include "common/cfg.h"

#include <stddef.h>

#define OFF(field) offsetof(struct o2p_config, field)
#define KiB 1024.0
#define MiB (1024.0 * 1024.0)
#define GiB (1024.0 * MiB)
#define TiB (1024.0 * GiB)
#define SEC 1000.0
#define DAY (86400.0 * SEC)

const struct cfg_key cfg_keys[] = {
    {"receiver", "http", CFG_ADDR, "127.0.0.1:4318", 0, 0, NULL, OFF(receiver.http),
     "OTLP/HTTP listen address (host:port, [v6]:port or :port; empty disables)."},
    {"receiver", "grpc", CFG_ADDR, "127.0.0.1:4317", 0, 0, NULL, OFF(receiver.grpc),
     "OTLP/gRPC listen address (host:port, [v6]:port or :port, h2c; empty disables)."},
    {"receiver", "max_request_bytes", CFG_SIZE, "16MiB", 1 * KiB, 1 * GiB, NULL,
     OFF(receiver.max_request_bytes), "Largest request body accepted on the wire (413 above)."},
    {"receiver", "max_decompressed_bytes", CFG_SIZE, "64MiB", 1 * KiB, 4 * GiB, NULL,
     OFF(receiver.max_decompressed_bytes),
     "Largest body after gzip/deflate/zstd decoding; inflating stops at this size (413)."},
    {"receiver", "auth_token_file", CFG_STRING, "", 0, 0, NULL, OFF(receiver.auth_token_file),
     "File holding a bearer token; when set, requests without `Authorization: Bearer <token>` get 401."},
    {"receiver", "metrics_public", CFG_BOOL, "false", 0, 0, NULL, OFF(receiver.metrics_public),
     "With auth_token_file set, serve GET /metrics without the token too (/health and /ready are always open)."},
    {"receiver", "tls_cert", CFG_STRING, "", 0, 0, NULL, OFF(receiver.tls_cert),
     "PEM certificate chain; with tls_key, both ports speak TLS."},
    {"receiver", "tls_key", CFG_STRING, "", 0, 0, NULL, OFF(receiver.tls_key), "PEM private key."},
    {"receiver", "tls_client_ca", CFG_STRING, "", 0, 0, NULL, OFF(receiver.tls_client_ca),
     "PEM CA bundle; when set, clients must present a certificate it signed."},
    {"receiver", "max_connections", CFG_INT, "1024", 1, 1000000, NULL,
     OFF(receiver.max_connections), "Open connections per port; more are closed at accept."},
    {"receiver", "idle_timeout", CFG_DURATION, "30s", 100, DAY, NULL, OFF(receiver.idle_timeout_ms),
     "A connection that sends nothing for this long is closed."},
    {"receiver", "request_timeout", CFG_DURATION, "30s", 100, DAY, NULL, OFF(receiver.request_timeout_ms),
     "A request (headers and body) must arrive whole within this long of its first byte;"
     " slower ones (slowloris) are closed."},
    {"receiver", "max_header_bytes", CFG_SIZE, "64KiB", 1 * KiB, 16 * MiB, NULL,
     OFF(receiver.max_header_bytes), "Largest request header block (431/413 above)."},
    {"receiver", "retry_after", CFG_DURATION, "1s", 0, 3600 * SEC, NULL,
     OFF(receiver.retry_after_ms), "Retry-After given to clients while the spool is over high_watermark."},
    {"receiver", "decode_threads", CFG_INT, "-1", -1, 256, NULL, OFF(receiver.decode_threads),
     "Threads that validate request bodies off the event loop (-1 = one per online CPU;"
     " 0 or 1 = on the event-loop thread)."},

    {"spool", "path", CFG_STRING, "", 0, 0, NULL, OFF(spool.path),
     "LMDB spool directory (default DATA_DIR/spool)."},
    {"spool", "max_bytes", CFG_SIZE, "4GiB", 1 * MiB, 64 * TiB, NULL, OFF(spool.max_bytes),
     "LMDB map size: the most the spool may hold on disk."},
    {"spool", "high_watermark", CFG_RATIO, "0.9", 0.05, 1.0, NULL, OFF(spool.high_watermark),
     "Fraction of max_bytes above which the receiver answers 429/503 (gRPC UNAVAILABLE)."},
    {"spool", "group_commit_window", CFG_DURATION, "2ms", 0, 1000, NULL,
     OFF(spool.group_commit_window_ms),
     "How long the first request of a batch may wait for others to share its sync (0 = sync as soon as the disk is free)."},
    {"spool", "min_free_bytes", CFG_SIZE, "256MiB", 0, 1 * TiB, NULL, OFF(spool.min_free_bytes),
     "Free space kept on the spool's filesystem for the writers' files; below it intake answers 503."},
    {"spool", "group_commit_bytes", CFG_SIZE, "8MiB", 4 * KiB, 1 * GiB, NULL,
     OFF(spool.group_commit_bytes), "A batch is synced as soon as it holds this many bytes."},

    {"writer", "max_file_bytes", CFG_SIZE, "128MiB", 64 * KiB, 16 * GiB, NULL,
     OFF(writer.max_file_bytes), "Claim when a signal's unclaimed OTLP bytes pass this."},
    {"writer", "max_file_rows", CFG_INT, "1000000", 1, 1e9, NULL, OFF(writer.max_file_rows),
     "Claim when a signal's unclaimed records pass this."},
    {"writer", "max_file_age", CFG_DURATION, "60s", 10, DAY, NULL, OFF(writer.max_file_age_ms),
     "Claim when a signal's oldest unclaimed record is older than this."},
    {"writer", "row_group_bytes", CFG_SIZE, "64MiB", 64 * KiB, 4 * GiB, NULL,
     OFF(writer.row_group_bytes), "Flush a Parquet row group when its buffered columns reach this size."},
    {"writer", "zstd_level", CFG_INT, "1", -7, 19, NULL, OFF(writer.zstd_level),
     "zstd level for Parquet pages. 1 compresses OTLP columns in pages of <= 1 MiB as well as 3"
     " or better (docs/benchmarks.md) for less CPU; higher levels cost much more CPU."},
    {"writer", "claim_lease", CFG_DURATION, "60s", 1000, DAY, NULL, OFF(writer.claim_lease_ms),
     "A claim not renewed for this long is taken over by another writer."},
    {"writer", "poll_interval", CFG_DURATION, "1s", 10, 3600 * SEC, NULL,
     OFF(writer.poll_interval_ms), "How often an idle writer looks for work."},
    {"writer", "retry_min_wait", CFG_DURATION, "500ms", 1, 3600 * SEC, NULL, OFF(writer.retry_min_wait_ms),
     "First wait after a failed claim (storage or spool error); doubles on each failure."},
    {"writer", "retry_max_wait", CFG_DURATION, "30s", 1, DAY, NULL, OFF(writer.retry_max_wait_ms),
     "Longest wait between attempts while storage keeps failing."},

    {"committer", "interval", CFG_DURATION, "60s", 10, DAY, NULL, OFF(committer.interval_ms),
     "Commit each table's queued files at least this often (every commit adds a snapshot: shorter means fresher tables and more metadata)."},
    {"committer", "max_files_per_commit", CFG_INT, "500", 1, 100000, NULL,
     OFF(committer.max_files_per_commit), "Most data files in one snapshot."},
    {"committer", "max_bytes_per_commit", CFG_SIZE, "8GiB", 1 * MiB, 64 * TiB, NULL,
     OFF(committer.max_bytes_per_commit), "Commit early once queued files of a table reach this size."},
    {"committer", "retry_min_wait", CFG_DURATION, "100ms", 1, 3600 * SEC, NULL,
     OFF(committer.retry_min_wait_ms), "First backoff after a conflict or catalog error."},
    {"committer", "retry_max_wait", CFG_DURATION, "60s", 1, DAY, NULL,
     OFF(committer.retry_max_wait_ms), "Longest backoff between attempts."},
    {"committer", "retry_max_elapsed", CFG_DURATION, "30m", 1, 30 * DAY, NULL,
     OFF(committer.retry_max_elapsed_ms),
     "Log an error when one batch has failed for this long (it keeps retrying; nothing is dropped)."},

    {"catalog", "type", CFG_ENUM, "filesystem", 0, 0, "filesystem|rest|none", OFF(catalog.type),
     "filesystem (Iceberg tables in the warehouse directory), rest (Iceberg REST catalog) or none (plain Parquet)."},
    {"catalog", "warehouse", CFG_STRING, "", 0, 0, NULL, OFF(catalog.warehouse),
     "file:// or s3:// URL of the warehouse (default file://DATA_DIR/warehouse)."},
    {"catalog", "namespace", CFG_STRING, "otel", 0, 0, NULL, OFF(catalog.namespace_),
     "Iceberg namespace of the tables."},
    {"catalog", "uri", CFG_STRING, "", 0, 0, NULL, OFF(catalog.uri), "REST catalog base URI."},
    {"catalog", "auth", CFG_ENUM, "none", 0, 0, "none|bearer|oauth2|sigv4", OFF(catalog.auth),
     "How to authenticate to the REST catalog."},
    {"catalog", "token_file", CFG_STRING, "", 0, 0, NULL, OFF(catalog.token_file),
     "File holding the bearer token (auth=bearer)."},
    {"catalog", "credential_file", CFG_STRING, "", 0, 0, NULL, OFF(catalog.credential_file),
     "File holding `client_id:client_secret` (auth=oauth2)."},
    {"catalog", "oauth2_server_uri", CFG_STRING, "", 0, 0, NULL, OFF(catalog.oauth2_server_uri),
     "OAuth2 token endpoint (default: the catalog's /v1/oauth/tokens)."},
    {"catalog", "oauth2_scope", CFG_STRING, "catalog", 0, 0, NULL, OFF(catalog.oauth2_scope),
     "OAuth2 scope asked for (Polaris: PRINCIPAL_ROLE:ALL; an IdP in front of Lakekeeper or Nessie: the scope its client is set up for)."},
    {"catalog", "oauth2_audience", CFG_STRING, "", 0, 0, NULL, OFF(catalog.oauth2_audience),
     "OAuth2 `audience` sent with the token request when set (Auth0-style IdPs)."},
    {"catalog", "oauth2_resource", CFG_STRING, "", 0, 0, NULL, OFF(catalog.oauth2_resource),
     "OAuth2 `resource` (RFC 8707) sent with the token request when set (Entra ID and others)."},
    {"catalog", "oauth2_client_auth", CFG_ENUM, "body", 0, 0, "body|basic", OFF(catalog.oauth2_client_auth),
     "How the client id and secret reach the token endpoint: in the form body, or as HTTP Basic (client_secret_basic; Keycloak and most IdPs accept both)."},
    {"catalog", "access_delegation", CFG_ENUM, "none", 0, 0, "none|vended-credentials", OFF(catalog.access_delegation),
     "vended-credentials: ask the catalog for storage credentials (X-Iceberg-Access-Delegation) and use them when no local S3 keys are set (R2 with only an API token)."},
    {"catalog", "sigv4_service", CFG_ENUM, "glue", 0, 0, "glue|s3tables", OFF(catalog.sigv4_service),
     "SigV4 signing service name (auth=sigv4)."},
    {"catalog", "region", CFG_STRING, "", 0, 0, NULL, OFF(catalog.region),
     "AWS region for SigV4 (default: s3.region)."},
    {"catalog", "s3_tables_arn", CFG_STRING, "", 0, 0, NULL, OFF(catalog.s3_tables_arn),
     "Preset: an S3 Tables table bucket ARN (arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME) sets type=rest, the S3 Tables endpoint as uri, the ARN as warehouse, auth=sigv4, sigv4_service=s3tables and region."},
    {"catalog", "glue_s3tables", CFG_STRING, "", 0, 0, NULL, OFF(catalog.glue_s3tables),
     "Preset: ACCOUNT:s3tablescatalog/BUCKET sets type=rest, https://glue.REGION.amazonaws.com/iceberg as uri, this as warehouse, auth=sigv4, sigv4_service=glue, and s3.region to the same region (from catalog.region or s3.region)."},
    {"catalog", "r2_account_id", CFG_STRING, "", 0, 0, NULL, OFF(catalog.r2_account_id),
     "Preset with r2_bucket: Cloudflare R2 Data Catalog (uri, warehouse ACCOUNT_BUCKET, auth=bearer, and the R2 S3 endpoint for data files)."},
    {"catalog", "r2_bucket", CFG_STRING, "", 0, 0, NULL, OFF(catalog.r2_bucket), "R2 bucket of the R2 Data Catalog preset."},
    {"catalog", "table_prefix", CFG_STRING, "", 0, 0, NULL, OFF(catalog.table_prefix),
     "Prefix for every table name (e.g. `app1_` gives app1_logs, app1_traces, ...)."},
    {"catalog", "table_names", CFG_STRING, "", 0, 0, NULL, OFF(catalog.table_names),
     "Per-table names, e.g. `logs=app_logs,traces=app_spans` (after table_prefix is applied to the others)."},
    {"catalog", "partition", CFG_ENUM, "day", 0, 0, "day|hour", OFF(catalog.partition),
     "Partition tables by day or hour of timestamp (metrics: time_unix)."},

    {"table", "column_names", CFG_ENUM, "snake_case", 0, 0, "snake_case|clickhouse", OFF(table.column_names),
     "Column names of every table: snake_case (service_name, trace_id; what AWS Glue, Lake Formation, S3 Tables "
     "and Athena require) or clickhouse (ServiceName, TraceId: the ClickHouse exporter's names). An existing "
     "table keeps its naming: the committer refuses a table created with the other one."},

    {"s3", "endpoint", CFG_STRING, "", 0, 0, NULL, OFF(s3.endpoint),
     "S3-compatible endpoint URL (empty: AWS, https://s3.<region>.amazonaws.com)."},
    {"s3", "region", CFG_STRING, "us-east-1", 0, 0, NULL, OFF(s3.region), "Region used to sign S3 requests."},
    {"s3", "path_style", CFG_BOOL, "false", 0, 0, NULL, OFF(s3.path_style),
     "Address buckets as endpoint/bucket/key instead of bucket.endpoint/key."},

    {"log", "level", CFG_ENUM, "info", 0, 0, "debug|info|warn|error", OFF(log.level),
     "Lowest level written to stderr."},
};

const int cfg_key_count = (int)(sizeof cfg_keys / sizeof cfg_keys[0]);
