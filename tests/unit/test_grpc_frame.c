/*
 * test_grpc_frame.c - the pure gRPC helpers of receiver_grpc_frame.c: Length-Prefixed-Message
 * parsing (one message per unary call, limits, truncation), Export paths, grpc-message
 * percent-encoding and the status mapping.
 */
#include "receiver/receiver_grpc.h"
#include "testing.h"

static size_t frame(uint8_t *out, uint8_t flag, const char *msg, size_t n)
{
    out[0] = flag;
    out[1] = (uint8_t)(n >> 24);
    out[2] = (uint8_t)(n >> 16);
    out[3] = (uint8_t)(n >> 8);
    out[4] = (uint8_t)n;
    memcpy(out + 5, msg, n);
    return n + 5;
}

TEST(parse_one_message)
{
    uint8_t b[64] = {0};
    struct grpc_msg m;
    size_t n = frame(b, 0, "hello", 5);
    CHECK_EQ_INT(receiver_grpc_frame_parse(b, n, 100, &m, NULL), O2P_OK);
    CHECK(!m.compressed);
    CHECK_EQ_INT(m.len, 5);
    CHECK(memcmp(m.data, "hello", 5) == 0);
    n = frame(b, 1, "zz", 2);
    CHECK_EQ_INT(receiver_grpc_frame_parse(b, n, 100, &m, NULL), O2P_OK);
    CHECK(m.compressed);
}

TEST(parse_empty_message_is_valid)
{
    uint8_t b[8] = {0};
    struct grpc_msg m;
    size_t n = frame(b, 0, "", 0);
    CHECK_EQ_INT(receiver_grpc_frame_parse(b, n, 100, &m, NULL), O2P_OK);
    CHECK_EQ_INT(m.len, 0);
}

TEST(parse_rejects_framing_errors)
{
    uint8_t b[64] = {0};
    struct grpc_msg m;
    struct o2p_error err = {0};
    CHECK_EQ_INT(receiver_grpc_frame_parse(b, 0, 100, &m, &err), O2P_EPROTO);
    size_t n = frame(b, 0, "hello", 5);
    CHECK_EQ_INT(receiver_grpc_frame_parse(b, 3, 100, &m, &err), O2P_EPROTO);     /* short prefix */
    CHECK_EQ_INT(receiver_grpc_frame_parse(b, n - 1, 100, &m, &err), O2P_EPROTO); /* truncated */
    n += frame(b + n, 0, "x", 1);                                        /* second message */
    CHECK_EQ_INT(receiver_grpc_frame_parse(b, n, 100, &m, &err), O2P_EPROTO);
    CHECK(strstr(err.msg, "more than one message") != NULL);
    n = frame(b, 2, "hello", 5);
    CHECK_EQ_INT(receiver_grpc_frame_parse(b, n, 100, &m, &err), O2P_EPROTO);     /* bad flag */
}

TEST(limits)
{
    uint8_t b[64] = {0};
    struct grpc_msg m;
    struct o2p_error err = {0};
    size_t n = frame(b, 0, "hello", 5);
    CHECK_EQ_INT(receiver_grpc_frame_parse(b, n, 4, &m, &err), O2P_ETOOBIG);
    CHECK(strstr(err.msg, "max_request_bytes") != NULL);
    size_t len = 0;
    b[1] = 0xff; /* declares ~4 GiB: refused from the prefix alone */
    CHECK_EQ_INT(receiver_grpc_frame_peek(b, 5, 16 << 20, &len, NULL), O2P_ETOOBIG);
    CHECK_EQ_INT(receiver_grpc_frame_peek(b, 4, 16 << 20, &len, NULL), O2P_EAGAIN);
    frame(b, 0, "hello", 5);
    CHECK_EQ_INT(receiver_grpc_frame_peek(b, 5, 16 << 20, &len, NULL), O2P_OK);
    CHECK_EQ_INT(len, 5);
}

TEST(paths)
{
    const char *t = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    const char *l = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
    const char *m = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
    CHECK_EQ_INT(receiver_grpc_frame_path_signal((const uint8_t *)t, strlen(t)), O2P_SIGNAL_TRACES);
    CHECK_EQ_INT(receiver_grpc_frame_path_signal((const uint8_t *)l, strlen(l)), O2P_SIGNAL_LOGS);
    CHECK_EQ_INT(receiver_grpc_frame_path_signal((const uint8_t *)m, strlen(m)), O2P_SIGNAL_METRICS);
    CHECK_EQ_INT(receiver_grpc_frame_path_signal((const uint8_t *)t, strlen(t) - 1), -1);
    CHECK_EQ_INT(receiver_grpc_frame_path_signal((const uint8_t *)"/x/Export", 9), -1);
}

TEST(percent_encoding)
{
    char out[32];
    CHECK_EQ_INT(receiver_grpc_frame_percent_encode("plain text", out, sizeof out), 10);
    CHECK_EQ_STR(out, "plain text");
    receiver_grpc_frame_percent_encode("100% \xc3\xa9\n", out, sizeof out);
    CHECK_EQ_STR(out, "100%25 %C3%A9%0A");
    /* truncation never splits an escape */
    CHECK_EQ_INT(receiver_grpc_frame_percent_encode("ab%", out, 5), 2);
    CHECK_EQ_STR(out, "ab");
    receiver_grpc_frame_percent_encode(NULL, out, sizeof out);
    CHECK_EQ_STR(out, "");
}

TEST(status_mapping)
{
    CHECK_EQ_INT(receiver_grpc_frame_status_for_error(O2P_OK), 0);
    CHECK_EQ_INT(receiver_grpc_frame_status_for_error(O2P_EINVAL), 3);
    CHECK_EQ_INT(receiver_grpc_frame_status_for_error(O2P_EPROTO), 3);
    CHECK_EQ_INT(receiver_grpc_frame_status_for_error(O2P_ETOOBIG), 8);
    CHECK_EQ_INT(receiver_grpc_frame_status_for_error(O2P_EFULL), 14);
    CHECK_EQ_INT(receiver_grpc_frame_status_for_error(O2P_EIO), 13);
    CHECK_EQ_INT(receiver_grpc_frame_status_for_error(O2P_ENOMEM), 13);
    CHECK_EQ_STR(receiver_grpc_frame_reason_for_status(14), "spool_full");
}

int main(void)
{
    RUN(parse_one_message);
    RUN(parse_empty_message_is_valid);
    RUN(parse_rejects_framing_errors);
    RUN(limits);
    RUN(paths);
    RUN(percent_encoding);
    RUN(status_mapping);
    return testing_done();
}
