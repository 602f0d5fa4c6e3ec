/*
 * iceberg_avro.h - the small Avro we need for Iceberg manifests and manifest lists: a binary
 * encoder (zigzag varints, strings, bytes, unions, arrays), an Object Container File writer
 * with our own header (so the schema JSON keeps field-id/element-id/logicalType verbatim and
 * the Iceberg metadata keys can be added, which avro-c cannot do), and a schema-driven reader
 * that decodes any container file into jansson values, in each codec the Avro spec names:
 * null, deflate, snappy (raw Snappy + CRC32 of the block, common/snappy.h) and zstandard
 * (one or more zstd frames) - other engines and catalog maintenance write all four. We write
 * null and deflate only.
 *
 * Encoder functions append to a struct buf and return O2P_OK, O2P_ETOOBIG (the buffer's
 * ceiling) or O2P_ENOMEM. They never fail half-way in a way the caller must undo: on error the
 * caller discards the buffer.
 */
#ifndef O2P_ICEBERG_AVRO_H
#define O2P_ICEBERG_AVRO_H

#include "common/buf.h"
#include "common/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AVRO_SYNC_BYTES 16

/* The "avro.codec" values, by their names in the Avro spec: "null", "deflate", "snappy",
 * "zstandard". */
enum iceberg_avro_codec { AVRO_CODEC_NULL = 0, AVRO_CODEC_DEFLATE, AVRO_CODEC_SNAPPY, AVRO_CODEC_ZSTANDARD };

/* ---- binary encoding (Avro spec "Binary Encoding") --------------------------------------- */
int iceberg_avro_put_long(struct buf *b, int64_t v);    /* zigzag varint; int uses the same encoding */
int iceberg_avro_put_int(struct buf *b, int32_t v);
int iceberg_avro_put_bool(struct buf *b, bool v);       /* one byte 0/1 */
int iceberg_avro_put_double(struct buf *b, double v);   /* 8 bytes little endian */
int iceberg_avro_put_bytes(struct buf *b, const void *p, size_t n);  /* long length + raw bytes */
int iceberg_avro_put_string(struct buf *b, const char *s);           /* UTF-8, no NUL */
/* iceberg_avro_put_union - the branch index of a union value; the value follows. */
int iceberg_avro_put_union(struct buf *b, int branch);
/* Arrays are written by the caller as one block: iceberg_avro_put_long(count) (if count > 0), the
 * items, then iceberg_avro_put_long(0). */

/* One key of the container file's metadata map. value is text (len 0 = strlen(value)). */
struct iceberg_avro_meta {
    const char *key;
    const char *value;
    size_t len;
};

/*
 * iceberg_avro_ocf_write - append a complete Object Container File to `out`: magic "Obj\x01", the
 * metadata map (avro.schema = schema_json verbatim, avro.codec, then meta[0..nmeta)), the sync
 * marker, and one data block holding `count` records whose binary encoding is body[0..len)
 * (deflate = raw RFC 1951, as the Avro spec requires). count 0 writes no block.
 * O2P_ETOOBIG, O2P_ENOMEM, O2P_EIO (zlib failure), O2P_EUNSUPPORTED for a codec other than
 * null or deflate (the reader's extra codecs are for files others wrote).
 */
int iceberg_avro_ocf_write(struct buf *out, const char *schema_json, enum iceberg_avro_codec codec,
                   const struct iceberg_avro_meta *meta, size_t nmeta, const uint8_t sync[AVRO_SYNC_BYTES],
                   const uint8_t *body, size_t len, int64_t count, struct o2p_error *err);

/* ---- reading ------------------------------------------------------------------------------ */

/* A decoded container file. All members are owned by it (iceberg_avro_file_free). */
struct iceberg_avro_file {
    json_t *meta;     /* object: key -> string (raw bytes; Iceberg keys are text) */
    json_t *schema;   /* the parsed avro.schema */
    json_t *records;  /* array of decoded records */
    enum iceberg_avro_codec codec;
};

/*
 * iceberg_avro_read - decode the container file data[0..len). Values map to jansson: null, boolean,
 * int/long (json_integer, exact int64), float/double (real), string, bytes/fixed (string of
 * lowercase hex), enum (symbol string), record (object by field name), array, map (object),
 * union (the branch's value). At most max_records records (O2P_ETOOBIG beyond); decompressed
 * blocks are capped at max_block bytes in every codec (O2P_ETOOBIG beyond: checked against a
 * snappy block's declared length or a zstd frame's content size before allocating, and while
 * inflating). O2P_ECORRUPT with the reason and the block number for a malformed file - a bad
 * deflate, snappy or zstd stream, a snappy block whose CRC32 does not match its data, a
 * truncated zstd frame; O2P_EUNSUPPORTED for a codec outside the four (bzip2, xz), O2P_ENOMEM.
 */
int iceberg_avro_read(const uint8_t *data, size_t len, size_t max_records, size_t max_block,
              struct iceberg_avro_file *out, struct o2p_error *err);
void iceberg_avro_file_free(struct iceberg_avro_file *f);

/* iceberg_avro_meta_get - a metadata value as a NUL-terminated string, or NULL. Valid while f is. */
const char *iceberg_avro_meta_get(const struct iceberg_avro_file *f, const char *key);

/* iceberg_avro_hex_decode - decode a hex string made by iceberg_avro_read into out (at most cap bytes);
 * returns the byte count or -1 if malformed/too long. */
int iceberg_avro_hex_decode(const char *hex, uint8_t *out, size_t cap);

#endif
