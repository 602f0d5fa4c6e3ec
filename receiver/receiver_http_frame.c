/*
 * receiver_http_frame.c - HTTP/1.1 request framing checked byte by byte (RFC 9112), ahead of
 * evhttp, so that evhttp only ever parses requests whose boundaries every conforming reader
 * agrees on. Owns nothing; keeps O(1) state per connection (struct http_frame) whatever the
 * size of a line or body; does no I/O.
 *
 * What is checked, per request:
 *   request-line = method SP request-target SP "HTTP/1." DIGIT CRLF   (method a token; the
 *                  target visible ASCII; another major version is 505)
 *   field-line   = token ":" OWS *( VCHAR / obs-text / SP / HTAB ) CRLF
 *   body         = Content-Length octets, or chunked:
 *                  *( 1*HEXDIG [ BWS ";" chunk-ext ] CRLF data CRLF ) "0" [ ext ] CRLF trailers CRLF
 * and the framing fields:
 *   Content-Length     digits only; repeated only with the same value
 *   Transfer-Encoding  once, exactly the one coding "chunked" (other codings before it: 501;
 *                      not ending in chunked: 400), never with Content-Length, never in HTTP/1.0
 *   HEAD, TRACE and methods evhttp does not know carry no body (evhttp never reads one there,
 *   so it would parse the body as the next request)
 *   trailers carry no framing, content or authorization field (evhttp merges trailers into
 *   the request's headers, where on_request would believe them)
 *
 * Stricter than the RFC where a lenient reading is how smuggling works: lines end in CRLF
 * only (a bare LF, which the RFC lets a recipient accept, is 400: a proxy that does not accept
 * it reads different fields), obs-fold is 400 (RFC 9112 §5.2 allows that), and whitespace
 * before a colon is 400 (§5.1 requires it). Empty lines before a request line are skipped
 * (§2.2).
 *
 * Where legal syntax would be misread by evhttp 2.1, the bytes are rewritten in place before
 * evhttp sees them: chunk extensions (evhttp takes "5;a=b" for a bad size) become spaces;
 * commas in Transfer-Encoding too, since the only value accepted is the single coding chunked
 * and evhttp compares the whole value to "chunked" (empty list elements must be ignored, RFC
 * 9110 §5.6.1); and tabs before a field value, which libevent 2.1.12's own source does not
 * strip (Debian's build does), so that "\tchunked" is chunked to any build.
 *
 * Deliberately not checked: Host, the target's URI syntax and header-section size (evhttp
 * does those, answering 400 and closing); Expect (evhttp answers 100 or 417).
 *
 * States: CONN_START -> REQ_START -> METHOD -> TARGET_START -> TARGET -> VERSION -> LF
 * (request line) -> FIELD_START <-> NAME -> VALUE_OWS -> VALUE -> LF ... FIELD_START -> LF
 * (headers_done) -> BODY | CHUNK_SIZE [-> CHUNK_EXT] -> LF -> CHUNK_DATA -> CHUNK_DATA_END
 * -> LF -> CHUNK_SIZE ... "0" -> FIELD_START (trailers) -> LF -> REQ_START. Every error goes
 * to DEAD (refuse), which is final.
 */
#include "receiver/receiver_http_frame.h"

#include "common/hex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
    S_CONN_START, S_REQ_START, S_METHOD, S_TARGET_START, S_TARGET, S_VERSION, S_LF, S_FIELD_START,
    S_NAME, S_VALUE_OWS, S_VALUE, S_BODY, S_CHUNK_SIZE, S_CHUNK_EXT, S_CHUNK_DATA, S_CHUNK_DATA_END,
    S_DEAD,
};

/* What the LF ending the current line completes. */
enum { L_EMPTY, L_REQUEST_LINE, L_FIELD, L_HEADERS_END, L_CHUNK_SIZE, L_CHUNK_DATA, L_TRAILERS_END };

enum { F_OTHER, F_CONTENT_LENGTH, F_TRANSFER_ENCODING, F_HEADER_ONLY };

#define CHUNK_EXT_MAX 4096 /* extension bytes per chunk line: nobody needs more */

static int refuse(struct http_frame *f, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(struct http_frame *f, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
    f->status = status;
    f->state = S_DEAD;
    return status;
}

static bool is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* is_field_vchar - VCHAR or obs-text: what a field value holds besides SP and HTAB. */
static bool is_field_vchar(uint8_t c) { return (c > 0x20 && c < 0x7f) || c >= 0x80; }


static uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c; }

static bool name_is(const struct http_frame *f, const char *want)
{
    size_t n = strlen(want);
    return f->name_len == n && !memcmp(f->name, want, n);
}

/* method_may_have_body - evhttp 2.1 reads a body only for these (evhttp_method_may_have_body). */
static bool method_may_have_body(const struct http_frame *f)
{
    static const char *const with_body[] = {"GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT"};
    for (size_t i = 0; i < sizeof with_body / sizeof *with_body; i++)
        if (f->method_len == strlen(with_body[i]) && !memcmp(f->method, with_body[i], f->method_len))
            return true;
    return false;
}

static int bare_lf(struct http_frame *f)
{
    return refuse(f, 400, "a line ending in a bare LF: HTTP/1.1 lines end in CRLF (refused: a proxy may read the "
                          "fields differently)");
}

static void request_reset(struct http_frame *f)
{
    f->http10 = false;
    f->method_len = 0;
    f->in_trailer = false;
    f->cl_count = 0;
    f->cl = 0;
    f->te_fields = f->te_codings = f->te_chunked = 0;
    f->te_last_chunked = false;
    f->te_other[0] = 0;
    f->body = 0;
}

/* te_element_end - one transfer coding of a Transfer-Encoding list has been read. */
static void te_element_end(struct http_frame *f)
{
    if (f->elem_len == 0 && !f->elem_params) /* an empty list element: ignored */
        return;
    bool chunked = !f->elem_params && f->elem_len == 7 && !memcmp(f->elem, "chunked", 7);
    f->te_codings++;
    if (chunked)
        f->te_chunked++;
    f->te_last_chunked = chunked;
    if (!chunked && !f->te_other[0]) {
        size_t n = f->elem_len < sizeof f->te_other - 1 ? f->elem_len : sizeof f->te_other - 1;
        memcpy(f->te_other, f->elem, n);
        f->te_other[n] = 0;
    }
    f->elem_len = 0;
    f->elem_params = false;
    f->value_ows = false;
}

/* te_byte - a byte of a Transfer-Encoding value after its leading whitespace. Parameters
 * (";q=...") are skipped unread: a coding with parameters is not plain chunked, so it is
 * refused whatever they say. */
static int te_byte(struct http_frame *f, uint8_t *b)
{
    uint8_t c = *b;
    if (c == ',') {
        *b = ' ';
        te_element_end(f);
        return 0;
    }
    if (f->elem_params)
        return 0;
    if (is_tchar(c) && !f->value_ows) {
        if (f->elem_len < sizeof f->elem)
            f->elem[f->elem_len] = (char)lower(c);
        if (f->elem_len < sizeof f->elem)
            f->elem_len++;
        return 0;
    }
    if (c == ' ' || c == '\t') {
        f->value_ows = f->elem_len > 0;
        return 0;
    }
    if (c == ';' && f->elem_len > 0) {
        f->elem_params = true;
        return 0;
    }
    return refuse(f, 400, "malformed Transfer-Encoding (byte '%c'): send Transfer-Encoding: chunked", c);
}

/* value_byte - a byte of a field value after its leading whitespace. */
static int value_byte(struct http_frame *f, uint8_t *b)
{
    uint8_t c = *b;
    if (f->field == F_CONTENT_LENGTH) {
        if (c >= '0' && c <= '9' && !f->value_ows) {
            /* Saturate: any value past max_body is refused whatever its size. */
            f->num = f->num > (UINT64_MAX - 9) / 10 ? UINT64_MAX : f->num * 10 + (uint64_t)(c - '0');
        } else if ((c == ' ' || c == '\t') && f->value_seen) {
            f->value_ows = true;
        } else {
            return refuse(f, 400, "Content-Length must be digits only (no sign, list or spaces inside): "
                                  "refused as a possible request-smuggling attempt");
        }
    } else if (f->field == F_TRANSFER_ENCODING) {
        int rc = te_byte(f, b);
        if (rc)
            return rc;
    }
    f->value_seen = true;
    return 0;
}

/* name_end - the colon after a field name: which field is this. */
static int name_end(struct http_frame *f)
{
    f->field = F_OTHER;
    if (name_is(f, "content-length"))
        f->field = F_CONTENT_LENGTH;
    else if (name_is(f, "transfer-encoding"))
        f->field = F_TRANSFER_ENCODING;
    else if (name_is(f, "content-type") || name_is(f, "content-encoding") || name_is(f, "authorization"))
        f->field = F_HEADER_ONLY;
    if (f->in_trailer && f->field != F_OTHER)
        return refuse(f, 400, "%.*s in the trailer of a chunked body: framing, content and authorization "
                              "fields are accepted in the header section only",
                      (int)f->name_len, f->name);
    f->value_seen = f->value_ows = false;
    f->num = 0;
    f->elem_len = 0;
    f->elem_params = false;
    f->state = S_VALUE_OWS;
    return 0;
}

static int field_end(struct http_frame *f)
{
    if (f->field == F_CONTENT_LENGTH) {
        if (!f->value_seen)
            return refuse(f, 400, "an empty Content-Length");
        if (f->cl_count > 0 && f->num != f->cl)
            return refuse(f, 400, "two Content-Length fields that differ (%llu and %llu): refused as a request-"
                                  "smuggling attempt",
                          (unsigned long long)f->cl, (unsigned long long)f->num);
        f->cl = f->num;
        f->cl_count++;
    } else if (f->field == F_TRANSFER_ENCODING) {
        te_element_end(f);
        f->te_fields++;
    }
    f->state = S_FIELD_START;
    return 0;
}

/* headers_done - the empty line after the header section: decide how the body is framed. */
static int headers_done(struct http_frame *f)
{
    if (f->te_fields) {
        if (f->http10)
            return refuse(f, 400, "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 section 6.1)");
        if (f->cl_count)
            return refuse(f, 400, "both Content-Length and Transfer-Encoding: refused as a request-smuggling attempt "
                                  "(RFC 9112 section 6.3)");
        if (f->te_fields > 1)
            return refuse(f, 400, "Transfer-Encoding given in %u fields: send Transfer-Encoding: chunked once",
                          (unsigned)f->te_fields);
        if (!f->te_codings)
            return refuse(f, 400, "an empty Transfer-Encoding");
        if (!f->te_last_chunked)
            return refuse(f, 400, "Transfer-Encoding '%s' does not end in chunked, so the body's length is unknown "
                                  "(RFC 9112 section 6.3)",
                          f->te_other);
        if (f->te_chunked > 1)
            return refuse(f, 400, "chunked given more than once in Transfer-Encoding");
        if (f->te_codings > 1)
            return refuse(f, 501, "transfer coding '%s' is not implemented: send Transfer-Encoding: chunked alone "
                                  "(and compress with Content-Encoding)",
                          f->te_other);
    }
    if ((f->te_fields || f->cl > 0) && !method_may_have_body(f))
        return refuse(f, 400, "a %.*s request with a body (Content-Length or Transfer-Encoding): refused, since "
                              "it would be read as the next request",
                      (int)f->method_len, f->method);
    if (f->te_fields) {
        f->state = S_CHUNK_SIZE;
        f->num = 0;
        f->pos = 0;
        return 0;
    }
    if (f->cl > f->max_body)
        return refuse(f, 413, "request body of %llu bytes is over receiver.max_request_bytes (%llu): send smaller "
                              "batches",
                      (unsigned long long)f->cl, (unsigned long long)f->max_body);
    if (f->cl > 0) {
        f->state = S_BODY;
        f->left = f->hold = f->cl;
    } else {
        f->state = S_REQ_START;
    }
    return 0;
}

/* line_end - the LF after a CR: finish what the line was. */
static int line_end(struct http_frame *f)
{
    switch (f->lf_then) {
    case L_EMPTY: f->state = S_REQ_START; return 0;
    case L_REQUEST_LINE: f->state = S_FIELD_START; return 0;
    case L_FIELD: return field_end(f);
    case L_HEADERS_END: return headers_done(f);
    case L_CHUNK_SIZE:
        if (f->num == 0) { /* the last chunk: trailers follow */
            f->in_trailer = true;
            f->state = S_FIELD_START;
        } else {
            f->body += f->num;
            f->left = f->hold = f->num;
            f->state = S_CHUNK_DATA;
        }
        return 0;
    case L_CHUNK_DATA:
        f->state = S_CHUNK_SIZE;
        f->num = 0;
        f->pos = 0;
        return 0;
    default: /* L_TRAILERS_END */
        f->in_trailer = false;
        f->state = S_REQ_START;
        return 0;
    }
}

static int cr(struct http_frame *f, int lf_then)
{
    f->lf_then = lf_then;
    f->state = S_LF;
    return 0;
}

static int request_line_byte(struct http_frame *f, uint8_t c)
{
    switch (f->state) {
    case S_METHOD:
        if (c == ' ') {
            f->state = S_TARGET_START;
        } else if (is_tchar(c)) {
            if (f->method_len < sizeof f->method)
                f->method[f->method_len] = (char)c;
            if (f->method_len < sizeof f->method)
                f->method_len++;
        } else {
            return refuse(f, 400, "malformed request line: byte 0x%02x in the method", c);
        }
        return 0;
    case S_TARGET_START:
    case S_TARGET:
        if (c == ' ' && f->state == S_TARGET) {
            f->state = S_VERSION;
            f->pos = 0;
        } else if (c > 0x20 && c < 0x7f) {
            f->state = S_TARGET;
        } else {
            return refuse(f, 400, "malformed request line: byte 0x%02x in the request target", c);
        }
        return 0;
    default: /* S_VERSION: "HTTP/1.1" */
        if (f->pos < 5 && c != (uint8_t)"HTTP/"[f->pos])
            return refuse(f, 400, "malformed request line: no HTTP version after the target");
        if ((f->pos == 5 || f->pos == 7) && !(c >= '0' && c <= '9'))
            return refuse(f, 400, "malformed HTTP version");
        if (f->pos == 5 && c != '1')
            return refuse(f, 505, "HTTP/%c is not served here: this port speaks HTTP/1.1 (HTTP/2 and OTLP/gRPC are "
                                  "on receiver.grpc)",
                          c);
        if (f->pos == 6 && c != '.')
            return refuse(f, 400, "malformed HTTP version");
        if (f->pos == 7)
            f->http10 = c == '0';
        if (f->pos == 8) {
            if (c == '\r')
                return cr(f, L_REQUEST_LINE);
            return refuse(f, 400, c == '\n' ? "a request line ending in a bare LF: lines end in CRLF"
                                            : "malformed request line: bytes after the HTTP version");
        }
        f->pos++;
        return 0;
    }
}

static int chunk_line_byte(struct http_frame *f, uint8_t *b)
{
    uint8_t c = *b;
    if (f->state == S_CHUNK_SIZE) {
        int v = hex_digit(c);
        if (v >= 0) {
            f->num = f->num * 16 + (uint64_t)v;
            f->pos = 1;
            /* Checked per digit, so the sum never overflows: max_body is at most 1 GiB. */
            if (f->num > f->max_body - f->body)
                return refuse(f, 413, "chunked request body over receiver.max_request_bytes (%llu): send smaller "
                                      "batches",
                              (unsigned long long)f->max_body);
            return 0;
        }
        if (!f->pos)
            return c == '\n' ? bare_lf(f) : refuse(f, 400, "malformed chunk size (hex digits expected, byte 0x%02x)", c);
        if (c == '\r')
            return cr(f, L_CHUNK_SIZE);
        if (c != ';' && c != ' ' && c != '\t')
            return refuse(f, 400, "malformed chunk size (hex digits expected, byte 0x%02x)", c);
        f->state = S_CHUNK_EXT;
        f->ext_len = 0;
        f->ext_semi = false;
    }
    /* S_CHUNK_EXT: BWS ";" then the extension, all blanked for evhttp. */
    if (c == '\r') {
        if (!f->ext_semi)
            return refuse(f, 400, "malformed chunk line: whitespace after the size without an extension");
        return cr(f, L_CHUNK_SIZE);
    }
    if (c == '\n')
        return bare_lf(f);
    if (!f->ext_semi && c != ';' && c != ' ' && c != '\t')
        return refuse(f, 400, "malformed chunk line: byte 0x%02x after the size", c);
    if (c != ' ' && c != '\t' && !is_field_vchar(c))
        return refuse(f, 400, "a control character (0x%02x) in a chunk extension", c);
    if (++f->ext_len > CHUNK_EXT_MAX)
        return refuse(f, 400, "chunk extensions over %d bytes on one line", CHUNK_EXT_MAX);
    if (c == ';')
        f->ext_semi = true;
    *b = ' ';
    return 0;
}

/* step - one byte outside a body's data. */
static int step(struct http_frame *f, uint8_t *b)
{
    uint8_t c = *b;
    switch (f->state) {
    case S_CONN_START:
        if (f->plain && c == 0x16) /* a TLS record header: a handshake */
            return refuse(f, 400, "a TLS handshake on a port that speaks plain HTTP: use http:// here, or set "
                                  "receiver.tls_cert and receiver.tls_key for https://");
        f->state = S_REQ_START;
        return step(f, b);
    case S_REQ_START:
        if (c == '\r')
            return cr(f, L_EMPTY);
        if (c == '\n')
            return bare_lf(f);
        if (!is_tchar(c))
            return refuse(f, 400, "malformed request line: byte 0x%02x where a method starts", c);
        request_reset(f);
        f->state = S_METHOD;
        return request_line_byte(f, c);
    case S_METHOD:
    case S_TARGET_START:
    case S_TARGET:
    case S_VERSION: return request_line_byte(f, c);
    case S_LF:
        if (c != '\n')
            return refuse(f, 400, "a CR not followed by LF");
        return line_end(f);
    case S_FIELD_START:
        if (c == '\r')
            return cr(f, f->in_trailer ? L_TRAILERS_END : L_HEADERS_END);
        if (c == '\n')
            return bare_lf(f);
        if (c == ' ' || c == '\t')
            return refuse(f, 400, "obsolete line folding (a field line starting with whitespace): send each field "
                                  "on one line");
        if (!is_tchar(c))
            return refuse(f, 400, "malformed field line: byte 0x%02x where a field name starts", c);
        f->name_len = 0;
        f->state = S_NAME;
        return step(f, b);
    case S_NAME:
        if (c == ':')
            return name_end(f);
        if (c == ' ' || c == '\t')
            return refuse(f, 400, "whitespace between a field name and its colon (RFC 9112 section 5.1): refused as "
                                  "a request-smuggling attempt");
        if (!is_tchar(c))
            return refuse(f, 400, "malformed field name: byte 0x%02x", c);
        if (f->name_len < sizeof f->name)
            f->name[f->name_len] = (char)lower(c);
        if (f->name_len < sizeof f->name)
            f->name_len++;
        return 0;
    case S_VALUE_OWS:
    case S_VALUE:
        if (c == '\r')
            return cr(f, L_FIELD);
        if (c == '\n')
            return bare_lf(f);
        if (f->state == S_VALUE_OWS && (c == ' ' || c == '\t')) {
            *b = ' ';
            return 0;
        }
        if (c != ' ' && c != '\t' && !is_field_vchar(c))
            return refuse(f, 400, "a control character (0x%02x) in field %.*s", c, (int)f->name_len, f->name);
        f->state = S_VALUE;
        return value_byte(f, b);
    case S_CHUNK_SIZE:
    case S_CHUNK_EXT: return chunk_line_byte(f, b);
    case S_CHUNK_DATA_END:
        if (c == '\r')
            return cr(f, L_CHUNK_DATA);
        return refuse(f, 400, "chunk data longer than its chunk size (no CRLF after it)");
    default: return f->status;
    }
}

void receiver_http_frame_init(struct http_frame *f, uint64_t max_body, bool plain)
{
    memset(f, 0, sizeof *f);
    f->max_body = max_body;
    f->plain = plain;
    f->state = S_CONN_START;
}

int receiver_http_frame_feed(struct http_frame *f, uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && !f->status) {
        if (f->state == S_BODY || f->state == S_CHUNK_DATA) { /* data: skipped, not looked at */
            uint64_t take = f->left < n - i ? f->left : n - i;
            i += (size_t)take;
            f->left -= take;
            if (f->left == 0) {
                f->hold = 0;
                f->state = f->state == S_BODY ? S_REQ_START : S_CHUNK_DATA_END;
            }
            continue;
        }
        step(f, &p[i]);
        i++;
    }
    return f->status;
}

uint64_t receiver_http_frame_hold(const struct http_frame *f) { return f->hold; }
