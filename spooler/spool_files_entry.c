/*
 * spool_files_entry.c - encode and decode the files-queue entry (format: spool_files_entry.h).
 *
 * Owns: the JSON text of an entry and every rule about its members. Both directions run the
 * same check (check_entry), so whatever encode writes decode accepts, and a decoded entry
 * encodes again to an entry that decodes to the same struct (the fuzz target checks this).
 *
 * Why jansson on both sides: the entry carries strings that come from outside (a REST
 * catalog chooses table locations, so a location may hold '"', '\\' or any UTF-8); an escaper
 * and a parser written by hand for one format were how entries that never parse got into the
 * queue. jansson escapes per RFC 8259, refuses invalid UTF-8 and "\u0000" inside strings,
 * rejects duplicate members (JSON_REJECT_DUPLICATES), integers that do not fit 64 bits and
 * trailing bytes, and bounds nesting, so none of that is re-checked here.
 *
 * Failure behaviour: decode returns O2P_ECORRUPT with "files entry <key>: <member>: <why>";
 * it never keeps a partial result. Encode returns O2P_EINVAL for an entry decode would refuse.
 */
#include "spooler/spool_files_entry.h"

#include "otel/table_schema.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- base64 (RFC 4648 standard alphabet, padded; strict) ---------------------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64_encode - n bytes into out (4 * ceil(n / 3) characters + NUL). */
static void b64_encode(const uint8_t *p, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = i + 1 < n ? B64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? B64[v & 63] : '=';
    }
    out[o] = 0;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* b64_decode - strict: length a multiple of 4, padding only at the end, unused bits zero (the
 * one spelling an encoder produces), at most cap bytes out. Returns the length or -1. */
static int b64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int pad = 0;
        uint32_t v = 0;
        for (int j = 0; j < 4; j++) {
            int d;
            if (s[i + j] == '=' && i + 4 == n && j >= 2 && (j == 3 || s[i + 3] == '=')) {
                pad++;
                d = 0;
            } else {
                d = pad ? -1 : b64_value((unsigned char)s[i + j]);
                if (d < 0)
                    return -1;
            }
            v = v << 6 | (uint32_t)d;
        }
        size_t k = 3 - (size_t)pad;
        if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
            return -1;
        if (o + k > cap)
            return -1;
        out[o++] = (uint8_t)(v >> 16);
        if (k > 1)
            out[o++] = (uint8_t)(v >> 8);
        if (k > 2)
            out[o++] = (uint8_t)v;
    }
    return (int)o;
}

/* ---- the rules shared by both directions ---------------------------------------------------- */

/* signal_of_table - the signal whose records fill table t. */
static enum o2p_signal signal_of_table(int t)
{
    if (t == OTEL_TABLE_LOGS)
        return O2P_SIGNAL_LOGS;
    if (t == OTEL_TABLE_TRACES)
        return O2P_SIGNAL_TRACES;
    return O2P_SIGNAL_METRICS;
}

/* entry_name - how messages name an entry: its key, else its location (both may be bad). */
static const char *entry_name(const struct spool_files_entry *e)
{
    if (e->key && e->key[0])
        return e->key;
    if (e->location && e->location[0])
        return e->location;
    return "(no key)";
}

static int bad(struct o2p_error *err, int code, const char *name, const char *member, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* bad - "files entry NAME: MEMBER: why" (the name is cut: it may be a hostile 4 KiB string). */
static int bad(struct o2p_error *err, int code, const char *name, const char *member, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return o2p_fail(err, code, "files entry %.200s: %s: %s", name, member, why);
}

/* text_shape - "YYYY-MM-DD" (day) or "YYYY-MM-DD-HH" (hour): what the writer names directories. */
static bool text_shape(const char *s, bool hourly)
{
    static const char day[] = "dddd-dd-dd", hour[] = "dddd-dd-dd-dd";
    const char *pat = hourly ? hour : day;
    if (strlen(s) != strlen(pat))
        return false;
    for (size_t i = 0; pat[i]; i++)
        if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
            return false;
    return true;
}

/* check_entry - every rule of the header on a filled struct; code is what to return. */
static int check_entry(const struct spool_files_entry *e, int code, struct o2p_error *err)
{
    const char *n = entry_name(e);
    int t = table_schema_parse(e->table);
    if (t < 0)
        return bad(err, code, n, "table", "\"%.40s\" is not a table of this version", e->table);
    size_t klen = e->key ? strlen(e->key) : 0, llen = e->location ? strlen(e->location) : 0;
    if (klen == 0 || klen >= SPOOL_FILES_ENTRY_KEY_MAX)
        return bad(err, code, n, "key", "%zu bytes, must be 1..%d", klen, SPOOL_FILES_ENTRY_KEY_MAX - 1);
    if (llen == 0 || llen >= SPOOL_FILES_ENTRY_LOCATION_MAX)
        return bad(err, code, n, "location", "%zu bytes, must be 1..%d", llen, SPOOL_FILES_ENTRY_LOCATION_MAX - 1);
    if (e->size < 0)
        return bad(err, code, n, "size", "%lld is negative", (long long)e->size);
    if (e->records < 0)
        return bad(err, code, n, "records", "%lld is negative", (long long)e->records);
    /* The writer names the partition source in its table.column_names naming: either is valid. */
    const char *src = table_schema_get(t, TABLE_NAMING_SNAKE)->partition_column;
    if (strcmp(e->partition.source, src) != 0)
        src = table_schema_get(t, TABLE_NAMING_CLICKHOUSE)->partition_column;
    bool hourly = !strcmp(e->partition.transform, "hour");
    if (!hourly && strcmp(e->partition.transform, "day") != 0)
        return bad(err, code, n, "partition.transform", "\"%.16s\" is neither day nor hour", e->partition.transform);
    if (strcmp(e->partition.source, src) != 0)
        return bad(err, code, n, "partition.source", "\"%.40s\", table %s is partitioned by %s", e->partition.source,
                   e->table, src);
    char pname[sizeof e->partition.name];
    snprintf(pname, sizeof pname, "%s_%s", src, e->partition.transform);
    if (strcmp(e->partition.name, pname) != 0)
        return bad(err, code, n, "partition.name", "\"%.60s\", expected \"%s\"", e->partition.name, pname);
    if (!text_shape(e->partition.text, hourly))
        return bad(err, code, n, "partition.text", "\"%.30s\" is not %s", e->partition.text,
                   hourly ? "YYYY-MM-DD-HH" : "YYYY-MM-DD");
    if ((int)e->claim.signal < 0 || e->claim.signal >= O2P_SIGNAL_COUNT || e->claim.signal != signal_of_table(t))
        return bad(err, code, n, "claim.signal", "table %s is not made from %s records", e->table,
                   (int)e->claim.signal >= 0 && e->claim.signal < O2P_SIGNAL_COUNT ? signal_kind_name(e->claim.signal)
                                                                                   : "unknown");
    if (e->claim.last > (uint64_t)INT64_MAX || e->claim.first > e->claim.last)
        return bad(err, code, n, "claim", "range %llu-%llu is not 0 <= first <= last < 2^63",
                   (unsigned long long)e->claim.first, (unsigned long long)e->claim.last);
    if (e->ncolumns > SPOOL_FILES_ENTRY_COLUMNS_MAX || (e->ncolumns && !e->columns))
        return bad(err, code, n, "columns", "%zu columns, at most %d", e->ncolumns, SPOOL_FILES_ENTRY_COLUMNS_MAX);
    for (size_t i = 0; i < e->ncolumns; i++) {
        const struct spool_files_entry_column *c = &e->columns[i];
        char m[48];
        const char *what = NULL;
        if (c->id <= 0)
            what = "id";
        else if (c->size < 0)
            what = "size";
        else if (c->values < 0)
            what = "values";
        else if (c->nulls < 0)
            what = "nulls";
        else if (c->nans < -1)
            what = "nans";
        else if (c->has_bounds && (c->lower_len > SPOOL_FILES_ENTRY_BOUND_MAX || c->upper_len > SPOOL_FILES_ENTRY_BOUND_MAX))
            what = "lower";
        if (what) {
            snprintf(m, sizeof m, "columns[%zu].%s", i, what);
            return bad(err, code, n, m, "out of range");
        }
    }
    return O2P_OK;
}

/* ---- encode ----------------------------------------------------------------------------- */

/* put_str / put_int - one member; a NULL value means jansson refused it (memory or UTF-8). */
static int put_str(json_t *o, const char *k, const char *v, const struct spool_files_entry *e, struct o2p_error *err)
{
    json_t *s = json_stringn(v, strlen(v));
    if (!s)
        return bad(err, O2P_EINVAL, entry_name(e), k, "not valid UTF-8 (or out of memory)");
    if (json_object_set_new(o, k, s) != 0)
        return bad(err, O2P_ENOMEM, entry_name(e), k, "out of memory");
    return O2P_OK;
}

static int put_int(json_t *o, const char *k, int64_t v, const struct spool_files_entry *e, struct o2p_error *err)
{
    if (json_object_set_new(o, k, json_integer((json_int_t)v)) != 0)
        return bad(err, O2P_ENOMEM, entry_name(e), k, "out of memory");
    return O2P_OK;
}

static int put_bound(json_t *o, const char *k, const uint8_t *p, size_t n, const struct spool_files_entry *e,
                     struct o2p_error *err)
{
    char text[4 * ((SPOOL_FILES_ENTRY_BOUND_MAX + 2) / 3) + 1];
    b64_encode(p, n, text);
    return put_str(o, k, text, e, err);
}

static int put_column(json_t *arr, const struct spool_files_entry_column *c, const struct spool_files_entry *e,
                      struct o2p_error *err)
{
    json_t *o = json_object();
    if (!o || json_array_append_new(arr, o) != 0)
        return bad(err, O2P_ENOMEM, entry_name(e), "columns", "out of memory");
    int rc = put_int(o, "id", c->id, e, err);
    rc = rc ? rc : put_int(o, "size", c->size, e, err);
    rc = rc ? rc : put_int(o, "values", c->values, e, err);
    rc = rc ? rc : put_int(o, "nulls", c->nulls, e, err);
    if (rc == O2P_OK && c->nans >= 0)
        rc = put_int(o, "nans", c->nans, e, err);
    if (rc == O2P_OK && c->has_bounds) {
        rc = put_bound(o, "lower", c->lower, c->lower_len, e, err);
        rc = rc ? rc : put_bound(o, "upper", c->upper, c->upper_len, e, err);
    }
    return rc;
}

static int dump_to_buf(const char *text, size_t size, void *data)
{
    return buf_append(data, text, size) == O2P_OK ? 0 : -1;
}

int spool_files_entry_encode(const struct spool_files_entry *e, struct buf *out, struct o2p_error *err)
{
    int rc = check_entry(e, O2P_EINVAL, err);
    if (rc != O2P_OK)
        return rc;
    /* Members in the order the hand-written writer used, so entries read the same as before. */
    json_t *root = json_object(), *part = json_object(), *claim = json_object(), *cols = json_array();
    if (!root || !part || !claim || !cols) {
        json_decref(root);
        json_decref(part);
        json_decref(claim);
        json_decref(cols);
        return bad(err, O2P_ENOMEM, entry_name(e), "entry", "out of memory");
    }
    rc = put_str(root, "table", e->table, e, err);
    rc = rc ? rc : put_str(root, "key", e->key, e, err);
    rc = rc ? rc : put_str(root, "location", e->location, e, err);
    rc = rc ? rc : put_str(root, "format", "parquet", e, err);
    rc = rc ? rc : put_int(root, "size", e->size, e, err);
    rc = rc ? rc : put_int(root, "records", e->records, e, err);
    rc = rc ? rc : put_str(part, "source", e->partition.source, e, err);
    rc = rc ? rc : put_str(part, "transform", e->partition.transform, e, err);
    rc = rc ? rc : put_str(part, "name", e->partition.name, e, err);
    rc = rc ? rc : put_int(part, "value", e->partition.value, e, err);
    rc = rc ? rc : put_str(part, "text", e->partition.text, e, err);
    rc = rc ? rc : put_str(claim, "signal", signal_kind_name(e->claim.signal), e, err);
    rc = rc ? rc : put_int(claim, "first", (int64_t)e->claim.first, e, err);
    rc = rc ? rc : put_int(claim, "last", (int64_t)e->claim.last, e, err);
    for (size_t i = 0; i < e->ncolumns && rc == O2P_OK; i++)
        rc = put_column(cols, &e->columns[i], e, err);
    if (rc != O2P_OK) {
        json_decref(part);
        json_decref(claim);
        json_decref(cols);
    } else if ((json_object_set_new(root, "partition", part) | json_object_set_new(root, "claim", claim) |
                json_object_set_new(root, "columns", cols)) != 0) {
        /* set_new takes the reference even when it fails: nothing is left to release here. */
        rc = bad(err, O2P_ENOMEM, entry_name(e), "entry", "out of memory");
    }
    if (rc == O2P_OK) {
        size_t before = out->len;
        if (json_dump_callback(root, dump_to_buf, out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0) {
            out->len = before;
            rc = bad(err, O2P_ETOOBIG, entry_name(e), "entry", "does not fit the buffer (or out of memory)");
        } else if (out->len - before > SPOOL_FILES_ENTRY_BYTES_MAX) {
            rc = bad(err, O2P_ETOOBIG, entry_name(e), "entry", "%zu bytes, at most %u", out->len - before,
                     SPOOL_FILES_ENTRY_BYTES_MAX);
        }
    }
    json_decref(root);
    return rc;
}

/* ---- decode ----------------------------------------------------------------------------- */

struct reader {
    const struct spool_files_entry *e;  /* for the entry's name in messages */
    struct o2p_error *err;
    char pname[32];                     /* early name: "key" before it is validated */
};

static const char *rname(const struct reader *r)
{
    return r->e->key ? entry_name(r->e) : r->pname;
}

/* get - member k of o with the given JSON type; path is how messages name it. */
static const json_t *get(struct reader *r, const json_t *o, const char *k, json_type type, const char *path,
                         int *rc)
{
    static const char *const names[] = {"an object", "an array", "a string", "an integer", "a number",
                                        "a boolean", "a boolean", "null"};
    const json_t *v = json_object_get(o, k);
    if (!v) {
        *rc = bad(r->err, O2P_ECORRUPT, rname(r), path, "missing");
        return NULL;
    }
    bool ok = json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v));
    if (!ok) {
        *rc = bad(r->err, O2P_ECORRUPT, rname(r), path, "must be %s", names[type]);
        return NULL;
    }
    return v;
}

static int get_int(struct reader *r, const json_t *o, const char *k, const char *path, int64_t lo, int64_t hi,
                   int64_t *out)
{
    int rc = O2P_OK;
    const json_t *v = get(r, o, k, JSON_INTEGER, path, &rc);
    if (!v)
        return rc;
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return bad(r->err, O2P_ECORRUPT, rname(r), path, "%lld is out of range %lld..%lld", (long long)x,
                   (long long)lo, (long long)hi);
    *out = (int64_t)x;
    return O2P_OK;
}

/* get_text - a string member into a fixed buffer (too long for it is out of range). */
static int get_text(struct reader *r, const json_t *o, const char *k, const char *path, char *out, size_t cap)
{
    int rc = O2P_OK;
    const json_t *v = get(r, o, k, JSON_STRING, path, &rc);
    if (!v)
        return rc;
    size_t n = json_string_length(v);
    if (n >= cap)
        return bad(r->err, O2P_ECORRUPT, rname(r), path, "%zu bytes, at most %zu", n, cap - 1);
    memcpy(out, json_string_value(v), n + 1);
    return O2P_OK;
}

static int get_dup(struct reader *r, const json_t *o, const char *k, size_t max, char **out)
{
    int rc = O2P_OK;
    const json_t *v = get(r, o, k, JSON_STRING, k, &rc);
    if (!v)
        return rc;
    size_t n = json_string_length(v);
    if (n == 0 || n >= max)
        return bad(r->err, O2P_ECORRUPT, rname(r), k, "%zu bytes, must be 1..%zu", n, max - 1);
    *out = malloc(n + 1);
    if (!*out)
        return bad(r->err, O2P_ENOMEM, rname(r), k, "out of memory");
    memcpy(*out, json_string_value(v), n + 1);
    return O2P_OK;
}

static int get_bound(struct reader *r, const json_t *c, const char *k, const char *path, uint8_t *out,
                     uint16_t *len)
{
    int rc = O2P_OK;
    const json_t *v = get(r, c, k, JSON_STRING, path, &rc);
    if (!v)
        return rc;
    int n = b64_decode(json_string_value(v), json_string_length(v), out, SPOOL_FILES_ENTRY_BOUND_MAX);
    if (n < 0)
        return bad(r->err, O2P_ECORRUPT, rname(r), path, "not base64 of at most %d bytes", SPOOL_FILES_ENTRY_BOUND_MAX);
    *len = (uint16_t)n;
    return O2P_OK;
}

static int get_column(struct reader *r, const json_t *c, size_t i, struct spool_files_entry_column *m)
{
    char p[7][48];
    static const char *const k[7] = {"id", "size", "values", "nulls", "nans", "lower", "upper"};
    if (!json_is_object(c)) {
        snprintf(p[0], sizeof p[0], "columns[%zu]", i);
        return bad(r->err, O2P_ECORRUPT, rname(r), p[0], "must be an object");
    }
    for (int j = 0; j < 7; j++)
        snprintf(p[j], sizeof p[j], "columns[%zu].%s", i, k[j]);
    int64_t id = 0;
    int rc = get_int(r, c, "id", p[0], 1, INT32_MAX, &id);
    m->id = (int32_t)id;
    rc = rc ? rc : get_int(r, c, "size", p[1], 0, INT64_MAX, &m->size);
    rc = rc ? rc : get_int(r, c, "values", p[2], 0, INT64_MAX, &m->values);
    rc = rc ? rc : get_int(r, c, "nulls", p[3], 0, INT64_MAX, &m->nulls);
    m->nans = -1;
    if (rc == O2P_OK && json_object_get(c, "nans"))
        rc = get_int(r, c, "nans", p[4], 0, INT64_MAX, &m->nans);
    bool lo = json_object_get(c, "lower") != NULL, up = json_object_get(c, "upper") != NULL;
    if (rc == O2P_OK && lo != up)
        rc = bad(r->err, O2P_ECORRUPT, rname(r), lo ? p[6] : p[5], "lower and upper come together");
    if (rc == O2P_OK && lo) {
        m->has_bounds = true;
        rc = get_bound(r, c, "lower", p[5], m->lower, &m->lower_len);
        rc = rc ? rc : get_bound(r, c, "upper", p[6], m->upper, &m->upper_len);
    }
    return rc;
}

int spool_files_entry_decode(const void *data, size_t len, struct spool_files_entry *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    struct reader r = {.e = out, .err = err};
    snprintf(r.pname, sizeof r.pname, "(key unreadable)");
    if (len > SPOOL_FILES_ENTRY_BYTES_MAX)
        return bad(err, O2P_ECORRUPT, r.pname, "entry", "%zu bytes, at most %u", len, SPOOL_FILES_ENTRY_BYTES_MAX);
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    /* Out of memory is not the entry's fault: the committer must not quarantine it. */
    if (!root && json_error_code(&je) == json_error_out_of_memory)
        return bad(err, O2P_ENOMEM, r.pname, "entry", "parse %zu bytes: out of memory", len);
    if (!root)
        return bad(err, O2P_ECORRUPT, r.pname, "entry", "not JSON: %s at byte %d", je.text, je.position);
    int rc = O2P_OK;
    if (!json_is_object(root)) {
        rc = bad(err, O2P_ECORRUPT, r.pname, "entry", "not a JSON object");
        goto out;
    }
    /* The key first: every later message names the entry by it. */
    rc = get_dup(&r, root, "key", SPOOL_FILES_ENTRY_KEY_MAX, &out->key);
    if (rc == O2P_OK)
        rc = get_dup(&r, root, "location", SPOOL_FILES_ENTRY_LOCATION_MAX, &out->location);
    if (rc != O2P_OK)
        goto out;
    char fmt[16];
    rc = get_text(&r, root, "table", "table", out->table, sizeof out->table);
    rc = rc ? rc : get_text(&r, root, "format", "format", fmt, sizeof fmt);
    if (rc == O2P_OK && strcmp(fmt, "parquet") != 0)
        rc = bad(err, O2P_ECORRUPT, rname(&r), "format", "\"%s\" is not parquet", fmt);
    rc = rc ? rc : get_int(&r, root, "size", "size", 0, INT64_MAX, &out->size);
    rc = rc ? rc : get_int(&r, root, "records", "records", 0, INT64_MAX, &out->records);
    const json_t *part = rc ? NULL : get(&r, root, "partition", JSON_OBJECT, "partition", &rc);
    int64_t pv = 0;
    rc = rc ? rc : get_text(&r, part, "source", "partition.source", out->partition.source, sizeof out->partition.source);
    rc = rc ? rc : get_text(&r, part, "transform", "partition.transform", out->partition.transform,
                            sizeof out->partition.transform);
    rc = rc ? rc : get_text(&r, part, "name", "partition.name", out->partition.name, sizeof out->partition.name);
    rc = rc ? rc : get_int(&r, part, "value", "partition.value", INT32_MIN, INT32_MAX, &pv);
    out->partition.value = (int32_t)pv;
    rc = rc ? rc : get_text(&r, part, "text", "partition.text", out->partition.text, sizeof out->partition.text);
    const json_t *claim = rc ? NULL : get(&r, root, "claim", JSON_OBJECT, "claim", &rc);
    char sig[16];
    int64_t first = 0, last = 0;
    rc = rc ? rc : get_text(&r, claim, "signal", "claim.signal", sig, sizeof sig);
    if (rc == O2P_OK && signal_kind_parse(sig) < 0)
        rc = bad(err, O2P_ECORRUPT, rname(&r), "claim.signal", "\"%s\" is not a signal", sig);
    if (rc == O2P_OK)
        out->claim.signal = (enum o2p_signal)signal_kind_parse(sig);
    rc = rc ? rc : get_int(&r, claim, "first", "claim.first", 0, INT64_MAX, &first);
    rc = rc ? rc : get_int(&r, claim, "last", "claim.last", 0, INT64_MAX, &last);
    out->claim.first = (uint64_t)first;
    out->claim.last = (uint64_t)last;
    const json_t *cols = rc ? NULL : get(&r, root, "columns", JSON_ARRAY, "columns", &rc);
    size_t nc = cols ? json_array_size(cols) : 0;
    if (rc == O2P_OK && nc > SPOOL_FILES_ENTRY_COLUMNS_MAX)
        rc = bad(err, O2P_ECORRUPT, rname(&r), "columns", "%zu columns, at most %d", nc, SPOOL_FILES_ENTRY_COLUMNS_MAX);
    if (rc == O2P_OK && nc) {
        out->columns = calloc(nc, sizeof *out->columns);
        if (!out->columns)
            rc = bad(err, O2P_ENOMEM, rname(&r), "columns", "out of memory");
    }
    for (size_t i = 0; i < nc && rc == O2P_OK; i++) {
        rc = get_column(&r, json_array_get(cols, i), i, &out->columns[i]);
        out->ncolumns = i + 1;
    }
    if (rc == O2P_OK)
        rc = check_entry(out, O2P_ECORRUPT, err);
out:
    json_decref(root);
    if (rc != O2P_OK)
        spool_files_entry_free(out);
    return rc;
}

void spool_files_entry_free(struct spool_files_entry *e)
{
    free(e->key);
    free(e->location);
    free(e->columns);
    memset(e, 0, sizeof *e);
}
