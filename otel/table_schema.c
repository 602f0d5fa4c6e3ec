/*
 * table_schema.c - the seven OTel tables, defined once.
 *
 * Owns: the static column tables (names, order, Iceberg types, field ids, required/optional)
 * and their renderings into Parquet schema nodes and Iceberg schema JSON.
 *
 * Columns and order follow design.md "Tables" (the OpenTelemetry Collector ClickHouse
 * exporter's columns, mapped to Iceberg types). Nullability: ClickHouse columns are not
 * nullable, so every column is required and an absent OTLP value becomes the type's empty
 * value ("" / 0 / empty map / empty list), except the optional-in-OTLP histogram fields
 * Sum, Min and Max (histogram and exponential histogram), which are optional here and null
 * when the point does not carry them: 0 would be a made-up measurement. Map values are
 * optional (the Iceberg/Spark convention) although the mapping always writes one.
 *
 * Field ids (invariant, checked by tests/unit/test_table_schema.c): the order in which
 * Iceberg's Java reference implementation assigns fresh ids (TypeUtil.assignFreshIds), which
 * is what REST catalogs (Glue, S3 Tables, Polaris, ...) do when they create a table: the
 * members of a struct get consecutive ids first, then each member's nested types are numbered
 * in member order (a list's element, a map's key and value, then their insides). So top-level
 * columns are 1..N, and a catalog that renumbers gives back exactly these ids, which the
 * writers put into the Parquet files. The ids are written out literally so that they never
 * move: a future column is appended with the next free id.
 *
 * Namings: the tables below are written in the ClickHouse exporter's names; the default
 * snake_case naming is a copy of every table with each name passed through
 * table_schema_snake_case, built once (pthread_once) on first use. Both namings share ids,
 * types and order, so only names differ between the files and tables of the two.
 *
 * Does not: know anything about OTLP (otel/otlp_rows*.c maps values into these columns).
 */
#include "otel/table_schema.h"

#include "common/cfg.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#define F(n, i, t) { n, i, true, t, 0 }
#define TS(n, i) F(n, i, TABLE_TIMESTAMPTZ)
#define STR(n, i) F(n, i, TABLE_STRING)
#define INT(n, i) F(n, i, TABLE_INT)
#define LONG(n, i) F(n, i, TABLE_LONG)
#define DBL(n, i) F(n, i, TABLE_DOUBLE)
#define BOOL(n, i) F(n, i, TABLE_BOOLEAN)
#define DBL_OPT(n, i) { n, i, false, TABLE_DOUBLE, 0 }
/* map<string,string>: the map, its required key, its optional value */
#define MAP(n, i, k, v) { n, i, true, TABLE_MAP, 2 }, { NULL, k, true, TABLE_STRING, 0 }, \
                        { NULL, v, false, TABLE_STRING, 0 }
/* list<T> of required primitive elements */
#define LIST(n, i, e, t) { n, i, true, TABLE_LIST, 1 }, { NULL, e, true, t, 0 }
/* list<struct<...>>: the list and its required struct element with m members */
#define LIST_STRUCT(n, i, e, m) { n, i, true, TABLE_LIST, 1 }, { NULL, e, true, TABLE_STRUCT, m }

static const struct table_field logs_fields[] = {
    TS("Timestamp", 1),
    STR("TraceId", 2),
    STR("SpanId", 3),
    INT("TraceFlags", 4),
    STR("SeverityText", 5),
    INT("SeverityNumber", 6),
    STR("ServiceName", 7),
    STR("Body", 8),
    STR("ResourceSchemaUrl", 9),
    MAP("ResourceAttributes", 10, 18, 19),
    STR("ScopeSchemaUrl", 11),
    STR("ScopeName", 12),
    STR("ScopeVersion", 13),
    MAP("ScopeAttributes", 14, 20, 21),
    MAP("LogAttributes", 15, 22, 23),
    STR("EventName", 16),
    TS("ObservedTimestamp", 17),
};

static const struct table_field traces_fields[] = {
    TS("Timestamp", 1),
    STR("TraceId", 2),
    STR("SpanId", 3),
    STR("ParentSpanId", 4),
    STR("TraceState", 5),
    STR("SpanName", 6),
    STR("SpanKind", 7),
    STR("ServiceName", 8),
    MAP("ResourceAttributes", 9, 18, 19),
    STR("ScopeName", 10),
    STR("ScopeVersion", 11),
    MAP("SpanAttributes", 12, 20, 21),
    LONG("Duration", 13),
    STR("StatusCode", 14),
    STR("StatusMessage", 15),
    LIST_STRUCT("Events", 16, 22, 3),
        TS("Timestamp", 23),
        STR("Name", 24),
        MAP("Attributes", 25, 26, 27),
    LIST_STRUCT("Links", 17, 28, 4),
        STR("TraceId", 29),
        STR("SpanId", 30),
        STR("TraceState", 31),
        MAP("Attributes", 32, 33, 34),
};

/* The 16 columns every metrics table starts with; N is the table's column count, so the
 * nested ids of the shared part are N+1..N+14. */
#define METRICS_SHARED(N)                              \
    MAP("ResourceAttributes", 1, (N) + 1, (N) + 2),    \
    STR("ResourceSchemaUrl", 2),                       \
    STR("ScopeName", 3),                               \
    STR("ScopeVersion", 4),                            \
    MAP("ScopeAttributes", 5, (N) + 3, (N) + 4),       \
    INT("ScopeDroppedAttrCount", 6),                   \
    STR("ScopeSchemaUrl", 7),                          \
    STR("ServiceName", 8),                             \
    STR("MetricName", 9),                              \
    STR("MetricDescription", 10),                      \
    STR("MetricUnit", 11),                             \
    MAP("Attributes", 12, (N) + 5, (N) + 6),           \
    TS("StartTimeUnix", 13),                           \
    TS("TimeUnix", 14),                                \
    INT("Flags", 15),                                  \
    LIST_STRUCT("Exemplars", 16, (N) + 7, 5),          \
        MAP("FilteredAttributes", (N) + 8, (N) + 13, (N) + 14), \
        TS("TimeUnix", (N) + 9),                       \
        DBL("Value", (N) + 10),                        \
        STR("SpanId", (N) + 11),                       \
        STR("TraceId", (N) + 12)

static const struct table_field gauge_fields[] = {
    METRICS_SHARED(17),
    DBL("Value", 17),
};

static const struct table_field sum_fields[] = {
    METRICS_SHARED(19),
    DBL("Value", 17),
    INT("AggregationTemporality", 18),
    BOOL("IsMonotonic", 19),
};

static const struct table_field histogram_fields[] = {
    METRICS_SHARED(23),
    LONG("Count", 17),
    DBL_OPT("Sum", 18),
    LIST("BucketCounts", 19, 38, TABLE_LONG),
    LIST("ExplicitBounds", 20, 39, TABLE_DOUBLE),
    DBL_OPT("Min", 21),
    DBL_OPT("Max", 22),
    INT("AggregationTemporality", 23),
};

static const struct table_field exp_histogram_fields[] = {
    METRICS_SHARED(27),
    LONG("Count", 17),
    DBL_OPT("Sum", 18),
    INT("Scale", 19),
    LONG("ZeroCount", 20),
    INT("PositiveOffset", 21),
    LIST("PositiveBucketCounts", 22, 42, TABLE_LONG),
    INT("NegativeOffset", 23),
    LIST("NegativeBucketCounts", 24, 43, TABLE_LONG),
    DBL_OPT("Min", 25),
    DBL_OPT("Max", 26),
    INT("AggregationTemporality", 27),
};

static const struct table_field summary_fields[] = {
    METRICS_SHARED(19),
    LONG("Count", 17),
    DBL("Sum", 18),
    LIST_STRUCT("ValueAtQuantiles", 19, 34, 2),
        DBL("Quantile", 35),
        DBL("Value", 36),
};

#define NFIELDS(a) ((int)(sizeof(a) / sizeof((a)[0])))
static const struct table_def ch_tables[OTEL_TABLE_COUNT] = {
    [OTEL_TABLE_LOGS] = { "logs", logs_fields, NFIELDS(logs_fields), 17, "Timestamp" },
    [OTEL_TABLE_TRACES] = { "traces", traces_fields, NFIELDS(traces_fields), 17, "Timestamp" },
    [OTEL_TABLE_METRICS_GAUGE] = { "metrics_gauge", gauge_fields, NFIELDS(gauge_fields), 17,
                                   "TimeUnix" },
    [OTEL_TABLE_METRICS_SUM] = { "metrics_sum", sum_fields, NFIELDS(sum_fields), 19, "TimeUnix" },
    [OTEL_TABLE_METRICS_HISTOGRAM] = { "metrics_histogram", histogram_fields,
                                       NFIELDS(histogram_fields), 23, "TimeUnix" },
    [OTEL_TABLE_METRICS_EXP_HISTOGRAM] = { "metrics_exponential_histogram", exp_histogram_fields,
                                           NFIELDS(exp_histogram_fields), 27, "TimeUnix" },
    [OTEL_TABLE_METRICS_SUMMARY] = { "metrics_summary", summary_fields, NFIELDS(summary_fields),
                                     19, "TimeUnix" },
};

/* ---- snake_case naming ---------------------------------------------------------------- */

#define FIELDS_MAX 64
#define NAME_MAX_LEN 48
static struct table_field snake_fields[OTEL_TABLE_COUNT][FIELDS_MAX];
static char snake_names[OTEL_TABLE_COUNT][FIELDS_MAX + 1][NAME_MAX_LEN];
static struct table_def snake_tables[OTEL_TABLE_COUNT];
static pthread_once_t snake_once = PTHREAD_ONCE_INIT;

static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

size_t table_schema_snake_case(const char *name, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; name[i]; i++) {
        char c = name[i];
        bool boundary = i > 0 && is_upper(c) &&
                        (is_lower_or_digit(name[i - 1]) || (is_upper(name[i - 1]) && is_lower_or_digit(name[i + 1])));
        if (boundary) {
            if (len + 1 < cap)
                out[len] = '_';
            len++;
        }
        if (len + 1 < cap)
            out[len] = is_upper(c) ? (char)(c - 'A' + 'a') : c;
        len++;
    }
    if (cap)
        out[len < cap ? len : cap - 1] = '\0';
    return len;
}

/* build_snake - the snake_case copy of every table. The static sizes are checked by the unit
 * test (every name fits, no table has more than FIELDS_MAX fields). */
static void build_snake(void)
{
    for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
        const struct table_def *d = &ch_tables[t];
        snake_tables[t] = *d;
        int n = d->num_fields < FIELDS_MAX ? d->num_fields : FIELDS_MAX;
        for (int i = 0; i < n; i++) {
            snake_fields[t][i] = d->fields[i];
            if (d->fields[i].name) {
                table_schema_snake_case(d->fields[i].name, snake_names[t][i], NAME_MAX_LEN);
                snake_fields[t][i].name = snake_names[t][i];
            }
        }
        table_schema_snake_case(d->partition_column, snake_names[t][FIELDS_MAX], NAME_MAX_LEN);
        snake_tables[t].partition_column = snake_names[t][FIELDS_MAX];
        snake_tables[t].fields = snake_fields[t];
        snake_tables[t].num_fields = n;
    }
}

const struct table_def *table_schema_get(enum otel_table t, enum table_naming n)
{
    if ((int)t < 0 || (int)t >= OTEL_TABLE_COUNT)
        return NULL;
    if (n == TABLE_NAMING_CLICKHOUSE)
        return &ch_tables[t];
    if (n != TABLE_NAMING_SNAKE)
        return NULL;
    pthread_once(&snake_once, build_snake);
    return &snake_tables[t];
}

enum table_naming table_schema_naming(const struct o2p_config *cfg)
{
    const char *v = cfg ? cfg->table.column_names : NULL;
    return v && strcmp(v, "clickhouse") == 0 ? TABLE_NAMING_CLICKHOUSE : TABLE_NAMING_SNAKE;
}

const char *table_schema_naming_name(enum table_naming n)
{
    return n == TABLE_NAMING_CLICKHOUSE ? "clickhouse" : "snake_case";
}

const char *table_schema_name(enum otel_table t)
{
    const struct table_def *d = table_schema_get(t, TABLE_NAMING_CLICKHOUSE);
    return d ? d->name : "?";
}

int table_schema_parse(const char *name)
{
    for (int t = 0; t < OTEL_TABLE_COUNT; t++)
        if (strcmp(ch_tables[t].name, name) == 0)
            return t;
    return -1;
}

/* subtree_size - number of entries of the field at fields[i] including its descendants */
static int subtree_size(const struct table_field *fields, int i)
{
    int n = 1;
    for (int c = 0; c < fields[i].num_children; c++)
        n += subtree_size(fields, i + n);
    return n;
}

int32_t table_schema_field_id(enum otel_table t, enum table_naming n, const char *column)
{
    const struct table_def *d = table_schema_get(t, n);
    if (!d)
        return 0;
    for (int i = 0; i < d->num_fields; i += subtree_size(d->fields, i))
        if (strcmp(d->fields[i].name, column) == 0)
            return d->fields[i].id;
    return 0;
}

/* ---- Parquet nodes ------------------------------------------------------------------- */

/* Upper bound of Parquet nodes per table: each field is one node, plus one extra (the
 * repeated key_value / list group) per MAP and LIST. */
#define PQ_NODES_MAX 96
static struct pq_node pq_nodes[TABLE_NAMING_COUNT][OTEL_TABLE_COUNT][PQ_NODES_MAX];
static struct pq_schema pq_schemas[TABLE_NAMING_COUNT][OTEL_TABLE_COUNT];
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;

/* emit - render fields[i] (and its subtree) as Parquet nodes named `name`; returns the index
 * after the subtree, appending nodes at *n */
static int emit(const struct table_field *f, int i, const char *name, struct pq_node *out, int *n)
{
    const struct table_field *x = &f[i];
    struct pq_node *node = &out[(*n)++];
    memset(node, 0, sizeof(*node));
    node->name = name;
    node->field_id = x->id;
    node->repetition = x->required ? PQ_REQUIRED : PQ_OPTIONAL;
    switch (x->type) {
    case TABLE_TIMESTAMPTZ:
        node->physical = PQ_INT64;
        node->logical = PQ_LOGICAL_TIMESTAMP_US;
        return i + 1;
    case TABLE_INT:
        node->physical = PQ_INT32;
        return i + 1;
    case TABLE_LONG:
        node->physical = PQ_INT64;
        return i + 1;
    case TABLE_DOUBLE:
        node->physical = PQ_DOUBLE;
        return i + 1;
    case TABLE_STRING:
        node->physical = PQ_BYTE_ARRAY;
        node->logical = PQ_LOGICAL_STRING;
        return i + 1;
    case TABLE_BOOLEAN:
        node->physical = PQ_BOOLEAN;
        return i + 1;
    case TABLE_MAP: {
        node->logical = PQ_LOGICAL_MAP;
        node->num_children = 1;
        struct pq_node *kv = &out[(*n)++];
        memset(kv, 0, sizeof(*kv));
        kv->name = "key_value";
        kv->repetition = PQ_REPEATED;
        kv->num_children = 2;
        int j = emit(f, i + 1, "key", out, n);
        return emit(f, j, "value", out, n);
    }
    case TABLE_LIST: {
        node->logical = PQ_LOGICAL_LIST;
        node->num_children = 1;
        struct pq_node *l = &out[(*n)++];
        memset(l, 0, sizeof(*l));
        l->name = "list";
        l->repetition = PQ_REPEATED;
        l->num_children = 1;
        return emit(f, i + 1, "element", out, n);
    }
    case TABLE_STRUCT: {
        node->num_children = x->num_children;
        int j = i + 1;
        for (int c = 0; c < x->num_children; c++)
            j = emit(f, j, f[j].name, out, n);
        return j;
    }
    }
    return i + 1;
}

static void build_pq(void)
{
    for (int m = 0; m < TABLE_NAMING_COUNT; m++)
        for (int t = 0; t < OTEL_TABLE_COUNT; t++) {
            const struct table_def *d = table_schema_get((enum otel_table)t, (enum table_naming)m);
            int n = 0;
            for (int i = 0; i < d->num_fields;)
                i = emit(d->fields, i, d->fields[i].name, pq_nodes[m][t], &n);
            pq_schemas[m][t].nodes = pq_nodes[m][t];
            pq_schemas[m][t].num_nodes = n;
        }
}

const struct pq_schema *table_schema_parquet(enum otel_table t, enum table_naming n)
{
    if (!table_schema_get(t, n))
        return NULL;
    pthread_once(&pq_once, build_pq);
    return &pq_schemas[n][t];
}

/* ---- Iceberg JSON ------------------------------------------------------------------- */

struct out {
    char *p;
    size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int k = vsnprintf(room ? o->p + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->len += (size_t)k;
}

static const char *primitive_name(enum table_type t)
{
    switch (t) {
    case TABLE_TIMESTAMPTZ: return "timestamptz";
    case TABLE_INT: return "int";
    case TABLE_LONG: return "long";
    case TABLE_DOUBLE: return "double";
    case TABLE_STRING: return "string";
    case TABLE_BOOLEAN: return "boolean";
    default: return NULL;
    }
}

static int json_type(const struct table_field *f, int i, struct out *o);

/* json_struct_fields - the "fields" array of n members starting at f[i]; returns next index */
static int json_struct_fields(const struct table_field *f, int i, int n, struct out *o)
{
    put(o, "\"fields\":[");
    for (int c = 0; c < n; c++) {
        put(o, "%s{\"id\":%d,\"name\":\"%s\",\"required\":%s,\"type\":", c ? "," : "",
            (int)f[i].id, f[i].name, f[i].required ? "true" : "false");
        i = json_type(f, i, o);
        put(o, "}");
    }
    put(o, "]");
    return i;
}

/* json_type - the Iceberg type of f[i] (a quoted primitive or a nested object) */
static int json_type(const struct table_field *f, int i, struct out *o)
{
    const struct table_field *x = &f[i];
    const char *prim = primitive_name(x->type);
    if (prim) {
        put(o, "\"%s\"", prim);
        return i + 1;
    }
    if (x->type == TABLE_LIST) {
        put(o, "{\"type\":\"list\",\"element-id\":%d,\"element-required\":%s,\"element\":",
            (int)f[i + 1].id, f[i + 1].required ? "true" : "false");
        int j = json_type(f, i + 1, o);
        put(o, "}");
        return j;
    }
    if (x->type == TABLE_MAP) {
        put(o, "{\"type\":\"map\",\"key-id\":%d,\"key\":", (int)f[i + 1].id);
        int j = json_type(f, i + 1, o);
        put(o, ",\"value-id\":%d,\"value-required\":%s,\"value\":", (int)f[j].id,
            f[j].required ? "true" : "false");
        j = json_type(f, j, o);
        put(o, "}");
        return j;
    }
    put(o, "{\"type\":\"struct\",");
    int j = json_struct_fields(f, i + 1, x->num_children, o);
    put(o, "}");
    return j;
}

size_t table_schema_iceberg_json(enum otel_table t, enum table_naming n, int schema_id, char *out, size_t cap)
{
    struct out o = { out, cap, 0 };
    const struct table_def *d = table_schema_get(t, n);
    if (cap)
        out[0] = '\0';
    if (!d)
        return 0;
    put(&o, "{\"type\":\"struct\",\"schema-id\":%d,", schema_id);
    json_struct_fields(d->fields, 0, d->num_columns, &o);
    put(&o, "}");
    return o.len;
}

const char *table_schema_catalog_name(const struct o2p_config *cfg, enum otel_table t, char *out, size_t n)
{
    const char *canon = table_schema_name(t);
    /* catalog.table_names: "logs=app_logs,traces=app_spans" names a table outright. */
    const char *p = cfg && cfg->catalog.table_names ? cfg->catalog.table_names : "";
    size_t cl = strlen(canon);
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = p + strcspn(p, ",");
        if ((size_t)(end - p) > cl && !strncmp(p, canon, cl) && p[cl] == '=') {
            snprintf(out, n, "%.*s", (int)(end - p - (ptrdiff_t)cl - 1), p + cl + 1);
            return out;
        }
        p = end;
    }
    snprintf(out, n, "%s%s", cfg && cfg->catalog.table_prefix ? cfg->catalog.table_prefix : "", canon);
    return out;
}
