/*
 * cfg.c - parse, layer and validate configuration from the table in cfg_keys.c (see cfg.h).
 *
 * Layers are applied lowest first (defaults, file, environment, flags), each overwriting the
 * one before, so precedence falls out of the order of application.
 */
#include "common/cfg.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

extern char **environ;

static const struct cfg_key *find_key(const char *section, size_t slen, const char *key)
{
    for (int i = 0; i < cfg_key_count; i++) {
        const struct cfg_key *k = &cfg_keys[i];
        if (strlen(k->section) == slen && strncmp(k->section, section, slen) == 0 &&
            strcmp(k->key, key) == 0)
            return k;
    }
    return NULL;
}

/* Parse "<number><unit>" with unit multipliers; returns 0 on success. */
static int parse_scaled(const char *s, const char *const *units, const double *mult, int n,
                        double default_mult, double *out)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno != 0 || v < 0 || !isfinite(v))
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    double m = default_mult;
    if (*end) {
        int found = 0;
        for (int i = 0; i < n; i++) {
            if (strcasecmp(end, units[i]) == 0) {
                m = mult[i];
                found = 1;
                break;
            }
        }
        if (!found)
            return -1;
    }
    *out = v * m;
    return 0;
}

int cfg_parse_size(const char *s, uint64_t *out)
{
    static const char *const units[] = {"b", "k", "kb", "kib", "m", "mb", "mib", "g", "gb", "gib", "t", "tb", "tib"};
    static const double mult[] = {1, 1024, 1e3, 1024, 1048576, 1e6, 1048576, 1073741824, 1e9,
                                  1073741824, 1099511627776.0, 1e12, 1099511627776.0};
    double v;
    if (parse_scaled(s, units, mult, 13, 1, &v) != 0 || v > 1.8e19)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int cfg_parse_duration_ms(const char *s, uint64_t *out)
{
    static const char *const units[] = {"us", "ms", "s", "m", "h", "d"};
    static const double mult[] = {0.001, 1, 1000, 60000, 3600000, 86400000};
    double v;
    /* A bare number is seconds, as in most daemons' configuration. */
    if (parse_scaled(s, units, mult, 6, 1000, &v) != 0 || v > 1e15)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* host_name_ok - RFC 1123 host name syntax: labels of letters, digits and '-', 1-63 long,
 * not beginning or ending with '-', at most 253 characters in all (plus an optional final dot). */
static bool host_name_ok(const char *h, size_t n)
{
    if (n > 1 && h[n - 1] == '.')
        n--; /* a fully qualified name may end in the root's dot */
    if (n == 0 || n > 253)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = h[i];
        if (ch == '.') {
            if (label == 0 || h[i - 1] == '-')
                return false;
            label = 0;
        } else if (isalnum((unsigned char)ch) || ch == '-') {
            if (label == 0 && ch == '-')
                return false;
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0 && h[n - 1] != '-';
}

int cfg_addr_split(const char *key, const char *addr, char *host, size_t hostsz, uint16_t *port,
                   struct o2p_error *err)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || !colon[1])
        return o2p_fail(err, O2P_EINVAL, "%s = \"%s\": expected host:port (127.0.0.1:4318, [::1]:4318, or :4318 "
                        "for every address)", key, addr);
    const char *digits = colon + 1;
    size_t nd = strspn(digits, "0123456789");
    unsigned long p = nd > 0 && nd <= 5 ? strtoul(digits, NULL, 10) : 65536;
    if (digits[nd] != 0 || p > 65535)
        return o2p_fail(err, O2P_EINVAL, "%s = \"%s\": the port must be a number from 0 to 65535", key, addr);
    const char *h = addr;
    size_t hl = (size_t)(colon - addr);
    char text[256];
    if (hl >= sizeof text || hl >= hostsz)
        return o2p_fail(err, O2P_EINVAL, "%s = \"%s\": host name too long", key, addr);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        struct in6_addr a6;
        memcpy(text, h + 1, hl - 2);
        text[hl - 2] = 0;
        if (inet_pton(AF_INET6, text, &a6) != 1)
            return o2p_fail(err, O2P_EINVAL, "%s = \"%s\": \"%s\" is not an IPv6 address", key, addr, text);
    } else {
        memcpy(text, h, hl);
        text[hl] = 0;
        struct in_addr a4;
        if (memchr(text, ':', hl) || memchr(text, '[', hl) || memchr(text, ']', hl))
            return o2p_fail(err, O2P_EINVAL, "%s = \"%s\": an IPv6 address goes in brackets, as in [::1]:4318",
                            key, addr);
        /* All digits and dots can only mean IPv4: "999.1.1.1" is not a host name either. */
        if (hl > 0 && strspn(text, "0123456789.") == hl) {
            if (inet_pton(AF_INET, text, &a4) != 1)
                return o2p_fail(err, O2P_EINVAL, "%s = \"%s\": \"%s\" is not an IPv4 address", key, addr, text);
        } else if (hl > 0 && !host_name_ok(text, hl)) {
            return o2p_fail(err, O2P_EINVAL, "%s = \"%s\": \"%s\" is neither an IP address nor a host name", key,
                            addr, text);
        }
    }
    snprintf(host, hostsz, "%s", text);
    *port = (uint16_t)p;
    return O2P_OK;
}

static int set_value(struct o2p_config *c, const struct cfg_key *k, const char *value,
                     const char *origin, struct o2p_error *err)
{
    void *field = (char *)c + k->offset;
    if (strcmp(origin, "default") != 0)
        c->explicit_keys[k - cfg_keys] = 1;
    uint64_t u = 0;
    double d = 0;
    switch (k->type) {
    case CFG_STRING: {
        char *copy = strdup(value);
        if (!copy)
            return o2p_fail(err, O2P_ENOMEM, "out of memory");
        free(*(char **)field);
        *(char **)field = copy;
        return O2P_OK;
    }
    case CFG_ADDR: {
        char key[128], host[256];
        uint16_t port;
        snprintf(key, sizeof key, "%s.%s", k->section, k->key);
        if (*value && cfg_addr_split(key, value, host, sizeof host, &port, err) != O2P_OK)
            return o2p_error_prefix(err, "%s", origin);
        char *copy = strdup(value);
        if (!copy)
            return o2p_fail(err, O2P_ENOMEM, "out of memory");
        free(*(char **)field);
        *(char **)field = copy;
        return O2P_OK;
    }
    case CFG_ENUM: {
        size_t vl = strlen(value);
        const char *p = k->choices;
        while (*p) {
            const char *bar = strchr(p, '|');
            size_t len = bar ? (size_t)(bar - p) : strlen(p);
            if (len == vl && strncmp(p, value, len) == 0) {
                char *copy = strdup(value);
                if (!copy)
                    return o2p_fail(err, O2P_ENOMEM, "out of memory");
                free(*(char **)field);
                *(char **)field = copy;
                return O2P_OK;
            }
            p += len + (bar ? 1 : 0);
        }
        return o2p_fail(err, O2P_EINVAL, "%s: %s.%s = \"%s\": must be one of %s", origin,
                        k->section, k->key, value, k->choices);
    }
    case CFG_BOOL:
        if (!strcasecmp(value, "true") || !strcmp(value, "1") || !strcasecmp(value, "yes") ||
            !strcasecmp(value, "on"))
            *(bool *)field = true;
        else if (!strcasecmp(value, "false") || !strcmp(value, "0") || !strcasecmp(value, "no") ||
                 !strcasecmp(value, "off"))
            *(bool *)field = false;
        else
            return o2p_fail(err, O2P_EINVAL, "%s: %s.%s = \"%s\": must be true or false", origin,
                            k->section, k->key, value);
        return O2P_OK;
    case CFG_SIZE:
        if (cfg_parse_size(value, &u) != 0)
            return o2p_fail(err, O2P_EINVAL,
                            "%s: %s.%s = \"%s\": not a size (examples: 65536, 512KiB, 128MiB, 4GiB)",
                            origin, k->section, k->key, value);
        d = (double)u;
        break;
    case CFG_DURATION:
        if (cfg_parse_duration_ms(value, &u) != 0)
            return o2p_fail(err, O2P_EINVAL,
                            "%s: %s.%s = \"%s\": not a duration (examples: 500ms, 10s, 5m, 1h)",
                            origin, k->section, k->key, value);
        d = (double)u;
        break;
    case CFG_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (end == value || *end || errno)
            return o2p_fail(err, O2P_EINVAL, "%s: %s.%s = \"%s\": not an integer", origin,
                            k->section, k->key, value);
        d = (double)v;
        break;
    }
    case CFG_RATIO: {
        char *end;
        errno = 0;
        d = strtod(value, &end);
        if (end != value && *end == '%' && end[1] == 0) {
            d /= 100.0;
            end++;
        }
        if (end == value || *end || errno || !isfinite(d))
            return o2p_fail(err, O2P_EINVAL, "%s: %s.%s = \"%s\": not a fraction (0.9 or 90%%)",
                            origin, k->section, k->key, value);
        break;
    }
    }
    if (d < k->min || d > k->max)
        return o2p_fail(err, O2P_EINVAL, "%s: %s.%s = \"%s\" is out of range [%g, %g]%s", origin,
                        k->section, k->key, value, k->min, k->max,
                        k->type == CFG_SIZE ? " bytes" : k->type == CFG_DURATION ? " ms" : "");
    switch (k->type) {
    case CFG_SIZE:
    case CFG_DURATION: *(uint64_t *)field = u; break;
    case CFG_INT: *(int64_t *)field = (int64_t)d; break;
    case CFG_RATIO: *(double *)field = d; break;
    default: break;
    }
    return O2P_OK;
}

/* set_header - catalog.header.<Name> = value: an extra header on every catalog request
 * (Polaris-Realm, a gateway's API key). Name is an RFC 9110 token; the value has no control
 * characters, so neither can split the request. Kept as "Name: value\n" lines; a name given
 * again replaces nothing (both are sent), so it is refused. */
static int set_header(struct o2p_config *c, const char *name, const char *value, const char *origin,
                      struct o2p_error *err)
{
    size_t nl = strlen(name);
    if (nl == 0 || nl > 128)
        return o2p_fail(err, O2P_EINVAL, "%s: catalog.header.%s: a header name of 1-128 characters", origin, name);
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("!#$%&'*+-.^_`|~", *p))
            return o2p_fail(err, O2P_EINVAL, "%s: catalog.header.%s: '%c' is not allowed in a header name",
                            origin, name, *p);
    for (const char *p = value; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            return o2p_fail(err, O2P_EINVAL, "%s: catalog.header.%s: control character in the value", origin, name);
    if (strlen(value) > 4096)
        return o2p_fail(err, O2P_EINVAL, "%s: catalog.header.%s: value longer than 4096 bytes", origin, name);
    size_t old = c->catalog.headers ? strlen(c->catalog.headers) : 0;
    for (const char *l = c->catalog.headers; l && *l; l = strchr(l, '\n') + 1)
        if (!strncasecmp(l, name, nl) && l[nl] == ':')
            return o2p_fail(err, O2P_EINVAL, "%s: catalog.header.%s is set twice", origin, name);
    char *h = realloc(c->catalog.headers, old + nl + strlen(value) + 4);
    if (!h)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    sprintf(h + old, "%s: %s\n", name, value);
    c->catalog.headers = h;
    return O2P_OK;
}

int cfg_set(struct o2p_config *c, const char *name, const char *value, const char *origin,
            struct o2p_error *err)
{
    if (!strncmp(name, "catalog.header.", 15))
        return set_header(c, name + 15, value, origin, err);
    const char *dot = strchr(name, '.');
    if (!dot)
        return o2p_fail(err, O2P_EINVAL, "%s: \"%s\": expected section.key", origin, name);
    const struct cfg_key *k = find_key(name, (size_t)(dot - name), dot + 1);
    if (!k)
        return o2p_fail(err, O2P_EINVAL,
                        "%s: unknown configuration key \"%s\" (see `otlp2parquet config --defaults`)",
                        origin, name);
    return set_value(c, k, value, origin, err);
}

struct ini_ctx {
    struct o2p_config *c;
    const char *path;
    struct o2p_error *err;
    int rc;
};

static int on_ini_line(void *user, const char *section, const char *name, const char *value)
{
    struct ini_ctx *ctx = user;
    char key[256], origin[512];
    if (!*section) {
        ctx->rc = o2p_fail(ctx->err, O2P_EINVAL, "%s: \"%s\" is outside any [section]", ctx->path, name);
        return 0;
    }
    snprintf(key, sizeof key, "%s.%s", section, name);
    snprintf(origin, sizeof origin, "%s [%s]", ctx->path, section);
    ctx->rc = cfg_set(ctx->c, key, value, origin, ctx->err);
    return ctx->rc == O2P_OK;
}

static int load_file(struct o2p_config *c, const char *path, struct o2p_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return o2p_fail_errno(err, "config file %s", path);
    struct ini_ctx ctx = {c, path, err, O2P_OK};
    int line = ini_parse_file(f, on_ini_line, &ctx);
    fclose(f);
    if (ctx.rc != O2P_OK)
        return ctx.rc;
    if (line != 0)
        return o2p_fail(err, O2P_EINVAL, "config file %s: syntax error on line %d", path, line);
    return O2P_OK;
}

static int load_env(struct o2p_config *c, struct o2p_error *err)
{
    static const char prefix[] = "OTLP2PARQUET_";
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, prefix, sizeof prefix - 1) != 0)
            continue;
        const char *name = *e + sizeof prefix - 1;
        const char *eq = strchr(name, '=');
        if (!eq || strncmp(name, "DATA_DIR=", 9) == 0)
            continue;
        size_t nlen = (size_t)(eq - name);
        int matched = 0;
        for (int i = 0; i < cfg_key_count; i++) {
            const struct cfg_key *k = &cfg_keys[i];
            char want[128];
            int w = snprintf(want, sizeof want, "%s_%s", k->section, k->key);
            if (w < 0 || (size_t)w != nlen || strncasecmp(want, name, nlen) != 0)
                continue;
            char origin[160];
            snprintf(origin, sizeof origin, "environment OTLP2PARQUET_%.*s", (int)nlen, name);
            for (char *p = origin; *p; p++)
                *p = (char)toupper((unsigned char)*p);
            memcpy(origin, "environment", 11);
            int rc = set_value(c, k, eq + 1, origin, err);
            if (rc != O2P_OK)
                return rc;
            matched = 1;
            break;
        }
        if (!matched)
            return o2p_fail(err, O2P_EINVAL,
                            "environment: unknown variable OTLP2PARQUET_%.*s (see `otlp2parquet config --defaults`)",
                            (int)nlen, name);
    }
    return O2P_OK;
}

int cfg_cli_parse(struct cfg_cli *cli, int argc, char **argv, struct o2p_error *err)
{
    memset(cli, 0, sizeof *cli);
    cli->rest = calloc((size_t)argc + 1, sizeof *cli->rest);
    if (!cli->rest)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    static char http_sets[CFG_CLI_MAX_SETS][300];
    int nstatic = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        const char *opt = NULL;
        static const char *const with_value[] = {"--data-dir", "-c", "--config", "--set", "--http", "--grpc"};
        for (size_t j = 0; j < sizeof with_value / sizeof with_value[0]; j++) {
            size_t l = strlen(with_value[j]);
            if (strcmp(a, with_value[j]) == 0) {
                if (i + 1 >= argc)
                    return o2p_fail(err, O2P_EINVAL, "%s needs a value", a);
                opt = with_value[j];
                val = argv[++i];
            } else if (strncmp(a, with_value[j], l) == 0 && a[l] == '=' && with_value[j][1] == '-') {
                opt = with_value[j];
                val = a + l + 1;
            }
            if (opt)
                break;
        }
        if (!opt) {
            cli->rest[cli->nrest++] = argv[i];
            continue;
        }
        if (!strcmp(opt, "--data-dir")) {
            cli->data_dir = val;
        } else if (!strcmp(opt, "-c") || !strcmp(opt, "--config")) {
            cli->config_file = val;
        } else {
            if (cli->nsets >= CFG_CLI_MAX_SETS || nstatic >= CFG_CLI_MAX_SETS)
                return o2p_fail(err, O2P_EINVAL, "too many --set options");
            if (!strcmp(opt, "--set")) {
                if (!strchr(val, '='))
                    return o2p_fail(err, O2P_EINVAL, "--set %s: expected section.key=value", val);
                cli->sets[cli->nsets++] = val;
            } else {
                snprintf(http_sets[nstatic], sizeof http_sets[nstatic], "receiver.%s=%s",
                         opt + 2, val);
                cli->sets[cli->nsets++] = http_sets[nstatic++];
            }
        }
    }
    return O2P_OK;
}

void cfg_cli_free(struct cfg_cli *cli)
{
    free(cli->rest);
    cli->rest = NULL;
}

int cfg_daemon_cli(struct cfg_cli *cli, int argc, char **argv, const char *prog, const char *usage)
{
    struct o2p_error err = {0};
    if (cfg_cli_parse(cli, argc, argv, &err) != O2P_OK) {
        fprintf(stderr, "%s: %s\n%s", prog, err.msg, usage);
        cfg_cli_free(cli);
        return 2;
    }
    if (cli->nrest == 0)
        return -1;
    bool help = !strcmp(cli->rest[0], "-h") || !strcmp(cli->rest[0], "--help");
    if (!help)
        fprintf(stderr, "%s: unknown argument \"%s\"\n", prog, cli->rest[0]);
    fputs(usage, help ? stdout : stderr);
    cfg_cli_free(cli);
    return help ? 0 : 2;
}

static int set_default_strings(struct o2p_config *c, struct o2p_error *err)
{
    for (int i = 0; i < cfg_key_count; i++) {
        int rc = set_value(c, &cfg_keys[i], cfg_keys[i].def, "default", err);
        if (rc != O2P_OK)
            return rc;
    }
    return O2P_OK;
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* preset - set section.key to value unless the user set it explicitly. */
static int preset(struct o2p_config *c, const char *name, const char *value, struct o2p_error *err)
{
    const char *dot = strchr(name, '.');
    const struct cfg_key *k = find_key(name, (size_t)(dot - name), dot + 1);
    if (!k)
        return o2p_fail(err, O2P_EINVAL, "internal: unknown preset key %s", name);
    if (c->explicit_keys[k - cfg_keys])
        return O2P_OK;
    int rc = set_value(c, k, value, "preset", err);
    c->explicit_keys[k - cfg_keys] = 0;
    return rc;
}

/* apply_presets - the one-line deployments: S3 Tables by ARN, S3 Tables through Glue, and R2
 * Data Catalog. Each fills the REST catalog keys the user did not set. */
static int apply_presets(struct o2p_config *c, struct o2p_error *err)
{
    int rc = O2P_OK;
    char buf[1024];
    int n = (*c->catalog.s3_tables_arn != 0) + (*c->catalog.glue_s3tables != 0) + (*c->catalog.r2_account_id != 0);
    if (n > 1)
        return o2p_fail(err, O2P_EINVAL, "catalog.s3_tables_arn, catalog.glue_s3tables and catalog.r2_account_id "
                                         "are alternatives: set one");
    if (*c->catalog.s3_tables_arn) {
        /* arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME */
        char region[64], account[32], bucket[128];
        if (sscanf(c->catalog.s3_tables_arn, "arn:aws:s3tables:%63[^:]:%31[^:]:bucket/%127s", region, account,
                   bucket) != 3)
            return o2p_fail(err, O2P_EINVAL,
                            "catalog.s3_tables_arn = \"%s\": expected arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME",
                            c->catalog.s3_tables_arn);
        snprintf(buf, sizeof buf, "https://s3tables.%s.amazonaws.com/iceberg", region);
        rc = preset(c, "catalog.uri", buf, err);
        if (rc == O2P_OK)
            rc = preset(c, "catalog.warehouse", c->catalog.s3_tables_arn, err);
        if (rc == O2P_OK)
            rc = preset(c, "catalog.sigv4_service", "s3tables", err);
        if (rc == O2P_OK)
            rc = preset(c, "catalog.region", region, err);
        if (rc == O2P_OK)
            rc = preset(c, "s3.region", region, err);
    } else if (*c->catalog.glue_s3tables) {
        const char *region = *c->catalog.region ? c->catalog.region : c->s3.region;
        if (!strchr(c->catalog.glue_s3tables, ':'))
            return o2p_fail(err, O2P_EINVAL, "catalog.glue_s3tables = \"%s\": expected ACCOUNT:s3tablescatalog/BUCKET",
                            c->catalog.glue_s3tables);
        snprintf(buf, sizeof buf, "https://glue.%s.amazonaws.com/iceberg", region);
        rc = preset(c, "catalog.uri", buf, err);
        if (rc == O2P_OK)
            rc = preset(c, "catalog.warehouse", c->catalog.glue_s3tables, err);
        if (rc == O2P_OK)
            rc = preset(c, "catalog.sigv4_service", "glue", err);
        if (rc == O2P_OK)
            rc = preset(c, "catalog.region", region, err);
        /* The table bucket is in the catalog's region: data PUTs sent elsewhere get 301. */
        if (rc == O2P_OK)
            rc = preset(c, "s3.region", region, err);
    } else if (*c->catalog.r2_account_id) {
        if (!*c->catalog.r2_bucket)
            return o2p_fail(err, O2P_EINVAL, "catalog.r2_account_id needs catalog.r2_bucket");
        snprintf(buf, sizeof buf, "https://catalog.cloudflarestorage.com/%s/%s", c->catalog.r2_account_id,
                 c->catalog.r2_bucket);
        rc = preset(c, "catalog.uri", buf, err);
        snprintf(buf, sizeof buf, "%s_%s", c->catalog.r2_account_id, c->catalog.r2_bucket);
        if (rc == O2P_OK)
            rc = preset(c, "catalog.warehouse", buf, err);
        if (rc == O2P_OK)
            rc = preset(c, "catalog.auth", "bearer", err);
        snprintf(buf, sizeof buf, "https://%s.r2.cloudflarestorage.com", c->catalog.r2_account_id);
        if (rc == O2P_OK)
            rc = preset(c, "s3.endpoint", buf, err);
        if (rc == O2P_OK)
            rc = preset(c, "s3.region", "auto", err);
        if (rc == O2P_OK)
            rc = preset(c, "s3.path_style", "true", err);
    } else {
        return O2P_OK;
    }
    if (rc == O2P_OK)
        rc = preset(c, "catalog.type", "rest", err);
    if (rc == O2P_OK && strcmp(c->catalog.auth, "bearer") != 0)
        rc = preset(c, "catalog.auth", "sigv4", err);
    return rc;
}

int cfg_load(struct o2p_config *c, const struct cfg_cli *cli, const char *default_data_dir,
             struct o2p_error *err)
{
    memset(c, 0, sizeof *c);
    int rc = set_default_strings(c, err);
    if (rc != O2P_OK)
        return rc;
    if (cli && cli->config_file) {
        rc = load_file(c, cli->config_file, err);
        if (rc != O2P_OK)
            return rc;
    }
    rc = load_env(c, err);
    if (rc != O2P_OK)
        return rc;
    for (int i = 0; cli && i < cli->nsets; i++) {
        char name[256];
        const char *eq = strchr(cli->sets[i], '=');
        size_t nl = (size_t)(eq - cli->sets[i]);
        if (nl >= sizeof name)
            return o2p_fail(err, O2P_EINVAL, "--set %s: key too long", cli->sets[i]);
        memcpy(name, cli->sets[i], nl);
        name[nl] = 0;
        rc = cfg_set(c, name, eq + 1, "command line", err);
        if (rc != O2P_OK)
            return rc;
    }
    const char *dd = cli && cli->data_dir ? cli->data_dir : getenv("OTLP2PARQUET_DATA_DIR");
    if (!dd || !*dd)
        dd = default_data_dir;
    c->data_dir = strdup(dd);
    if (!c->data_dir)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    if (!*c->spool.path) {
        free(c->spool.path);
        c->spool.path = join_path(dd, "spool");
    }
    if (!*c->catalog.warehouse) {
        free(c->catalog.warehouse);
        /* A file:// URL must be absolute; the data directory may not exist yet, so resolve
         * it against the working directory rather than with realpath(). */
        char cwd[4096] = "";
        if (dd[0] != '/' && !getcwd(cwd, sizeof cwd))
            cwd[0] = 0;
        const char *rel = dd;
        while (rel[0] == '.' && rel[1] == '/')
            rel += 2;
        if (!strcmp(rel, "."))
            rel = "";
        size_t n = strlen(cwd) + strlen(rel) + 32;
        c->catalog.warehouse = malloc(n);
        if (c->catalog.warehouse)
            snprintf(c->catalog.warehouse, n, "file://%s%s%s%swarehouse", cwd, *cwd && *rel ? "/" : "", rel,
                     *cwd || *rel ? "/" : "");
    }
    if (!c->spool.path || !c->catalog.warehouse)
        return o2p_fail(err, O2P_ENOMEM, "out of memory");
    rc = apply_presets(c, err);
    if (rc != O2P_OK)
        return rc;
    /* Cross-field checks: what no single key's range can express. */
    if (c->receiver.max_decompressed_bytes < c->receiver.max_request_bytes)
        return o2p_fail(err, O2P_EINVAL,
                        "receiver.max_decompressed_bytes (%llu) must be at least receiver.max_request_bytes (%llu)",
                        (unsigned long long)c->receiver.max_decompressed_bytes,
                        (unsigned long long)c->receiver.max_request_bytes);
    if ((*c->receiver.tls_cert != 0) != (*c->receiver.tls_key != 0))
        return o2p_fail(err, O2P_EINVAL, "receiver.tls_cert and receiver.tls_key must be set together");
    if (*c->receiver.tls_client_ca && !*c->receiver.tls_cert)
        return o2p_fail(err, O2P_EINVAL, "receiver.tls_client_ca needs receiver.tls_cert and tls_key");
    if (c->committer.retry_min_wait_ms > c->committer.retry_max_wait_ms)
        return o2p_fail(err, O2P_EINVAL, "committer.retry_min_wait must not exceed retry_max_wait");
    if (!strcmp(c->catalog.type, "rest") && !*c->catalog.uri)
        return o2p_fail(err, O2P_EINVAL, "catalog.type = rest needs catalog.uri");
    if (strncmp(c->catalog.warehouse, "file://", 7) != 0 && strncmp(c->catalog.warehouse, "s3://", 5) != 0 &&
        strcmp(c->catalog.type, "rest") != 0)
        return o2p_fail(err, O2P_EINVAL, "catalog.warehouse = \"%s\": must start with file:// or s3://",
                        c->catalog.warehouse);
    return O2P_OK;
}

static void format_value(const struct o2p_config *c, const struct cfg_key *k, char *out, size_t n)
{
    const void *field = (const char *)c + k->offset;
    switch (k->type) {
    case CFG_STRING:
    case CFG_ADDR:
    case CFG_ENUM: snprintf(out, n, "%s", *(char *const *)field ? *(char *const *)field : ""); break;
    case CFG_BOOL: snprintf(out, n, "%s", *(const bool *)field ? "true" : "false"); break;
    case CFG_RATIO: snprintf(out, n, "%g", *(const double *)field); break;
    case CFG_INT: snprintf(out, n, "%lld", (long long)*(const int64_t *)field); break;
    case CFG_SIZE: {
        uint64_t v = *(const uint64_t *)field;
        static const char *const u[] = {"GiB", "MiB", "KiB"};
        static const uint64_t m[] = {1ull << 30, 1ull << 20, 1ull << 10};
        for (int i = 0; i < 3; i++)
            if (v && v % m[i] == 0) {
                snprintf(out, n, "%llu%s", (unsigned long long)(v / m[i]), u[i]);
                return;
            }
        snprintf(out, n, "%llu", (unsigned long long)v);
        break;
    }
    case CFG_DURATION: {
        uint64_t v = *(const uint64_t *)field;
        if (v && v % 3600000 == 0)
            snprintf(out, n, "%lluh", (unsigned long long)(v / 3600000));
        else if (v && v % 60000 == 0)
            snprintf(out, n, "%llum", (unsigned long long)(v / 60000));
        else if (v && v % 1000 == 0)
            snprintf(out, n, "%llus", (unsigned long long)(v / 1000));
        else
            snprintf(out, n, "%llums", (unsigned long long)v);
        break;
    }
    }
}

void cfg_print(const struct o2p_config *c, FILE *out, bool with_docs)
{
    const char *section = "";
    for (int i = 0; i < cfg_key_count; i++) {
        const struct cfg_key *k = &cfg_keys[i];
        if (strcmp(section, k->section) != 0) {
            fprintf(out, "%s[%s]\n", i ? "\n" : "", k->section);
            section = k->section;
        }
        char v[1024];
        format_value(c, k, v, sizeof v);
        if (with_docs) {
            /* Wrapped: inih reads lines of at most 200 bytes. */
            const char *p = k->doc;
            while (*p) {
                size_t n = strlen(p);
                if (n > 96) {
                    n = 96;
                    while (n > 40 && p[n] != ' ')
                        n--;
                }
                fprintf(out, "# %.*s\n", (int)n, p);
                p += n;
                while (*p == ' ')
                    p++;
            }
        }
        fprintf(out, "%s = %s\n", k->key, v);
        bool last_of_catalog = !strcmp(k->section, "catalog") &&
                               (i + 1 == cfg_key_count || strcmp(cfg_keys[i + 1].section, "catalog"));
        for (const char *l = c->catalog.headers; last_of_catalog && l && *l; l = strchr(l, '\n') + 1) {
            const char *colon = strchr(l, ':');
            fprintf(out, "header.%.*s =%.*s\n", (int)(colon - l), l, (int)(strchr(l, '\n') - colon - 1), colon + 1);
        }
    }
}

void cfg_print_markdown(FILE *out)
{
    static const char *const type_names[] = {"string", "size", "duration", "integer", "boolean", "fraction", "one of",
                                              "address"};
    fprintf(out, "| key | environment | type | default | meaning |\n|---|---|---|---|---|\n");
    for (int i = 0; i < cfg_key_count; i++) {
        const struct cfg_key *k = &cfg_keys[i];
        char env[128];
        snprintf(env, sizeof env, "OTLP2PARQUET_%s_%s", k->section, k->key);
        for (char *p = env; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        char choices[128] = "";
        for (size_t j = 0; k->choices && k->choices[j] && j + 3 < sizeof choices; j++) {
            /* A '|' would end the Markdown table cell. */
            if (k->choices[j] == '|')
                strcat(choices, ", ");
            else
                strncat(choices, &k->choices[j], 1);
        }
        fprintf(out, "| `%s.%s` | `%s` | %s%s%s | `%s` | %s |\n", k->section, k->key, env,
                type_names[k->type], k->choices ? " " : "", choices, k->def, k->doc);
    }
    fprintf(out, "| `catalog.header.<Name>` | (file and --set only) | string | | An extra header on every "
                 "catalog request and token request, e.g. `header.Polaris-Realm = prod` in [catalog]; any number. |\n");
}

void cfg_free(struct o2p_config *c)
{
    for (int i = 0; i < cfg_key_count; i++) {
        const struct cfg_key *k = &cfg_keys[i];
        if (k->type == CFG_STRING || k->type == CFG_ENUM || k->type == CFG_ADDR) {
            char **p = (char **)((char *)c + k->offset);
            free(*p);
            *p = NULL;
        }
    }
    free(c->data_dir);
    c->data_dir = NULL;
    free(c->catalog.headers);
    c->catalog.headers = NULL;
}
