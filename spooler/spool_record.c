/*
 * spool_record.c - the 32-byte header in front of every spooled OTLP request, and its check.
 *
 * The header lets a reader verify a value without trusting anything else in the spool: a
 * value that is too short, has the wrong magic or version, a length that disagrees with the
 * value's size, or a body whose CRC-32 differs is corrupt and goes to quarantine.
 */
#include "spooler/spool.h"

#include <string.h>
#include <zlib.h>

static void put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) { return get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }

void spool_record_encode(uint8_t out[SPOOL_HEADER_BYTES], enum o2p_signal sig,
                         uint64_t recv_time_ns, uint32_t record_count, const uint8_t *body,
                         uint32_t len)
{
    put_u32(out, SPOOL_RECORD_MAGIC);
    out[4] = SPOOL_RECORD_VERSION;
    out[5] = (uint8_t)sig;
    put_u16(out + 6, 0);
    put_u64(out + 8, recv_time_ns);
    put_u32(out + 16, record_count);
    put_u32(out + 20, len);
    put_u32(out + 24, (uint32_t)crc32_z(0, body, len));
    put_u32(out + 28, 0);
}

int spool_record_peek(const uint8_t *value, size_t value_len, struct spool_record_header *h)
{
    if (value_len < SPOOL_HEADER_BYTES || get_u32(value) != SPOOL_RECORD_MAGIC || value[4] != SPOOL_RECORD_VERSION ||
        value[5] >= O2P_SIGNAL_COUNT)
        return O2P_ECORRUPT;
    h->version = value[4];
    h->signal = value[5];
    h->flags = get_u16(value + 6);
    h->recv_time_ns = get_u64(value + 8);
    h->record_count = get_u32(value + 16);
    h->length = get_u32(value + 20);
    h->crc = get_u32(value + 24);
    return (size_t)h->length == value_len - SPOOL_HEADER_BYTES ? O2P_OK : O2P_ECORRUPT;
}

int spool_record_decode(const uint8_t *value, size_t value_len, struct spool_record_header *h,
                        const uint8_t **body, struct o2p_error *err)
{
    if (value_len < SPOOL_HEADER_BYTES)
        return o2p_fail(err, O2P_ECORRUPT, "record of %zu bytes is shorter than its header", value_len);
    if (get_u32(value) != SPOOL_RECORD_MAGIC)
        return o2p_fail(err, O2P_ECORRUPT, "bad magic 0x%08x", get_u32(value));
    h->version = value[4];
    if (h->version != SPOOL_RECORD_VERSION)
        return o2p_fail(err, O2P_ECORRUPT, "unknown record version %u", h->version);
    h->signal = value[5];
    if (h->signal >= O2P_SIGNAL_COUNT)
        return o2p_fail(err, O2P_ECORRUPT, "unknown signal %u", h->signal);
    h->flags = get_u16(value + 6);
    h->recv_time_ns = get_u64(value + 8);
    h->record_count = get_u32(value + 16);
    h->length = get_u32(value + 20);
    h->crc = get_u32(value + 24);
    if ((size_t)h->length != value_len - SPOOL_HEADER_BYTES)
        return o2p_fail(err, O2P_ECORRUPT, "header says %u body bytes, value holds %zu", h->length,
                        value_len - SPOOL_HEADER_BYTES);
    uint32_t crc = (uint32_t)crc32_z(0, value + SPOOL_HEADER_BYTES, h->length);
    if (crc != h->crc)
        return o2p_fail(err, O2P_ECORRUPT, "checksum 0x%08x, header says 0x%08x", crc, h->crc);
    *body = value + SPOOL_HEADER_BYTES;
    return O2P_OK;
}
