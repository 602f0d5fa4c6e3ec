/*
 * iceberg_avro.c - Avro binary encoder, Object Container File writer and a schema-driven
 * reader, just enough for Iceberg manifests and manifest lists (see iceberg_avro.h).
 *
 * Why our own: avro-c writes only avro.schema/avro.codec in the header and re-serialises the
 * schema without field-id, element-id and logicalType, which PyIceberg and DuckDB require
 * (reference/iceberg.md section 0). The container format is small:
 *
 *   file   = "Obj\x01" meta-map sync16 block*
 *   meta   = long n, n x (string key, bytes value), long 0
 *   block  = long count, long size, size bytes (codec-compressed records), sync16
 *
 * Reader state machine (iceberg_avro_read): HEADER (magic, map, sync, codec) -> BLOCK* (check
 * the trailing sync, decompress per the codec, decode `count` records against the writer's
 * schema) -> END (no bytes left).
 *
 * Codecs read (Avro spec "Required Codecs" / "Optional Codecs"): null; deflate (raw RFC 1951);
 * snappy (raw Snappy, common/snappy.c, then the 4-byte big-endian zlib CRC32 of the
 * uncompressed block, verified); zstandard (zstd frames, streamed so a frame without a content
 * size - Java's ZstdOutputStream - reads as well as one with it). Every codec stops at
 * max_block bytes of output, before allocating when the block declares its size. Why all of
 * them: Spark (write.avro.compression-codec), S3 Tables and R2 maintenance rewrite manifest
 * lists in snappy or zstd, and one such list must not stop every later commit to the table.
 * Any bound violated is O2P_ECORRUPT naming the offset; the reader never reads past `len`.
 * Every jansson call that allocates is checked: a record with a member silently missing would
 * be a manifest list without a manifest, and the next snapshot would drop its files. Out of
 * memory is O2P_ENOMEM, never O2P_ECORRUPT (the file is fine).
 *
 * Does not: write more than one block per call, write any codec but null and deflate, read
 * bzip2 or xz (optional in the spec, not used for Iceberg), or resolve a reader schema against
 * the writer schema (callers look fields up by name).
 */
#include "iceberg/iceberg_avro.h"

#include "common/snappy.h"
#include "otel/otel_string.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* ---- encoder ----------------------------------------------------------------------------- */

int iceberg_avro_put_long(struct buf *b, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    uint8_t tmp[10];
    int n = 0;
    do {
        uint8_t c = z & 0x7f;
        z >>= 7;
        if (z)
            c |= 0x80;
        tmp[n++] = c;
    } while (z);
    return buf_append(b, tmp, (size_t)n);
}

int iceberg_avro_put_int(struct buf *b, int32_t v) { return iceberg_avro_put_long(b, v); }
int iceberg_avro_put_union(struct buf *b, int branch) { return iceberg_avro_put_long(b, branch); }
int iceberg_avro_put_bool(struct buf *b, bool v) { return buf_append_byte(b, v ? 1 : 0); }

int iceberg_avro_put_double(struct buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(u >> (8 * i));
    return buf_append(b, le, 8);
}

int iceberg_avro_put_bytes(struct buf *b, const void *p, size_t n)
{
    int rc = iceberg_avro_put_long(b, (int64_t)n);
    return rc ? rc : buf_append(b, p, n);
}

int iceberg_avro_put_string(struct buf *b, const char *s) { return iceberg_avro_put_bytes(b, s, strlen(s)); }

/* deflate_raw - append the raw-deflate (no zlib header) compression of p[0..n) to out. */
static int deflate_raw(struct buf *out, const uint8_t *p, size_t n, struct o2p_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return o2p_fail(err, O2P_EIO, "avro deflate: zlib init failed");
    size_t bound = deflateBound(&z, (uLong)n);
    int rc = buf_reserve(out, bound);
    if (rc != O2P_OK) {
        deflateEnd(&z);
        return o2p_fail(err, rc, "avro deflate: reserve %zu bytes: %s", bound, o2p_strerror(rc));
    }
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = out->data + out->len;
    z.avail_out = (uInt)bound;
    int zrc = deflate(&z, Z_FINISH);
    size_t produced = bound - z.avail_out;
    deflateEnd(&z);
    if (zrc != Z_STREAM_END)
        return o2p_fail(err, O2P_EIO, "avro deflate: zlib error %d", zrc);
    out->len += produced;
    return O2P_OK;
}

int iceberg_avro_ocf_write(struct buf *out, const char *schema_json, enum iceberg_avro_codec codec,
                   const struct iceberg_avro_meta *meta, size_t nmeta, const uint8_t sync[AVRO_SYNC_BYTES],
                   const uint8_t *body, size_t len, int64_t count, struct o2p_error *err)
{
    if (codec != AVRO_CODEC_NULL && codec != AVRO_CODEC_DEFLATE)
        return o2p_fail(err, O2P_EUNSUPPORTED, "avro: writing codec %d is not supported (null, deflate)", (int)codec);
    int rc = buf_append(out, "Obj\x01", 4);
    rc = rc ? rc : iceberg_avro_put_long(out, (int64_t)nmeta + 2);
    rc = rc ? rc : iceberg_avro_put_string(out, "avro.schema");
    rc = rc ? rc : iceberg_avro_put_string(out, schema_json);
    rc = rc ? rc : iceberg_avro_put_string(out, "avro.codec");
    rc = rc ? rc : iceberg_avro_put_string(out, codec == AVRO_CODEC_DEFLATE ? "deflate" : "null");
    for (size_t i = 0; i < nmeta && rc == O2P_OK; i++) {
        rc = iceberg_avro_put_string(out, meta[i].key);
        rc = rc ? rc : iceberg_avro_put_bytes(out, meta[i].value, meta[i].len ? meta[i].len : strlen(meta[i].value));
    }
    rc = rc ? rc : iceberg_avro_put_long(out, 0);
    rc = rc ? rc : buf_append(out, sync, AVRO_SYNC_BYTES);
    if (rc != O2P_OK)
        return o2p_fail(err, rc, "avro: write the header: %s", o2p_strerror(rc));
    if (count <= 0)
        return O2P_OK;
    rc = iceberg_avro_put_long(out, count);
    if (rc != O2P_OK)
        return o2p_fail(err, rc, "avro: write a block: %s", o2p_strerror(rc));
    if (codec == AVRO_CODEC_DEFLATE) {
        struct buf z;
        buf_init(&z, out->max);
        rc = deflate_raw(&z, body, len, err);
        if (rc == O2P_OK) {
            rc = iceberg_avro_put_bytes(out, z.data, z.len);
            if (rc != O2P_OK)
                o2p_fail(err, rc, "avro: write a block: %s", o2p_strerror(rc));
        }
        buf_free(&z);
        if (rc != O2P_OK)
            return rc;
    } else {
        rc = iceberg_avro_put_bytes(out, body, len);
        if (rc != O2P_OK)
            return o2p_fail(err, rc, "avro: write a block: %s", o2p_strerror(rc));
    }
    rc = buf_append(out, sync, AVRO_SYNC_BYTES);
    return rc ? o2p_fail(err, rc, "avro: write a block: %s", o2p_strerror(rc)) : O2P_OK;
}

/* ---- reader ------------------------------------------------------------------------------ */

struct rd {
    const uint8_t *p;
    size_t len, pos;
    json_t *names;   /* named types seen so far: name -> schema node (borrowed) */
    struct o2p_error *err;
    const char *what; /* "header" or "block N" for messages */
};

#define MAX_DEPTH 32

static int corrupt(struct rd *r, const char *why)
{
    return o2p_fail(r->err, O2P_ECORRUPT, "avro %s: %s at byte %zu", r->what, why, r->pos);
}

static int nomem(struct rd *r, const char *what)
{
    return o2p_fail(r->err, O2P_ENOMEM, "avro %s: %s at byte %zu: out of memory", r->what, what, r->pos);
}

/* made - a decoded value: O2P_OK, or O2P_ENOMEM when its constructor returned NULL */
static int made(struct rd *r, json_t *v, const char *what) { return v ? O2P_OK : nomem(r, what); }

static int get_long(struct rd *r, int64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->pos >= r->len)
            return corrupt(r, "truncated varint");
        uint8_t c = r->p[r->pos++];
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return O2P_OK;
        }
    }
    return corrupt(r, "varint too long");
}

/* get_span - a length-prefixed byte string; *p points into the input. */
static int get_span(struct rd *r, const uint8_t **p, size_t *n)
{
    int64_t l;
    int rc = get_long(r, &l);
    if (rc)
        return rc;
    if (l < 0 || (uint64_t)l > r->len - r->pos)
        return corrupt(r, "bad length");
    *p = r->p + r->pos;
    *n = (size_t)l;
    r->pos += (size_t)l;
    return O2P_OK;
}

static json_t *hex_string(const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(2 * n + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * n] = 0;
    json_t *j = json_string(s);
    free(s);
    return j;
}

int iceberg_avro_hex_decode(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);
    if (n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int v = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0)
                return -1;
            v = v * 16 + d;
        }
        out[i] = (uint8_t)v;
    }
    return (int)(n / 2);
}

static int decode(struct rd *r, const json_t *schema, int depth, json_t **out);

/* register_names - remember named types (records, enums, fixed) so later references resolve. */
static int register_name(struct rd *r, const json_t *schema)
{
    const char *name = json_string_value(json_object_get(schema, "name"));
    if (name && !json_object_get(r->names, name) && json_object_set(r->names, name, (json_t *)schema) != 0)
        return o2p_fail(r->err, O2P_ENOMEM, "avro schema: remember type %s: out of memory", name);
    return O2P_OK;
}

/* register_all - walk the whole schema once so a reference to a type defined inside an
 * untaken union branch still resolves. */
static int register_all(struct rd *r, const json_t *schema, int depth)
{
    if (depth > MAX_DEPTH)
        return O2P_OK;
    size_t i;
    const json_t *x;
    int rc = O2P_OK;
    if (json_is_array(schema)) {
        json_array_foreach(schema, i, x)
            rc = rc ? rc : register_all(r, x, depth + 1);
        return rc;
    }
    if (!json_is_object(schema))
        return O2P_OK;
    const char *t = json_string_value(json_object_get(schema, "type"));
    if (t && (!strcmp(t, "record") || !strcmp(t, "error") || !strcmp(t, "enum") || !strcmp(t, "fixed")))
        rc = register_name(r, schema);
    json_array_foreach(json_object_get(schema, "fields"), i, x)
        rc = rc ? rc : register_all(r, json_object_get(x, "type"), depth + 1);
    rc = rc ? rc : register_all(r, json_object_get(schema, "items"), depth + 1);
    return rc ? rc : register_all(r, json_object_get(schema, "values"), depth + 1);
}

static int decode_primitive(struct rd *r, const char *t, json_t **out)
{
    int64_t v;
    int rc;
    const uint8_t *p;
    size_t n;
    if (!strcmp(t, "null")) {
        *out = json_null();
        return O2P_OK;
    }
    if (!strcmp(t, "boolean")) {
        if (r->pos >= r->len)
            return corrupt(r, "truncated boolean");
        *out = json_boolean(r->p[r->pos++] != 0);
        return O2P_OK;
    }
    if (!strcmp(t, "int") || !strcmp(t, "long")) {
        rc = get_long(r, &v);
        if (rc)
            return rc;
        *out = json_integer(v);
        return made(r, *out, "an integer");
    }
    if (!strcmp(t, "float") || !strcmp(t, "double")) {
        size_t w = t[0] == 'f' ? 4 : 8;
        if (r->len - r->pos < w)
            return corrupt(r, "truncated float");
        uint64_t u = 0;
        for (size_t i = 0; i < w; i++)
            u |= (uint64_t)r->p[r->pos + i] << (8 * i);
        r->pos += w;
        double d;
        if (w == 4) {
            uint32_t u32 = (uint32_t)u;
            float f;
            memcpy(&f, &u32, 4);
            d = f;
        } else {
            memcpy(&d, &u, 8);
        }
        *out = json_real(d);
        return made(r, *out, "a float");
    }
    if (!strcmp(t, "string") || !strcmp(t, "bytes")) {
        rc = get_span(r, &p, &n);
        if (rc)
            return rc;
        if (t[0] == 's') {
            /* NULL for bad UTF-8, or when out of memory */
            *out = json_stringn((const char *)p, n);
            if (!*out)
                return otel_string_utf8_valid((const char *)p, n) ? nomem(r, "a string")
                                                                   : corrupt(r, "string is not UTF-8");
        } else {
            *out = hex_string(p, n);
        }
        return made(r, *out, "bytes");
    }
    return o2p_fail(r->err, O2P_ECORRUPT, "avro schema: unknown type \"%s\"", t);
}

static int decode_blocks(struct rd *r, const json_t *items, bool map, int depth, json_t *agg)
{
    for (;;) {
        int64_t count;
        int rc = get_long(r, &count);
        if (rc)
            return rc;
        if (count == 0)
            return O2P_OK;
        if (count == INT64_MIN) /* -count would overflow */
            return corrupt(r, "bad block count");
        if (count < 0) {
            int64_t size;
            count = -count;
            rc = get_long(r, &size);
            if (rc)
                return rc;
        }
        if ((uint64_t)count > r->len - r->pos)
            return corrupt(r, "block count larger than the data");
        for (int64_t i = 0; i < count; i++) {
            const uint8_t *k = NULL;
            size_t kn = 0;
            rc = map ? get_span(r, &k, &kn) : O2P_OK;
            if (rc != O2P_OK)
                return rc;
            json_t *v = NULL;
            rc = decode(r, items, depth + 1, &v);
            if (rc)
                return rc;
            if (map) {
                char *key = strndup((const char *)k, kn);
                if (!key) {
                    json_decref(v);
                    return nomem(r, "a map key");
                }
                rc = json_object_set_new(agg, key, v) ? nomem(r, "a map entry") : O2P_OK;
                free(key);
            } else {
                rc = json_array_append_new(agg, v) ? nomem(r, "an array item") : O2P_OK;
            }
            if (rc)
                return rc;
        }
    }
}

static int decode(struct rd *r, const json_t *schema, int depth, json_t **out)
{
    *out = NULL;
    if (depth > MAX_DEPTH)
        return o2p_fail(r->err, O2P_ECORRUPT, "avro schema: nested deeper than %d", MAX_DEPTH);
    if (json_is_string(schema)) {
        const char *t = json_string_value(schema);
        const json_t *named = json_object_get(r->names, t);
        if (named)
            return decode(r, named, depth + 1, out);
        return decode_primitive(r, t, out);
    }
    if (json_is_array(schema)) {
        int64_t branch;
        int rc = get_long(r, &branch);
        if (rc)
            return rc;
        if (branch < 0 || (size_t)branch >= json_array_size(schema))
            return corrupt(r, "union branch out of range");
        return decode(r, json_array_get(schema, (size_t)branch), depth + 1, out);
    }
    if (!json_is_object(schema))
        return o2p_fail(r->err, O2P_ECORRUPT, "avro schema: malformed type");
    const char *t = json_string_value(json_object_get(schema, "type"));
    if (!t)
        return o2p_fail(r->err, O2P_ECORRUPT, "avro schema: type without \"type\"");
    if (!strcmp(t, "record") || !strcmp(t, "error")) {
        int rc = register_name(r, schema);
        json_t *obj = json_object();
        if (rc == O2P_OK)
            rc = made(r, obj, "a record");
        const json_t *fields = json_object_get(schema, "fields");
        size_t i;
        const json_t *f;
        json_array_foreach(fields, i, f) {
            json_t *v = NULL;
            if (rc == O2P_OK)
                rc = decode(r, json_object_get(f, "type"), depth + 1, &v);
            const char *name = json_string_value(json_object_get(f, "name"));
            if (rc == O2P_OK && json_object_set_new(obj, name ? name : "", v) != 0)
                rc = nomem(r, "a record field");
            if (rc) {
                json_decref(obj);
                return rc;
            }
        }
        *out = obj;
        return O2P_OK;
    }
    if (!strcmp(t, "enum")) {
        int64_t idx;
        int rc = register_name(r, schema);
        if (rc == O2P_OK)
            rc = get_long(r, &idx);
        if (rc)
            return rc;
        const json_t *sym = json_array_get(json_object_get(schema, "symbols"), (size_t)idx);
        if (idx < 0 || !sym)
            return corrupt(r, "enum index out of range");
        *out = json_copy((json_t *)sym);
        return made(r, *out, "an enum symbol");
    }
    if (!strcmp(t, "fixed")) {
        int rc = register_name(r, schema);
        if (rc)
            return rc;
        json_int_t size = json_integer_value(json_object_get(schema, "size"));
        if (size < 0 || (uint64_t)size > r->len - r->pos)
            return corrupt(r, "truncated fixed");
        *out = hex_string(r->p + r->pos, (size_t)size);
        r->pos += (size_t)size;
        return made(r, *out, "a fixed");
    }
    if (!strcmp(t, "array") || !strcmp(t, "map")) {
        bool map = t[0] == 'm';
        json_t *agg = map ? json_object() : json_array();
        if (!agg)
            return nomem(r, map ? "a map" : "an array");
        int rc = decode_blocks(r, json_object_get(schema, map ? "values" : "items"), map, depth, agg);
        if (rc) {
            json_decref(agg);
            return rc;
        }
        *out = agg;
        return O2P_OK;
    }
    /* {"type":"int","logicalType":...} and friends: the primitive carries the encoding. */
    return decode_primitive(r, t, out);
}

static int inflate_raw(const uint8_t *p, size_t n, size_t max, struct buf *out, struct o2p_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK)
        return o2p_fail(err, O2P_EIO, "avro inflate: zlib init failed");
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    buf_reset(out);
    int zrc = Z_OK, rc = O2P_OK;
    while (zrc != Z_STREAM_END) {
        if (out->len >= max) {
            rc = o2p_fail(err, O2P_ETOOBIG, "avro inflate: block larger than %zu bytes", max);
            break;
        }
        rc = buf_reserve(out, 64 * 1024);
        if (rc != O2P_OK) {
            o2p_fail(err, rc, "avro inflate: grow the output: %s", o2p_strerror(rc));
            break;
        }
        z.next_out = out->data + out->len;
        z.avail_out = 64 * 1024;
        zrc = inflate(&z, Z_NO_FLUSH);
        out->len += 64 * 1024 - z.avail_out;
        if (zrc == Z_STREAM_END)
            break;
        if (zrc != Z_OK || (z.avail_in == 0 && z.avail_out != 0)) {
            rc = o2p_fail(err, O2P_ECORRUPT, "avro inflate: bad deflate data (zlib %d)", zrc);
            break;
        }
    }
    inflateEnd(&z);
    return rc;
}

/* unsnappy - an Avro "snappy" block: raw Snappy, then the big-endian CRC32 of the result */
static int unsnappy(const uint8_t *p, size_t n, size_t max, struct buf *out, const char *what,
                    struct o2p_error *err)
{
    if (n < 4)
        return o2p_fail(err, O2P_ECORRUPT, "avro %s: snappy block of %zu bytes is shorter than its CRC32", what, n);
    int rc = snappy_decompress(p, n - 4, max, out, err);
    if (rc != O2P_OK) {
        o2p_error_prefix(err, "avro %s", what); /* (its result is not rc when err is NULL) */
        return rc;
    }
    const uint8_t *c = p + n - 4;
    uint32_t want = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
    uint32_t got = (uint32_t)crc32_z(0, out->data, out->len);
    if (got != want)
        return o2p_fail(err, O2P_ECORRUPT, "avro %s: snappy CRC32 mismatch (block says %08x, its %zu bytes "
                        "give %08x): the manifest file is damaged", what, want, out->len, got);
    return O2P_OK;
}

/* unzstd - an Avro "zstandard" block: one zstd frame (or several, concatenated), streamed into
 * out with at most max bytes of output. A frame that states its content size is checked
 * against max before anything is allocated; the size is only a hint for the first room (at
 * most 1 MiB: a few hostile bytes can state any size), the buffer grows with the output. */
static int unzstd(const uint8_t *p, size_t n, size_t max, struct buf *out, const char *what,
                  struct o2p_error *err)
{
    buf_reset(out);
    unsigned long long declared = ZSTD_getFrameContentSize(p, n);
    if (declared == ZSTD_CONTENTSIZE_ERROR)
        return o2p_fail(err, O2P_ECORRUPT, "avro %s: zstandard block is not a zstd frame", what);
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > max)
        return o2p_fail(err, O2P_ETOOBIG, "avro %s: zstd frame declares %llu bytes, more than the %zu allowed",
                        what, declared, max);
    size_t first = declared != ZSTD_CONTENTSIZE_UNKNOWN && declared < (1u << 20) ? (size_t)declared : 64 * 1024;
    int rc = buf_reserve(out, first < max ? first : max);
    if (rc != O2P_OK)
        return o2p_fail(err, rc, "avro %s: room for the zstd output: %s", what, o2p_strerror(rc));
    ZSTD_DCtx *z = ZSTD_createDCtx();
    if (!z)
        return o2p_fail(err, O2P_ENOMEM, "avro %s: zstd context: out of memory", what);
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        uint8_t probe;
        ZSTD_outBuffer ob = {&probe, 1, 0}; /* at max: any further byte means the block is too big */
        if (out->len < max) {
            if (out->cap - out->len <= 1) {
                size_t more = max - out->len < 64 * 1024 ? max - out->len : 64 * 1024;
                rc = buf_reserve(out, more);
                if (rc != O2P_OK) {
                    o2p_fail(err, rc, "avro %s: grow the zstd output: %s", what, o2p_strerror(rc));
                    break;
                }
            }
            size_t room = out->cap - out->len - 1; /* buf keeps one byte for a NUL */
            ob = (ZSTD_outBuffer){out->data + out->len, room < max - out->len ? room : max - out->len, 0};
        }
        size_t before = in.pos;
        size_t zr = ZSTD_decompressStream(z, &ob, &in);
        if (ZSTD_isError(zr)) {
            rc = o2p_fail(err, O2P_ECORRUPT, "avro %s: bad zstd data: %s", what, ZSTD_getErrorName(zr));
            break;
        }
        if (ob.dst == &probe && ob.pos) {
            rc = o2p_fail(err, O2P_ETOOBIG, "avro %s: zstd block larger than %zu bytes", what, max);
            break;
        }
        if (ob.dst != &probe)
            out->len += ob.pos;
        if (zr == 0 && in.pos == in.size)
            break; /* every frame decoded and flushed */
        if (in.pos == in.size && ob.pos < ob.size) {
            rc = o2p_fail(err, O2P_ECORRUPT, "avro %s: truncated zstd frame (%zu bytes end mid-frame)", what, n);
            break;
        }
        if (in.pos == before && ob.pos == 0) {
            rc = o2p_fail(err, O2P_ECORRUPT, "avro %s: zstd data makes no progress", what);
            break;
        }
    }
    ZSTD_freeDCtx(z);
    if (rc != O2P_OK)
        out->len = 0;
    return rc;
}

void iceberg_avro_file_free(struct iceberg_avro_file *f)
{
    json_decref(f->meta);
    json_decref(f->schema);
    json_decref(f->records);
    memset(f, 0, sizeof *f);
}

const char *iceberg_avro_meta_get(const struct iceberg_avro_file *f, const char *key)
{
    return json_string_value(json_object_get(f->meta, key));
}

int iceberg_avro_read(const uint8_t *data, size_t len, size_t max_records, size_t max_block,
              struct iceberg_avro_file *out, struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    struct rd r = {.p = data, .len = len, .err = err, .what = "header"};
    struct buf block;
    buf_init(&block, max_block);
    int rc = O2P_OK;
    out->meta = json_object();
    out->records = json_array();
    r.names = json_object();
    if (!out->meta || !out->records || !r.names) {
        rc = nomem(&r, "start");
        goto fail;
    }
    if (len < 4 || memcmp(data, "Obj\x01", 4) != 0) {
        rc = o2p_fail(err, O2P_ECORRUPT, "avro header: not an Avro container file (bad magic)");
        goto fail;
    }
    r.pos = 4;
    for (;;) {
        int64_t n;
        rc = get_long(&r, &n);
        if (rc != O2P_OK)
            goto fail;
        if (n == 0)
            break;
        if (n == INT64_MIN) { /* -n would overflow */
            rc = corrupt(&r, "bad metadata map count");
            goto fail;
        }
        if (n < 0) {
            int64_t size;
            n = -n;
            rc = get_long(&r, &size);
            if (rc != O2P_OK)
                goto fail;
        }
        for (int64_t i = 0; i < n; i++) {
            const uint8_t *k, *v;
            size_t kn, vn;
            rc = get_span(&r, &k, &kn);
            if (rc == O2P_OK)
                rc = get_span(&r, &v, &vn);
            if (rc != O2P_OK)
                goto fail;
            char *key = strndup((const char *)k, kn);
            json_t *val = json_stringn_nocheck((const char *)v, vn);
            if (!key || !val) {
                free(key);
                json_decref(val);
                rc = nomem(&r, "a metadata entry");
                goto fail;
            }
            rc = json_object_set_new(out->meta, key, val) ? nomem(&r, "a metadata entry") : O2P_OK;
            free(key);
            if (rc)
                goto fail;
        }
    }
    if (len - r.pos < AVRO_SYNC_BYTES) {
        rc = corrupt(&r, "truncated sync marker");
        goto fail;
    }
    const uint8_t *sync = data + r.pos;
    r.pos += AVRO_SYNC_BYTES;
    const char *codec = iceberg_avro_meta_get(out, "avro.codec");
    const char *schema_text = iceberg_avro_meta_get(out, "avro.schema");
    static const char *const codecs[] = {
        [AVRO_CODEC_NULL] = "null", [AVRO_CODEC_DEFLATE] = "deflate",
        [AVRO_CODEC_SNAPPY] = "snappy", [AVRO_CODEC_ZSTANDARD] = "zstandard",
    };
    out->codec = AVRO_CODEC_NULL; /* the spec: no avro.codec means "null" */
    for (size_t i = 0; codec && i < sizeof codecs / sizeof codecs[0]; i++)
        out->codec = !strcmp(codec, codecs[i]) ? (enum iceberg_avro_codec)i : out->codec;
    if (codec && strcmp(codec, codecs[out->codec])) {
        rc = o2p_fail(err, O2P_EUNSUPPORTED, "avro: codec \"%s\" is not supported (null, deflate, snappy, "
                      "zstandard)", codec);
        goto fail;
    }
    json_error_t je;
    out->schema = schema_text ? json_loads(schema_text, JSON_DECODE_ANY, &je) : NULL;
    if (!out->schema && schema_text && json_error_code(&je) == json_error_out_of_memory) {
        rc = nomem(&r, "avro.schema");
        goto fail;
    }
    if (!out->schema) {
        rc = o2p_fail(err, O2P_ECORRUPT, "avro header: missing or bad avro.schema");
        goto fail;
    }
    rc = register_all(&r, out->schema, 0);
    if (rc != O2P_OK)
        goto fail;
    char what[32];
    for (int nblock = 1; r.pos < len; nblock++) {
        snprintf(what, sizeof what, "block %d", nblock);
        r.what = what;
        int64_t count;
        const uint8_t *p;
        size_t n;
        rc = get_long(&r, &count);
        if (rc == O2P_OK)
            rc = get_span(&r, &p, &n);
        if (rc != O2P_OK)
            goto fail;
        if (len - r.pos < AVRO_SYNC_BYTES || memcmp(data + r.pos, sync, AVRO_SYNC_BYTES) != 0) {
            rc = corrupt(&r, "sync marker mismatch");
            goto fail;
        }
        r.pos += AVRO_SYNC_BYTES;
        if (count < 0 || json_array_size(out->records) + (uint64_t)count > max_records) {
            rc = o2p_fail(err, O2P_ETOOBIG, "avro: more than %zu records", max_records);
            goto fail;
        }
        struct rd br = {.p = p, .len = n, .names = r.names, .err = err, .what = what};
        if (out->codec != AVRO_CODEC_NULL) {
            if (out->codec == AVRO_CODEC_DEFLATE) {
                rc = inflate_raw(p, n, max_block, &block, err);
                if (rc != O2P_OK)
                    o2p_error_prefix(err, "%s", what);
            } else if (out->codec == AVRO_CODEC_SNAPPY) {
                rc = unsnappy(p, n, max_block, &block, what, err);
            } else {
                rc = unzstd(p, n, max_block, &block, what, err);
            }
            if (rc != O2P_OK)
                goto fail;
            br.p = block.data;
            br.len = block.len;
        }
        for (int64_t i = 0; i < count; i++) {
            json_t *rec = NULL;
            rc = decode(&br, out->schema, 0, &rec);
            if (rc != O2P_OK)
                goto fail;
            if (json_array_append_new(out->records, rec) != 0) {
                rc = nomem(&br, "a record");
                goto fail;
            }
        }
    }
    json_decref(r.names);
    buf_free(&block);
    return O2P_OK;
fail:
    json_decref(r.names);
    buf_free(&block);
    iceberg_avro_file_free(out);
    return rc;
}
