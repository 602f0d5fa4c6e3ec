/*
 * objstore_s3_multipart.c - large objects: CreateMultipartUpload → UploadPart × N →
 * CompleteMultipartUpload, AbortMultipartUpload on any failure.
 *
 * Owns: the upload id and the part ETags of one upload, for the duration of one call.
 *
 * State machine (one call of objstore_s3_multipart_put):
 *   CREATED (create_upload) → PARTS (upload_part, one at a time, each retried by objstore_s3_request)
 *   → COMPLETED (complete_upload)          success: the object appears atomically
 *   any failure after CREATED → ABORTED (abort_upload, best effort; a bucket lifecycle rule
 *   for incomplete uploads cleans up what an abort could not)
 *
 * Invariants: parts are read from the file with pread one at a time (memory stays bounded by
 * the HTTP client's buffers, never the part or the file); every part's SHA-256 is signed; the
 * part size is OBJSTORE_S3_PART_SIZE, grown so no upload needs more than 10,000 parts; all
 * parts but the last are at least 5 MiB (S3's minimum) because the part size is.
 *
 * Failure behaviour: the first failing step's code and message (objstore_s3_fail); CompleteMultipart-
 * Upload's "200 OK with an <Error> body" is treated as that error (retried once when S3 says
 * InternalError/SlowDown). Never exits.
 */
#include "storage/objstore_int.h"
#include "common/log.h"
#include "storage/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETAG_MAX 256
#define XML_BODY_MAX (1u << 20)

struct upload {
    struct s3 *s;
    const char *key;
    char id[1024];
    char (*etags)[ETAG_MAX];
    unsigned nparts;
};

static int query_with_id(struct buf *q, const char *before, const char *id)
{
    int rc = buf_printf(q, "%s", before);
    if (rc == O2P_OK)
        rc = sigv4_uri_encode(q, id, false);
    return rc;
}

static int create_upload(struct upload *u, struct o2p_error *err)
{
    struct buf body;
    buf_init(&body, XML_BODY_MAX);
    struct http_header h[] = {{"Content-Type", "application/octet-stream"}};
    struct s3_call c = {.op = "CreateMultipartUpload", .method = "POST", .key = u->key,
                        .query = "uploads", .headers = h, .nheaders = 1, .out = &body};
    struct http_response resp;
    http_response_init(&resp, &body);
    int rc = objstore_s3_request(u->s, &c, &resp, err);
    if (rc == O2P_OK && resp.status != 200)
        rc = objstore_s3_fail(u->s, &c, &resp, err);
    if (rc == O2P_OK &&
        (!body.data || !objstore_s3_xml_text((char *)body.data, "UploadId", u->id, sizeof u->id) ||
         !u->id[0])) {
        char url[OBJSTORE_KEY_MAX + 300];
        objstore_s3_url(u->s, u->key, url, sizeof url);
        rc = o2p_fail(err, O2P_EPROTO, "s3 CreateMultipartUpload %s: no UploadId in the answer",
                      url);
    }
    http_response_free(&resp);
    buf_free(&body);
    return rc;
}

static int upload_part(struct upload *u, unsigned n, int fd, uint64_t off, uint64_t len,
                       const char *path, struct o2p_error *err)
{
    char hash[65];
    int rc = objstore_s3_sha256_fd(fd, off, len, hash, path, err);
    if (rc != O2P_OK)
        return rc;
    struct buf q;
    buf_init(&q, 8192);
    char part[32];
    snprintf(part, sizeof part, "partNumber=%u&uploadId=", n);
    rc = query_with_id(&q, part, u->id);
    if (rc != O2P_OK) {
        buf_free(&q);
        return o2p_fail(err, rc, "s3 UploadPart: %s", o2p_strerror(rc));
    }
    char op[48];
    snprintf(op, sizeof op, "UploadPart %u/%u", n, u->nparts);
    struct s3_call c = {.op = op, .method = "PUT", .key = u->key, .query = (char *)q.data,
                        .body_len = len, .body_from_fd = true, .body_fd = fd,
                        .body_offset = off, .payload_hash = hash};
    struct http_response resp;
    http_response_init(&resp, NULL);
    rc = objstore_s3_request(u->s, &c, &resp, err);
    if (rc == O2P_OK && resp.status != 200)
        rc = objstore_s3_fail(u->s, &c, &resp, err);
    if (rc == O2P_OK && !resp.etag[0]) {
        char url[OBJSTORE_KEY_MAX + 300];
        objstore_s3_url(u->s, u->key, url, sizeof url);
        rc = o2p_fail(err, O2P_EPROTO, "s3 %s %s: no ETag in the answer", op, url);
    }
    if (rc == O2P_OK)
        snprintf(u->etags[n - 1], ETAG_MAX, "%s", resp.etag);
    http_response_free(&resp);
    buf_free(&q);
    return rc;
}

/* xml_escape_append - ETags carry quotes; escape them for the XML body. */
static int xml_escape_append(struct buf *b, const char *s)
{
    int rc = O2P_OK;
    for (; *s && rc == O2P_OK; s++) {
        switch (*s) {
        case '"': rc = buf_printf(b, "&quot;"); break;
        case '&': rc = buf_printf(b, "&amp;"); break;
        case '<': rc = buf_printf(b, "&lt;"); break;
        case '>': rc = buf_printf(b, "&gt;"); break;
        default: rc = buf_append_byte(b, (uint8_t)*s);
        }
    }
    return rc;
}

static int complete_upload(struct upload *u, unsigned flags, struct o2p_error *err)
{
    struct buf xml, q, body;
    buf_init(&xml, (size_t)u->nparts * 400 + 256);
    buf_init(&q, 8192);
    buf_init(&body, XML_BODY_MAX);
    int rc = buf_printf(&xml, "<CompleteMultipartUpload "
                              "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    for (unsigned i = 0; i < u->nparts && rc == O2P_OK; i++) {
        rc = buf_printf(&xml, "<Part><PartNumber>%u</PartNumber><ETag>", i + 1);
        if (rc == O2P_OK)
            rc = xml_escape_append(&xml, u->etags[i]);
        if (rc == O2P_OK)
            rc = buf_printf(&xml, "</ETag></Part>");
    }
    if (rc == O2P_OK)
        rc = buf_printf(&xml, "</CompleteMultipartUpload>");
    if (rc == O2P_OK)
        rc = query_with_id(&q, "uploadId=", u->id);
    if (rc != O2P_OK) {
        rc = o2p_fail(err, rc, "s3 CompleteMultipartUpload: %s", o2p_strerror(rc));
        goto out;
    }
    struct http_header h[2];
    size_t nh = 0;
    h[nh++] = (struct http_header){"Content-Type", "application/xml"};
    if (flags & OBJSTORE_CREATE_ONLY)
        h[nh++] = (struct http_header){"If-None-Match", "*"};
    for (int attempt = 0; attempt < 2; attempt++) {
        struct s3_call c = {.op = "CompleteMultipartUpload", .method = "POST", .key = u->key,
                            .query = (char *)q.data, .headers = h, .nheaders = nh,
                            .body = xml.data, .body_len = xml.len, .out = &body};
        struct http_response resp;
        http_response_init(&resp, &body);
        buf_reset(&body);
        rc = objstore_s3_request(u->s, &c, &resp, err);
        if (rc == O2P_OK && resp.status != 200) {
            rc = objstore_s3_fail(u->s, &c, &resp, err);
        } else if (rc == O2P_OK && body.data && strstr((char *)body.data, "<Error>")) {
            /* S3 may answer 200 and report the failure in the body (it has already sent
             * the status while assembling the parts). */
            char code[64] = "";
            objstore_s3_xml_text((char *)body.data, "Code", code, sizeof code);
            bool again = !strcmp(code, "InternalError") || !strcmp(code, "SlowDown");
            buf_reset(&resp.error_body);
            buf_append(&resp.error_body, body.data, body.len);
            resp.status = again ? 503 : 400;
            rc = objstore_s3_fail(u->s, &c, &resp, err);
            if (again && attempt == 0) {
                http_response_free(&resp);
                continue;
            }
        }
        http_response_free(&resp);
        break;
    }
out:
    buf_free(&xml);
    buf_free(&q);
    buf_free(&body);
    return rc;
}

static void abort_upload(struct upload *u)
{
    struct buf q;
    buf_init(&q, 8192);
    if (query_with_id(&q, "uploadId=", u->id) == O2P_OK) {
        struct s3_call c = {.op = "AbortMultipartUpload", .method = "DELETE", .key = u->key,
                            .query = (char *)q.data};
        struct http_response resp;
        http_response_init(&resp, NULL);
        struct o2p_error e = {0};
        int rc = objstore_s3_request(u->s, &c, &resp, &e);
        if (rc == O2P_OK && resp.status != 204 && resp.status != 200 && resp.status != 404)
            rc = objstore_s3_fail(u->s, &c, &resp, &e);
        if (rc != O2P_OK)
            log_warn("objstore", "op=abort_multipart key=%s upload_id=%s err=\"%s\"", u->key,
                     u->id, e.msg);
        http_response_free(&resp);
    }
    buf_free(&q);
}

int objstore_s3_multipart_put(struct s3 *s, const char *key, int fd, uint64_t size, const char *path,
                     unsigned flags, struct o2p_error *err)
{
    uint64_t part = OBJSTORE_S3_PART_SIZE;
    if (size / part >= S3_MAX_PARTS)
        part = (size + S3_MAX_PARTS - 1) / S3_MAX_PARTS;
    struct upload u = {.s = s, .key = key};
    u.nparts = (unsigned)((size + part - 1) / part);
    if (u.nparts == 0)
        u.nparts = 1;
    u.etags = calloc(u.nparts, sizeof *u.etags);
    if (!u.etags)
        return o2p_fail(err, O2P_ENOMEM, "s3 multipart upload of %s: out of memory", key);
    int rc = create_upload(&u, err);
    if (rc == O2P_OK) {
        for (unsigned i = 0; i < u.nparts && rc == O2P_OK; i++) {
            uint64_t off = (uint64_t)i * part;
            uint64_t len = size - off < part ? size - off : part;
            rc = upload_part(&u, i + 1, fd, off, len, path, err);
        }
        if (rc == O2P_OK)
            rc = complete_upload(&u, flags, err);
        if (rc != O2P_OK)
            abort_upload(&u);
    }
    free(u.etags);
    return rc;
}
