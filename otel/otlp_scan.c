/*
 * otlp_scan.c - the validating scanner (contract in otlp_scan.h).
 *
 * Owns: one table per message type reachable from the three Export*ServiceRequest
 * descriptors, built once (pthread_once) into static arrays: for each field number up to the
 * message's largest, what protobuf-c expects there (kind: varint, bool, fixed64, fixed32,
 * string, bytes, message; repeated or not; oneof or not; the sub-message's table). Field
 * numbers beyond the table are unknown fields, skipped by wire type as protobuf-c skips them.
 *
 * The rules, each protobuf-c 1.4.1's (protobuf-c.c: parse_tag_and_wiretype,
 * scan_length_prefixed_data, parse_required_member, count_packed_elements,
 * parse_packed_repeated_member), verified by tests/fuzz/fuzz_otlp_scan.c:
 *   - tags and lengths: the primitives in otlp_wire.h;
 *   - a known field must come with its type's wire type, except bool (any wire type);
 *   - a repeated scalar may also come packed (length-delimited): varints must all be whole,
 *     fixed-size arrays a multiple of their size, packed bools bytes of 0 or 1;
 *   - strings are not checked for UTF-8; unknown fields are skipped; no field is required.
 *
 * Counting, as receiver_ingest.c's check_* functions count the decoded tree: a LogRecord is
 * kept unless its trace_id is neither 0 nor 16 bytes or its span_id neither 0 nor 8; a Span
 * unless trace_id is not 16, span_id not 8, or parent_span_id neither 0 nor 8 (the last value
 * of a field given twice wins, as in protobuf-c); a Metric counts the data points of the last
 * member of its data oneof (protobuf-c keeps the last oneof member and does not merge).
 *
 * Nesting: an AnyValue inside OTLP_MAX_ANY_DEPTH others is refused before it is entered, so
 * the recursion here is at most about 3 frames per level (AnyValue, KeyValueList, KeyValue);
 * SCAN_MAX_NEST bounds it for any other shape a future .proto might add.
 *
 * Not done here: decoding values, the arena limit (decoded_bytes is an estimate the caller
 * compares; merged requests need a real decode to know), JSON.
 */
#include "otel/otlp_scan.h"

#include "otel/otlp_wire.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MAX_MSGS 64
#define MAX_FIELDS 2048
#define MAX_FIELD_ID 255
#define SCAN_MAX_NEST (3 * OTLP_MAX_ANY_DEPTH + 32)

enum kind { K_UNKNOWN, K_VARINT, K_BOOL, K_I64, K_I32, K_STR, K_BYTES, K_MSG };
enum msg_role { R_NONE, R_ANY, R_LOG_RECORD, R_SPAN, R_METRIC, R_DATA };
enum field_role { F_NONE, F_ID0, F_ID1, F_ID2, F_POINTS };

struct sfield {
    uint8_t kind;
    uint8_t rep;    /* repeated */
    uint8_t oneof;  /* member of a oneof: protobuf-c replaces, never merges */
    uint8_t role;
    uint8_t esize;  /* element size in protobuf-c's repeated array */
    uint16_t sub;   /* K_MSG: index in msgs[] */
};

struct smsg {
    const ProtobufCMessageDescriptor *d;
    uint8_t role;
    uint32_t nf;     /* fields[first .. first + nf): field numbers 0 .. nf-1 */
    uint32_t first;
    uint32_t fixed;  /* bytes protobuf-c allocates for the message itself, rounded, plus one
                      * rounding per repeated field */
};

static struct smsg msgs[MAX_MSGS];
static int nmsgs;
static struct sfield fields[MAX_FIELDS];
static uint32_t nfields;
static int roots[O2P_SIGNAL_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;
static char init_msg[240];

static const struct sfield unknown_field;

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

/* ---- tables ------------------------------------------------------------------------------ */

static int init_fail(const ProtobufCMessageDescriptor *d, const char *field, const char *why)
{
    snprintf(init_msg, sizeof init_msg, "otlp_scan: %s%s%s: %s", d->name, field ? "." : "", field ? field : "", why);
    init_rc = O2P_EUNSUPPORTED;
    return -1;
}

static int kind_of(ProtobufCType t, uint8_t *esize)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_ENUM:
        *esize = 4;
        return K_VARINT;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_UINT64:
        *esize = 8;
        return K_VARINT;
    case PROTOBUF_C_TYPE_BOOL: *esize = sizeof(protobuf_c_boolean); return K_BOOL;
    case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_DOUBLE:
        *esize = 8;
        return K_I64;
    case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_FLOAT:
        *esize = 4;
        return K_I32;
    case PROTOBUF_C_TYPE_STRING: *esize = sizeof(char *); return K_STR;
    case PROTOBUF_C_TYPE_BYTES: *esize = sizeof(ProtobufCBinaryData); return K_BYTES;
    case PROTOBUF_C_TYPE_MESSAGE: *esize = sizeof(void *); return K_MSG;
    }
    return -1;
}

/* build - the table of d (and, first, of every message it refers to); its index or -1. */
static int build(const ProtobufCMessageDescriptor *d)
{
    for (int i = 0; i < nmsgs; i++)
        if (msgs[i].d == d)
            return i;
    if (nmsgs == MAX_MSGS)
        return init_fail(d, NULL, "more message types than the scanner's table holds");
    uint32_t max_id = 0;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (d->fields[i].id > max_id)
            max_id = d->fields[i].id;
    if (max_id > MAX_FIELD_ID)
        return init_fail(d, NULL, "a field number above 255");
    if (nfields + max_id + 1 > MAX_FIELDS)
        return init_fail(d, NULL, "more fields than the scanner's table holds");
    int mi = nmsgs++;
    struct smsg *m = &msgs[mi];
    m->d = d;
    m->nf = max_id + 1;
    m->first = nfields;
    nfields += m->nf;
    m->fixed = (uint32_t)round16(d->sizeof_message);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        struct sfield *f = &fields[m->first + fd->id];
        int k = kind_of(fd->type, &f->esize);
        if (k < 0)
            return init_fail(d, fd->name, "a field type the scanner does not know");
        if (fd->label == PROTOBUF_C_LABEL_REQUIRED)
            return init_fail(d, fd->name, "a required field (proto2)");
        f->rep = fd->label == PROTOBUF_C_LABEL_REPEATED;
        f->oneof = (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;
        if (f->rep)
            m->fixed += 16;
        if (k == K_MSG) {
            int sub = build(fd->descriptor);
            if (sub < 0)
                return -1;
            f->sub = (uint16_t)sub;
        }
        f->kind = (uint8_t)k; /* last: build() above may have failed half-way */
    }
    return mi;
}

static struct smsg *find(const ProtobufCMessageDescriptor *d)
{
    for (int i = 0; i < nmsgs; i++)
        if (msgs[i].d == d)
            return &msgs[i];
    init_fail(d, NULL, "not reachable from the Export requests");
    return NULL;
}

/* role_field - give field `name` of m the role r; it must exist with the expected shape. */
static int role_field(struct smsg *m, const char *name, enum field_role r)
{
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(m->d, name);
    if (!fd)
        return init_fail(m->d, name, "the field the receiver checks is gone");
    bool want_points = r == F_POINTS;
    if (want_points ? (fd->type != PROTOBUF_C_TYPE_MESSAGE || fd->label != PROTOBUF_C_LABEL_REPEATED)
                    : (fd->type != PROTOBUF_C_TYPE_BYTES || fd->label == PROTOBUF_C_LABEL_REPEATED))
        return init_fail(m->d, name, "the field the receiver checks changed type");
    fields[m->first + fd->id].role = (uint8_t)r;
    return 0;
}

static void init_tables(void)
{
    roots[O2P_SIGNAL_LOGS] = build(&opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor);
    if (roots[O2P_SIGNAL_LOGS] >= 0)
        roots[O2P_SIGNAL_TRACES] = build(&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor);
    if (init_rc == O2P_OK)
        roots[O2P_SIGNAL_METRICS] = build(&opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor);
    if (init_rc != O2P_OK)
        return;
    struct smsg *m = find(&opentelemetry__proto__common__v1__any_value__descriptor);
    if (!m)
        return;
    m->role = R_ANY;
    m = find(&opentelemetry__proto__logs__v1__log_record__descriptor);
    if (!m || role_field(m, "trace_id", F_ID0) || role_field(m, "span_id", F_ID1))
        return;
    m->role = R_LOG_RECORD;
    m = find(&opentelemetry__proto__trace__v1__span__descriptor);
    if (!m || role_field(m, "trace_id", F_ID0) || role_field(m, "span_id", F_ID1) ||
        role_field(m, "parent_span_id", F_ID2))
        return;
    m->role = R_SPAN;
    m = find(&opentelemetry__proto__metrics__v1__metric__descriptor);
    if (!m)
        return;
    m->role = R_METRIC;
    /* Every message member of Metric's data oneof is a data type whose data_points count. */
    const ProtobufCMessageDescriptor *md = m->d;
    for (unsigned i = 0; i < md->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &md->fields[i];
        if (!(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        if (fd->type != PROTOBUF_C_TYPE_MESSAGE) {
            init_fail(md, fd->name, "a data oneof member that is not a message");
            return;
        }
        struct smsg *dm = find(fd->descriptor);
        if (!dm)
            return;
        dm->role = R_DATA;
        if (role_field(dm, "data_points", F_POINTS))
            return;
    }
}

int otlp_scan_self_check(struct o2p_error *err)
{
    pthread_once(&once, init_tables);
    if (init_rc != O2P_OK)
        return o2p_fail(err, init_rc, "%s", init_msg);
    return O2P_OK;
}

/* ---- the scan -------------------------------------------------------------------------- */

struct scan {
    const uint8_t *base;
    enum o2p_signal sig;
    struct otlp_scan_result *out;
    struct o2p_error *err;
};

/* What a message tells its parent. */
struct mout {
    size_t ids[3];    /* F_ID0..F_ID2: length of the last value */
    uint64_t points;  /* R_DATA: data_points seen */
};

static const char *const req_name[O2P_SIGNAL_COUNT] = {"Logs", "Trace", "Metrics"};

static int bad(struct scan *s, const struct smsg *m, const uint8_t *at, const char *what, uint32_t fn)
{
    return o2p_fail(s->err, O2P_EINVAL,
                    "malformed protobuf: the body is not a valid OTLP Export%sServiceRequest (%s, field %u of %s at byte %zu)",
                    req_name[s->sig], what, (unsigned)fn, m->d->short_name, (size_t)(at - s->base));
}

static void reject(struct scan *s, const char *what, size_t got)
{
    if (s->out->rejected++ == 0)
        snprintf(s->out->first_problem, sizeof s->out->first_problem, "%s of %zu bytes", what, got);
}

/* packed - a packed repeated scalar of kind k, n bytes at p: its element count, or -1. */
static int64_t packed(int k, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    int64_t c = 0;
    uint64_t v;
    switch (k) {
    case K_VARINT:
        while (p < end) {
            if (!otlp_wire_varint(&p, end, &v))
                return -1;
            c++;
        }
        return c;
    case K_BOOL:
        for (; p < end; p++)
            if (*p > 1)
                return -1;
        return (int64_t)n;
    case K_I64: return n % 8 ? -1 : (int64_t)(n / 8);
    case K_I32: return n % 4 ? -1 : (int64_t)(n / 4);
    }
    return -1;
}

static int scan_msg(struct scan *s, const struct smsg *m, const uint8_t *p, size_t n, int any_depth, int nest,
                    struct mout *o)
{
    if (m->role == R_ANY && ++any_depth > OTLP_MAX_ANY_DEPTH)
        return o2p_fail(s->err, O2P_EINVAL, "AnyValue nested deeper than %d levels (at byte %zu of the Export%sServiceRequest)",
                        OTLP_MAX_ANY_DEPTH, (size_t)(p - s->base), req_name[s->sig]);
    if (nest > SCAN_MAX_NEST)
        return o2p_fail(s->err, O2P_EINVAL, "protobuf messages nested deeper than %d levels (at byte %zu of the Export%sServiceRequest)",
                        SCAN_MAX_NEST, (size_t)(p - s->base), req_name[s->sig]);
    struct otlp_scan_result *r = s->out;
    const uint8_t *end = p + n;
    uint64_t seen = 0, members = 0, unknown = 0, points = 0;
    uint64_t decoded = m->fixed;
    while (p < end) {
        const uint8_t *at = p;
        uint32_t fn;
        int wt;
        if (!otlp_wire_tag(&p, end, &fn, &wt))
            return bad(s, m, at, "bad tag", 0);
        members++;
        const struct sfield *f = fn < m->nf ? &fields[m->first + fn] : &unknown_field;
        const uint8_t *vp;
        size_t vn;
        uint64_t v;
        if (f->kind == K_UNKNOWN) {
            const uint8_t *vs = p;
            if (!otlp_wire_skip(&p, end, wt))
                return bad(s, m, at, "malformed unknown field", fn);
            unknown++;
            decoded += round16((size_t)(p - vs));
            continue;
        }
        if (f->rep && wt == OTLP_WT_LEN && f->kind != K_STR && f->kind != K_BYTES && f->kind != K_MSG) {
            if (!otlp_wire_len(&p, end, &vp, &vn))
                return bad(s, m, at, "bad length", fn);
            int64_t c = packed(f->kind, vp, vn);
            if (c < 0)
                return bad(s, m, at, "bad packed repeated value", fn);
            decoded += (uint64_t)c * f->esize;
            continue;
        }
        if (f->rep)
            decoded += f->esize;
        switch (f->kind) {
        case K_VARINT:
            if (wt != OTLP_WT_VARINT || !otlp_wire_varint(&p, end, &v))
                return bad(s, m, at, wt != OTLP_WT_VARINT ? "wrong wire type" : "bad varint", fn);
            break;
        case K_BOOL: /* protobuf-c takes a bool of any wire type */
            if (!otlp_wire_skip(&p, end, wt))
                return bad(s, m, at, "malformed value", fn);
            break;
        case K_I64:
            if (wt != OTLP_WT_I64 || end - p < 8)
                return bad(s, m, at, wt != OTLP_WT_I64 ? "wrong wire type" : "truncated fixed64", fn);
            p += 8;
            break;
        case K_I32:
            if (wt != OTLP_WT_I32 || end - p < 4)
                return bad(s, m, at, wt != OTLP_WT_I32 ? "wrong wire type" : "truncated fixed32", fn);
            p += 4;
            break;
        case K_STR:
        case K_BYTES:
            if (wt != OTLP_WT_LEN || !otlp_wire_len(&p, end, &vp, &vn))
                return bad(s, m, at, wt != OTLP_WT_LEN ? "wrong wire type" : "bad length", fn);
            decoded += f->kind == K_STR ? round16(vn + 1) : round16(vn);
            if (f->kind == K_STR && vn && memchr(vp, 0, vn))
                r->string_nul = true;
            if (f->role >= F_ID0 && f->role <= F_ID2)
                o->ids[f->role - F_ID0] = vn;
            break;
        case K_MSG: {
            if (wt != OTLP_WT_LEN || !otlp_wire_len(&p, end, &vp, &vn))
                return bad(s, m, at, wt != OTLP_WT_LEN ? "wrong wire type" : "bad length", fn);
            if (!f->rep && !f->oneof) {
                if (fn >= 64 || (seen >> fn & 1))
                    r->merged = true;
                seen |= fn < 64 ? (uint64_t)1 << fn : 0;
            }
            const struct smsg *sm = &msgs[f->sub];
            struct mout so = {{0}, 0};
            int rc = scan_msg(s, sm, vp, vn, any_depth, nest + 1, &so);
            if (rc != O2P_OK)
                return rc;
            if (m->role == R_METRIC && sm->role == R_DATA)
                points = so.points; /* the last member of the oneof wins */
            if (f->role == F_POINTS)
                o->points++;
            break;
        }
        }
    }
    if (members > 16)
        decoded += 64 * members; /* protobuf-c's scanned-member slabs past the first 16 */
    if (unknown)
        decoded += round16(unknown * sizeof(ProtobufCMessageUnknownField));
    r->decoded_bytes += decoded;
    switch (m->role) {
    case R_LOG_RECORD:
        if (o->ids[0] != 0 && o->ids[0] != 16)
            reject(s, "log record trace_id", o->ids[0]);
        else if (o->ids[1] != 0 && o->ids[1] != 8)
            reject(s, "log record span_id", o->ids[1]);
        else
            r->records++;
        break;
    case R_SPAN:
        if (o->ids[0] != 16)
            reject(s, "span trace_id", o->ids[0]);
        else if (o->ids[1] != 8)
            reject(s, "span span_id", o->ids[1]);
        else if (o->ids[2] != 0 && o->ids[2] != 8)
            reject(s, "span parent_span_id", o->ids[2]);
        else
            r->records++;
        break;
    case R_METRIC: r->records += points; break;
    default: break;
    }
    return O2P_OK;
}

int otlp_scan(enum o2p_signal sig, const uint8_t *p, size_t n, struct otlp_scan_result *out,
              struct o2p_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = otlp_scan_self_check(err);
    if (rc != O2P_OK)
        return rc;
    if ((unsigned)sig >= O2P_SIGNAL_COUNT)
        return o2p_fail(err, O2P_EINVAL, "unknown signal %d", (int)sig);
    struct scan s = {.base = p, .sig = sig, .out = out, .err = err};
    struct mout o = {{0}, 0};
    return scan_msg(&s, &msgs[roots[sig]], p, n, 0, 0, &o);
}
