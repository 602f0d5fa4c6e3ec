/*
 * table_schema.h - the one definition of the seven OTel tables: column names, order, Iceberg
 * types, field ids and required/optional, plus their two renderings: Parquet schema nodes for
 * the encoder (parquet/parquet.h) and Iceberg schema JSON for the committer.
 *
 * A table is a depth-first list of `struct table_field` (the root struct is implicit), exactly
 * like the Parquet node list: a LIST field is followed by its one element, a MAP field by its
 * key and value, a STRUCT by its members. Element, key and value entries have name == NULL.
 *
 * Field-id scheme (stable; see table_schema.c): top-level columns are numbered 1..N in column
 * order; nested ids (list elements, map keys/values, struct members) follow from N+1 in
 * depth-first order. New columns are only ever appended with fresh ids, never renumbered.
 *
 * Column names come in two namings (table.column_names), over one set of columns, order, types
 * and field ids: TABLE_NAMING_SNAKE (the default: `service_name`, `trace_id`, nested members
 * too), which AWS Glue, Lake Formation and Athena keep as they are, and TABLE_NAMING_CLICKHOUSE,
 * the ClickHouse exporter's PascalCase (`ServiceName`), which those catalogs lower-case into
 * `servicename`. The snake_case names are derived from the ClickHouse ones by
 * table_schema_snake_case (pinned name by name in tests/unit/test_table_schema.c).
 *
 * Everything here is immutable static data (the snake_case copy is built once, thread-safely,
 * on first use): pointers returned stay valid for the life of the process and may be shared
 * between threads.
 */
#ifndef O2P_TABLE_SCHEMA_H
#define O2P_TABLE_SCHEMA_H

#include "parquet/parquet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum otel_table {
    OTEL_TABLE_LOGS = 0,
    OTEL_TABLE_TRACES,
    OTEL_TABLE_METRICS_GAUGE,
    OTEL_TABLE_METRICS_SUM,
    OTEL_TABLE_METRICS_HISTOGRAM,
    OTEL_TABLE_METRICS_EXP_HISTOGRAM,
    OTEL_TABLE_METRICS_SUMMARY,
};
#define OTEL_TABLE_COUNT 7

/* Iceberg types used by the tables. */
enum table_type {
    TABLE_TIMESTAMPTZ = 0, /* Parquet INT64 TIMESTAMP(MICROS, UTC) */
    TABLE_INT,             /* INT32 */
    TABLE_LONG,            /* INT64 */
    TABLE_DOUBLE,          /* DOUBLE */
    TABLE_STRING,          /* BYTE_ARRAY (STRING) */
    TABLE_BOOLEAN,         /* BOOLEAN */
    TABLE_LIST,            /* 1 child: element */
    TABLE_MAP,             /* 2 children: key, value */
    TABLE_STRUCT,          /* num_children members */
};

/* Column naming of the tables (table.column_names). */
enum table_naming {
    TABLE_NAMING_SNAKE = 0,  /* "snake_case": service_name, trace_id, resource_attributes */
    TABLE_NAMING_CLICKHOUSE, /* "clickhouse": ServiceName, TraceId, ResourceAttributes */
};
#define TABLE_NAMING_COUNT 2

struct table_field {
    const char *name;      /* NULL for a list element or a map key/value */
    int32_t id;            /* Iceberg field id (also the Parquet field_id) */
    bool required;
    enum table_type type;
    int num_children;      /* LIST 1, MAP 2, STRUCT n, primitives 0 */
};

struct table_def {
    const char *name;                 /* Iceberg table name, e.g. "metrics_sum" */
    const struct table_field *fields; /* depth-first, root excluded */
    int num_fields;                   /* entries in fields[] */
    int num_columns;                  /* top-level columns */
    const char *partition_column;     /* "timestamp"/"Timestamp" or "time_unix"/"TimeUnix":
                                         the day()/hour() source, in the def's naming */
};

/* table_schema_get - the definition of table t with names in naming n (static; NULL only for
 * an invalid t or n). */
const struct table_def *table_schema_get(enum otel_table t, enum table_naming n);

struct o2p_config;
/* table_schema_naming - the naming cfg->table.column_names asks for ("snake_case" when cfg is
 * NULL or the key is unset; the config table only lets the two choices through). */
enum table_naming table_schema_naming(const struct o2p_config *cfg);

/* table_schema_naming_name - "snake_case" or "clickhouse", as table.column_names spells it. */
const char *table_schema_naming_name(enum table_naming n);

/* table_schema_snake_case - the snake_case form of a ClickHouse PascalCase name into out (cap
 * bytes, NUL-terminated when cap > 0): an underscore before each capital that follows a
 * lower-case letter or digit, or that starts a word after an acronym ("HTTPCode" -> http_code),
 * then everything lower-cased. Returns the length the full text needs, like snprintf. */
size_t table_schema_snake_case(const char *name, char *out, size_t cap);

/* table_schema_name - "logs", "traces", "metrics_gauge", ... */
const char *table_schema_name(enum otel_table t);

/* table_schema_catalog_name - the table's name in the catalog and the warehouse:
 * catalog.table_prefix + the canonical name (e.g. "app1_logs"). Returns out. */
const char *table_schema_catalog_name(const struct o2p_config *cfg, enum otel_table t, char *out, size_t n);

/* table_schema_parse - table name to enum; -1 if unknown. */
int table_schema_parse(const char *name);

/* table_schema_field_id - field id of the top-level column `column` (named in naming n); 0 if
 * there is none. */
int32_t table_schema_field_id(enum otel_table t, enum table_naming n, const char *column);

/*
 * table_schema_parquet - the Parquet encoder's schema for table t, names in naming n: maps become
 * `<rep> group Name (MAP) { repeated group key_value { required key; <rep> value } }`, lists
 * `<rep> group Name (LIST) { repeated group list { <rep> element } }`, with field ids on every
 * node that has an Iceberg id. Built once (thread-safe) into static storage that lives for the
 * process, as pq_writer_open requires. Leaf columns appear in depth-first order.
 */
const struct pq_schema *table_schema_parquet(enum otel_table t, enum table_naming n);

/*
 * table_schema_iceberg_json - write the Iceberg schema of table t (names in naming n) in the JSON serialization of
 * the Iceberg spec (Appendix C: {"type":"struct","schema-id":N,"fields":[...]}) into out
 * (at most cap bytes, NUL-terminated when cap > 0). Returns the length the full text needs
 * (excluding the NUL), like snprintf: a result >= cap means it was truncated.
 */
size_t table_schema_iceberg_json(enum otel_table t, enum table_naming n, int schema_id, char *out, size_t cap);

/* TABLE_SCHEMA_VERSION - bumped when any table changes; written into Parquet key-value
 * metadata as "otlp2parquet.schema_version". */
#define TABLE_SCHEMA_VERSION "1"

#endif
