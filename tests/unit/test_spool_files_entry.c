/*
 * test_spool_files_entry.c - the files-queue entry (spooler/spool_files_entry.h): what the old
 * hand-formatting writer left in spools still decodes (and encodes again to the same bytes),
 * hostile strings survive a round trip, and every required member missing, every wrong type,
 * every out-of-range number and every truncation is refused with the member named.
 */
#include "testing.h"

#include "spooler/spool_files_entry.h"

#include <jansson.h>
#include <stdlib.h>

/* What the writer before spool_files_entry.c printed (writer_file.c entry_json, commit
 * 6dec783), byte for byte: an hourly traces file, a double column with nans, a string column
 * with bounds, a column without bounds. */
static const char OLD[] =
    "{\"table\":\"traces\",\"key\":\"data/timestamp_hour=2026-11-21-07/traces-0123456789abcdef-"
    "0000000000000001-0000000000000014.parquet\",\"location\":\"file:///var/lib/o2p/warehouse/otel/traces/data/"
    "timestamp_hour=2026-11-21-07/traces-0123456789abcdef-0000000000000001-0000000000000014.parquet\","
    "\"format\":\"parquet\",\"size\":12345,\"records\":1000,\"partition\":{\"source\":\"timestamp\",\"transform\":\"hour\","
    "\"name\":\"timestamp_hour\",\"value\":489919,\"text\":\"2026-11-21-07\"},"
    "\"claim\":{\"signal\":\"traces\",\"first\":1,\"last\":20},\"columns\":["
    "{\"id\":1,\"size\":100,\"values\":1000,\"nulls\":0,\"lower\":\"AAECAwQFBgc=\",\"upper\":\"AQECAwQFBgc=\"},"
    "{\"id\":5,\"size\":80,\"values\":1000,\"nulls\":3,\"lower\":\"YWJj\",\"upper\":\"YWJkZQ==\"},"
    "{\"id\":13,\"size\":9,\"values\":1000,\"nulls\":0,\"nans\":2,\"lower\":\"AAAAAAAA8D8=\",\"upper\":\"AAAAAAAAAEA=\"},"
    "{\"id\":19,\"size\":7,\"values\":10,\"nulls\":10}]}";

static int decode_str(const char *s, struct spool_files_entry *e, struct o2p_error *err)
{
    return spool_files_entry_decode(s, strlen(s), e, err);
}

TEST(old_hand_formatted_entry_decodes)
{
    struct spool_files_entry e;
    struct o2p_error err = {0};
    CHECK_EQ_INT(decode_str(OLD, &e, &err), O2P_OK);
    CHECK_EQ_STR(e.table, "traces");
    CHECK(strncmp(e.key, "data/timestamp_hour=2026-11-21-07/traces-", 41) == 0);
    CHECK(strncmp(e.location, "file:///var/lib/o2p/warehouse/otel/traces/data/", 47) == 0);
    CHECK_EQ_INT(e.size, 12345);
    CHECK_EQ_INT(e.records, 1000);
    CHECK_EQ_STR(e.partition.source, "timestamp");
    CHECK_EQ_STR(e.partition.transform, "hour");
    CHECK_EQ_STR(e.partition.name, "timestamp_hour");
    CHECK_EQ_INT(e.partition.value, 489919);
    CHECK_EQ_STR(e.partition.text, "2026-11-21-07");
    CHECK_EQ_INT(e.claim.signal, O2P_SIGNAL_TRACES);
    CHECK_EQ_INT(e.claim.first, 1);
    CHECK_EQ_INT(e.claim.last, 20);
    CHECK_EQ_INT(e.ncolumns, 4);
    CHECK(e.columns[0].has_bounds && e.columns[0].lower_len == 8 && e.columns[0].lower[7] == 7);
    CHECK(e.columns[1].upper_len == 4 && memcmp(e.columns[1].upper, "abde", 4) == 0);
    CHECK_EQ_INT(e.columns[1].nans, -1);
    CHECK_EQ_INT(e.columns[2].nans, 2);
    CHECK(!e.columns[3].has_bounds && e.columns[3].nulls == 10);
    /* And the new writer's bytes for the same file are the old ones. */
    struct buf b;
    buf_init(&b, 0);
    CHECK_EQ_INT(spool_files_entry_encode(&e, &b, &err), O2P_OK);
    CHECK_EQ_INT(b.len, strlen(OLD));
    CHECK(memcmp(b.data, OLD, b.len) == 0);
    buf_free(&b);
    spool_files_entry_free(&e);
    CHECK(e.key == NULL && e.columns == NULL);
    spool_files_entry_free(&e); /* twice is harmless */
}

static void same_entry(const struct spool_files_entry *a, const struct spool_files_entry *b, int *ok)
{
    *ok = !strcmp(a->table, b->table) && !strcmp(a->key, b->key) && !strcmp(a->location, b->location) &&
          a->size == b->size && a->records == b->records && !memcmp(&a->partition, &b->partition, sizeof a->partition) &&
          a->claim.signal == b->claim.signal && a->claim.first == b->claim.first && a->claim.last == b->claim.last &&
          a->ncolumns == b->ncolumns;
    for (size_t i = 0; *ok && i < a->ncolumns; i++) {
        const struct spool_files_entry_column *x = &a->columns[i], *y = &b->columns[i];
        *ok = x->id == y->id && x->size == y->size && x->values == y->values && x->nulls == y->nulls &&
              x->nans == y->nans && x->has_bounds == y->has_bounds &&
              (!x->has_bounds || (x->lower_len == y->lower_len && x->upper_len == y->upper_len &&
                                  !memcmp(x->lower, y->lower, x->lower_len) && !memcmp(x->upper, y->upper, x->upper_len)));
    }
}

static struct spool_files_entry base(char *key, char *loc, struct spool_files_entry_column *cols, size_t n)
{
    struct spool_files_entry e = {.key = key, .location = loc, .size = 4096, .records = 7, .columns = cols,
                                  .ncolumns = n};
    strcpy(e.table, "logs");
    strcpy(e.partition.source, "timestamp");
    strcpy(e.partition.transform, "day");
    strcpy(e.partition.name, "timestamp_day");
    strcpy(e.partition.text, "2026-11-21");
    e.partition.value = 20413;
    e.claim.signal = O2P_SIGNAL_LOGS;
    e.claim.first = 5;
    e.claim.last = 9;
    return e;
}

/* round_trip - encode, check the text is printable JSON, decode, compare. */
static int round_trip(const struct spool_files_entry *e, char *why, size_t cap)
{
    struct buf b;
    buf_init(&b, 0);
    struct o2p_error err = {0};
    int rc = spool_files_entry_encode(e, &b, &err);
    if (rc != O2P_OK) {
        snprintf(why, cap, "encode: %s", err.msg);
        buf_free(&b);
        return 0;
    }
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] < 0x20) {
            snprintf(why, cap, "raw control byte 0x%02x at %zu", b.data[i], i);
            buf_free(&b);
            return 0;
        }
    struct spool_files_entry d;
    rc = spool_files_entry_decode(b.data, b.len, &d, &err);
    buf_free(&b);
    if (rc != O2P_OK) {
        snprintf(why, cap, "decode: %s", err.msg);
        return 0;
    }
    int ok;
    same_entry(e, &d, &ok);
    spool_files_entry_free(&d);
    if (!ok)
        snprintf(why, cap, "decoded entry differs");
    return ok;
}

TEST(hostile_strings_round_trip)
{
    char ctl[40];
    int n = 0;
    for (int c = 1; c < 0x20; c++)
        ctl[n++] = (char)c;
    ctl[n] = 0;
    char key[64], loc[256], why[600];
    struct spool_files_entry_column cols[2] = {{.id = 1, .size = 3, .values = 7, .nulls = 0, .nans = -1,
                                                .has_bounds = true, .lower_len = 0, .upper_len = 64},
                                               {.id = 2, .size = 0, .values = 0, .nulls = 0, .nans = 0}};
    for (int i = 0; i < 64; i++)
        cols[0].upper[i] = (uint8_t)(0xff - i);
    const char *const hostile[] = {
        "q\"uote", "back\\slash", "\\\"", "\"", "\\", "\\u0000", "\\n", "%s%n", "</script>",
        "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9d\x84\x9e \xef\xbf\xbf", "\x7f", ctl,
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        snprintf(key, sizeof key, "data/timestamp_day=2026-11-21/%s.parquet", hostile[i]);
        snprintf(loc, sizeof loc, "file:///w/we%sird/logs/%s", hostile[i], key);
        struct spool_files_entry e = base(key, loc, cols, 2);
        if (!round_trip(&e, why, sizeof why))
            FAILF("string %zu: %s", i, why);
    }
    /* Very long: the longest key and location allowed, made of characters that need escaping. */
    char *lkey = malloc(SPOOL_FILES_ENTRY_KEY_MAX), *lloc = malloc(SPOOL_FILES_ENTRY_LOCATION_MAX + 1);
    CHECK(lkey && lloc);
    memset(lkey, '"', SPOOL_FILES_ENTRY_KEY_MAX - 1);
    lkey[SPOOL_FILES_ENTRY_KEY_MAX - 1] = 0;
    memset(lloc, '\\', SPOOL_FILES_ENTRY_LOCATION_MAX - 1);
    lloc[SPOOL_FILES_ENTRY_LOCATION_MAX - 1] = 0;
    struct spool_files_entry e = base(lkey, lloc, cols, 2);
    int ok = round_trip(&e, why, sizeof why);
    /* One byte more is refused by encode, naming the member. */
    lloc[SPOOL_FILES_ENTRY_LOCATION_MAX - 1] = '\\';
    lloc[SPOOL_FILES_ENTRY_LOCATION_MAX] = 0;
    struct buf b;
    buf_init(&b, 0);
    struct o2p_error err = {0};
    int rc = spool_files_entry_encode(&e, &b, &err);
    buf_free(&b);
    free(lkey);
    free(lloc);
    if (!ok)
        FAILF("long strings: %s", why);
    CHECK_EQ_INT(rc, O2P_EINVAL);
    CHECK(strstr(err.msg, ": location: ") != NULL);
}

TEST(encode_refuses_what_decode_would)
{
    struct spool_files_entry_column col = {.id = 1, .nans = -1};
    struct buf b;
    buf_init(&b, 0);
    struct o2p_error err = {0};
    char key[] = "data/k.parquet", loc[] = "file:///w/\xff\xfe/k.parquet";
    struct spool_files_entry e = base(key, loc, &col, 1);
    CHECK_EQ_INT(spool_files_entry_encode(&e, &b, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, "location: not valid UTF-8") != NULL);
    char ok_loc[] = "file:///w/k.parquet";
    e.location = ok_loc;
    col.id = 0;
    CHECK_EQ_INT(spool_files_entry_encode(&e, &b, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, "columns[0].id") != NULL);
    col.id = 1;
    e.claim.signal = O2P_SIGNAL_METRICS;
    CHECK_EQ_INT(spool_files_entry_encode(&e, &b, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, "claim.signal") != NULL);
    e.claim.signal = O2P_SIGNAL_LOGS;
    e.key = NULL;
    CHECK_EQ_INT(spool_files_entry_encode(&e, &b, &err), O2P_EINVAL);
    CHECK(strstr(err.msg, ": key: ") != NULL);
    e.key = key;
    b.len = 0;
    CHECK_EQ_INT(spool_files_entry_encode(&e, &b, &err), O2P_OK);
    struct buf small;
    buf_init(&small, 16);
    CHECK_EQ_INT(spool_files_entry_encode(&e, &small, &err), O2P_ETOOBIG);
    buf_free(&small);
    buf_free(&b);
}

/* mutate - OLD with one member changed (value = NULL: removed); path "a.b" or "columns.N.m". */
static char *mutate(const char *path, json_t *value)
{
    json_t *root = json_loads(OLD, 0, NULL);
    json_t *o = root;
    char p[64];
    snprintf(p, sizeof p, "%s", path);
    char *last = p, *dot;
    while ((dot = strchr(last, '.')) != NULL) {
        *dot = 0;
        o = json_is_array(o) ? json_array_get(o, (size_t)atoi(last)) : json_object_get(o, last);
        last = dot + 1;
    }
    if (value)
        json_object_set_new(o, last, value);
    else
        json_object_del(o, last);
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}

/* refused - decoding text fails with O2P_ECORRUPT, the message names the member and the entry. */
static int refused(const char *text, const char *member, char *why, size_t cap)
{
    struct spool_files_entry e;
    struct o2p_error err = {0};
    int rc = decode_str(text, &e, &err);
    if (rc != O2P_ECORRUPT) {
        snprintf(why, cap, "rc %d (%s)", rc, err.msg);
        if (rc == O2P_OK)
            spool_files_entry_free(&e);
        return 0;
    }
    char want[80];
    snprintf(want, sizeof want, ": %s: ", member);
    if (!strstr(err.msg, want) || !strstr(err.msg, "files entry ")) {
        snprintf(why, cap, "message \"%s\" does not name %s", err.msg, member);
        return 0;
    }
    if (e.key || e.location || e.columns) {
        snprintf(why, cap, "left memory behind");
        return 0;
    }
    return 1;
}

static const char *const REQUIRED[] = {
    "table", "key", "location", "format", "size", "records", "partition", "partition.source",
    "partition.transform", "partition.name", "partition.value", "partition.text", "claim", "claim.signal",
    "claim.first", "claim.last", "columns", "columns.0.id", "columns.0.size", "columns.0.values", "columns.0.nulls",
};

TEST(every_required_member_missing)
{
    char why[700];
    for (size_t i = 0; i < sizeof REQUIRED / sizeof REQUIRED[0]; i++) {
        char *s = mutate(REQUIRED[i], NULL);
        char member[64];
        snprintf(member, sizeof member, "%s", REQUIRED[i]);
        if (!strncmp(member, "columns.0.", 10))
            snprintf(member, sizeof member, "columns[0].%s", REQUIRED[i] + 10);
        int ok = refused(s, member, why, sizeof why);
        free(s);
        if (!ok)
            FAILF("without %s: %s", REQUIRED[i], why);
    }
    /* Optional members may go: nans, and lower with upper together; unknown members are ignored. */
    const char *const optional[] = {"columns.2.nans", "columns.0.lower"};
    for (int i = 0; i < 2; i++) {
        char *s = mutate(optional[i], NULL);
        if (i == 1) {
            json_t *r = json_loads(s, 0, NULL);
            json_object_del(json_array_get(json_object_get(r, "columns"), 0), "upper");
            free(s);
            s = json_dumps(r, JSON_COMPACT);
            json_decref(r);
        }
        struct spool_files_entry e;
        struct o2p_error err = {0};
        int rc = decode_str(s, &e, &err);
        free(s);
        if (rc != O2P_OK)
            FAILF("without %s: %s", optional[i], err.msg);
        spool_files_entry_free(&e);
    }
    char *s = mutate("written_by", json_string("a newer writer"));
    struct spool_files_entry e;
    int rc = decode_str(s, &e, NULL);
    free(s);
    CHECK_EQ_INT(rc, O2P_OK);
    spool_files_entry_free(&e);
}

TEST(wrong_types)
{
    char why[700];
    const char *const members[] = {
        "table", "key", "location", "format", "size", "records", "partition", "partition.source",
        "partition.transform", "partition.name", "partition.value", "partition.text", "claim", "claim.signal",
        "claim.first", "claim.last", "columns", "columns.0.id", "columns.0.size", "columns.0.values",
        "columns.0.nulls", "columns.2.nans", "columns.0.lower", "columns.0.upper",
    };
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        const char *m = members[i];
        bool is_int = strstr("size records partition.value claim.first claim.last columns.0.id columns.0.size "
                             "columns.0.values columns.0.nulls columns.2.nans", m) != NULL && strcmp(m, "partition") &&
                      strcmp(m, "claim");
        json_t *wrong[] = {is_int ? json_string("12") : json_integer(12), json_real(1.0), json_true(), json_null(),
                           json_array(), !strcmp(m, "partition") || !strcmp(m, "claim") ? json_string("x")
                                                                                         : json_object()};
        char member[64];
        snprintf(member, sizeof member, "%s", m);
        if (!strncmp(m, "columns.", 8))
            snprintf(member, sizeof member, "columns[%c].%s", m[8], m + 10);
        for (size_t j = 0; j < sizeof wrong / sizeof wrong[0]; j++) {
            if (!strcmp(m, "columns") && json_is_array(wrong[j])) {
                json_decref(wrong[j]); /* an empty column list is a valid file description */
                continue;
            }
            char *s = mutate(m, wrong[j]);
            int ok = refused(s, member, why, sizeof why);
            if (!ok) {
                FAILF("%s = %s: %s", m, s, why);
            }
            free(s);
        }
    }
    /* A column that is not an object; an entry that is not an object. */
    char *s = mutate("columns", json_pack("[i]", 1));
    CHECK(refused(s, "columns[0]", why, sizeof why));
    free(s);
    CHECK(refused("[1,2]", "entry", why, sizeof why));
    CHECK(refused("\"text\"", "entry", why, sizeof why));
}

TEST(out_of_range)
{
    struct {
        const char *path, *member;
        json_t *value;
    } cases[] = {
        {"size", "size", json_integer(-1)},
        {"records", "records", json_integer(-5)},
        {"partition.value", "partition.value", json_integer(2147483648LL)},
        {"partition.value", "partition.value", json_integer(-2147483649LL)},
        {"partition.transform", "partition.transform", json_string("month")},
        {"partition.source", "partition.source", json_string("time_unix")},
        {"partition.name", "partition.name", json_string("timestamp_day")},
        {"partition.text", "partition.text", json_string("2026-11-21")},
        {"partition.text", "partition.text", json_string("2026-11-2a-07")},
        {"partition.text", "partition.text", json_string("2026-11-21-07-00-00-00-00-00")},
        {"table", "table", json_string("spans")},
        {"table", "partition.source", json_string("metrics_sum")},  /* partitioned by time_unix */
        {"key", "key", json_string("")},
        {"location", "location", json_string("")},
        {"format", "format", json_string("orc")},
        {"claim.signal", "claim.signal", json_string("profiles")},
        {"claim.signal", "claim.signal", json_string("logs")},
        {"claim.first", "claim.first", json_integer(-1)},
        {"claim.first", "claim", json_integer(21)},
        {"columns.0.id", "columns[0].id", json_integer(0)},
        {"columns.0.id", "columns[0].id", json_integer(2147483648LL)},
        {"columns.0.size", "columns[0].size", json_integer(-1)},
        {"columns.0.values", "columns[0].values", json_integer(-1)},
        {"columns.0.nulls", "columns[0].nulls", json_integer(-1)},
        {"columns.2.nans", "columns[2].nans", json_integer(-1)},
        {"columns.0.lower", "columns[0].lower", json_string("@@@@")},
        {"columns.0.lower", "columns[0].lower", json_string("YWJ")},
        {"columns.0.lower", "columns[0].lower", json_string("YR==")},      /* unused bits set */
        {"columns.0.lower", "columns[0].lower", json_string("Y=Jj")},      /* padding inside */
        {"columns.0.lower", "columns[0].lower", json_string(" YWJj")},
        {"columns.0.lower", "columns[0].lower",
         json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")}, /* 66 bytes */
        {"columns.0.upper", "columns[0].upper", NULL},                     /* lower without upper */
    };
    char why[700];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = mutate(cases[i].path, cases[i].value);
        int ok = refused(s, cases[i].member, why, sizeof why);
        free(s);
        if (!ok)
            FAILF("case %zu (%s): %s", i, cases[i].path, why);
    }
    /* Largest values in range decode. */
    char *s = mutate("size", json_integer(INT64_MAX));
    struct spool_files_entry e;
    struct o2p_error err = {0};
    int rc = decode_str(s, &e, &err);
    free(s);
    CHECK_EQ_INT(rc, O2P_OK);
    CHECK(e.size == INT64_MAX);
    spool_files_entry_free(&e);
    /* Too many columns. */
    json_t *cols = json_array();
    for (int i = 0; i <= SPOOL_FILES_ENTRY_COLUMNS_MAX; i++)
        json_array_append_new(cols, json_pack("{s:i,s:i,s:i,s:i}", "id", i + 1, "size", 0, "values", 0, "nulls", 0));
    s = mutate("columns", cols);
    CHECK(refused(s, "columns", why, sizeof why));
    free(s);
}

TEST(not_json_duplicates_and_truncation)
{
    char why[700];
    CHECK(refused("", "entry", why, sizeof why));
    CHECK(refused("nope", "entry", why, sizeof why));
    char dup[sizeof OLD + 32];
    snprintf(dup, sizeof dup, "{\"size\":1,%s", OLD + 1);
    CHECK(refused(dup, "entry", why, sizeof why));
    char trail[sizeof OLD + 8];
    snprintf(trail, sizeof trail, "%s {}", OLD);
    CHECK(refused(trail, "entry", why, sizeof why));
    char *s = mutate("location", json_stringn("file:///a\0b", 11));
    CHECK(s == NULL || refused(s, "entry", why, sizeof why));
    free(s);
    /* The old writer's text for a location with a '"': never JSON, refused with the reason. */
    const char *q = "{\"table\":\"logs\",\"key\":\"data/k\",\"location\":\"file:///w/we\"ird/data/k\",\"format\":\"parquet\"}";
    CHECK(refused(q, "entry", why, sizeof why));
    /* Every truncation of a valid entry is refused (and leaks nothing under the sanitizers). */
    size_t n = strlen(OLD);
    for (size_t len = 0; len < n; len++) {
        struct spool_files_entry e;
        struct o2p_error err = {0};
        int rc = spool_files_entry_decode(OLD, len, &e, &err);
        if (rc != O2P_ECORRUPT)
            FAILF("prefix of %zu bytes: rc %d", len, rc);
        if (!strstr(err.msg, "files entry "))
            FAILF("prefix of %zu bytes: message \"%s\"", len, err.msg);
    }
    /* An entry far over the size limit is refused before parsing. */
    CHECK_EQ_INT(spool_files_entry_decode(OLD, SPOOL_FILES_ENTRY_BYTES_MAX + 1, &(struct spool_files_entry){0}, NULL),
                 O2P_ECORRUPT);
}

TEST(error_names_the_entry)
{
    struct spool_files_entry e;
    struct o2p_error err = {0};
    char *s = mutate("columns.1.lower", json_string("%%%%"));
    CHECK_EQ_INT(decode_str(s, &e, &err), O2P_ECORRUPT);
    free(s);
    CHECK(strstr(err.msg, "files entry data/timestamp_hour=2026-11-21-07/traces-0123456789abcdef-") == err.msg);
    CHECK(strstr(err.msg, ": columns[1].lower: not base64") != NULL);
    /* Without a key, the location names it; without either, it says so. */
    s = mutate("key", json_integer(1));
    CHECK_EQ_INT(decode_str(s, &e, &err), O2P_ECORRUPT);
    free(s);
    CHECK(strstr(err.msg, "(key unreadable): key: must be a string") != NULL);
}

/* Writers of either table.column_names naming queue entries; both partition sources pass, a
 * name that mixes them does not. */
TEST(both_namings_accepted)
{
    char key[] = "data/Timestamp_day=2026-11-21/logs-1.parquet", loc[] = "file:///w/logs-1.parquet", why[200];
    struct spool_files_entry e = base(key, loc, NULL, 0);
    CHECK(round_trip(&e, why, sizeof why));
    strcpy(e.partition.source, "Timestamp");
    strcpy(e.partition.name, "Timestamp_day");
    if (!round_trip(&e, why, sizeof why))
        FAILF("ClickHouse-named partition refused: %s", why);
    strcpy(e.partition.name, "timestamp_day");
    struct buf b;
    buf_init(&b, 0);
    struct o2p_error err = {0};
    CHECK(spool_files_entry_encode(&e, &b, &err) != O2P_OK);
    buf_free(&b);
}

int main(void)
{
    RUN(old_hand_formatted_entry_decodes);
    RUN(hostile_strings_round_trip);
    RUN(encode_refuses_what_decode_would);
    RUN(every_required_member_missing);
    RUN(wrong_types);
    RUN(out_of_range);
    RUN(not_json_duplicates_and_truncation);
    RUN(error_names_the_entry);
    RUN(both_namings_accepted);
    return testing_done();
}
