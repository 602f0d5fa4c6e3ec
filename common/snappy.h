/*
 * snappy.h - a decoder for raw Snappy data (google/snappy format_description.txt: a varint
 * uncompressed length, then literal and copy elements), the block format of the Avro codec
 * "snappy" in Iceberg manifests written by other engines.
 *
 * Promises: never reads past the input, never writes past the declared length, never
 * allocates more than the caller's ceiling; every malformed stream is O2P_ECORRUPT with the
 * byte offset of the element that broke a rule. No framing format (the "sNaPpY" stream
 * identifier and chunk CRCs) and no compressor: nothing here writes Snappy.
 *
 * Names: libavro pulls Debian's libsnappy into our programs, whose C API is
 * snappy_uncompress / snappy_uncompressed_length; ours differ so the two never collide.
 */
#ifndef O2P_SNAPPY_H
#define O2P_SNAPPY_H

#include "common/buf.h"
#include "common/err.h"

#include <stddef.h>
#include <stdint.h>

/*
 * snappy_decompress - decode the raw Snappy stream in[0..n) into out, replacing its contents.
 * max: the largest uncompressed length accepted (checked against the declared length before
 * anything is allocated). Returns O2P_OK with out->len the declared length; O2P_ETOOBIG when
 * the stream declares more than max bytes (or out's own ceiling is lower); O2P_ECORRUPT for a
 * bad length preamble, a declared length the input cannot produce (more than 22 bytes per
 * input byte), a truncated element, a copy with offset 0 or reaching before the start
 * of the output, an element that would write past the declared length, or a stream that ends
 * before the declared length is produced; O2P_ENOMEM. On error out->len is 0. err may be NULL.
 * Pure function of its input: no I/O, no global state, safe from any thread.
 */
int snappy_decompress(const uint8_t *in, size_t n, size_t max, struct buf *out, struct o2p_error *err);

#endif
