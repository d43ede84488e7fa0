/* config.c -- settings from defaults, a config file and the command line.
 *
 * One table of keys serves both the file ("key = value") and the long options
 * ("--key value" or "--key=value"), so they cannot drift apart. */
#include "config.h"
#include "lib/host_header.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

void ch_config_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* One line, always. */
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

/* The daemon runs from the build tree when its own executable is the build
 * tree's host/carehost: then plugins and web files come from the tree too. */
static int running_from_build_tree(void)
{
#ifdef CH_BUILDDIR
    char self[CH_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 0;
    self[n] = '\0';
    char tree[CH_PATH_MAX];
    snprintf(tree, sizeof tree, "%s/host/", CH_BUILDDIR);
    return strncmp(self, tree, strlen(tree)) == 0;
#else
    return 0;
#endif
}

void ch_config_defaults(ch_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->listen_port = 8080;
    if (running_from_build_tree()) {
        /* Links to the installable plugins only (Makefile.am): no echo test plugin. */
        snprintf(cfg->plugins_dirs[0], CH_PATH_MAX, "%s/plugins/.installable", CH_BUILDDIR);
        snprintf(cfg->plugin_web_dir, sizeof cfg->plugin_web_dir, "%s/plugins", CH_SRCDIR);
        snprintf(cfg->web_dir, sizeof cfg->web_dir, "%s/web", CH_SRCDIR);
        snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s/data", CH_BUILDDIR);
    } else {
        snprintf(cfg->plugins_dirs[0], CH_PATH_MAX, "%s/plugins", CH_PKGLIBDIR);
        snprintf(cfg->plugin_web_dir, sizeof cfg->plugin_web_dir, "%s/plugins", CH_PKGDATADIR);
        snprintf(cfg->web_dir, sizeof cfg->web_dir, "%s/web", CH_PKGDATADIR);
        snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s/lib/carehost", CH_LOCALSTATEDIR);
    }
    cfg->plugins_dir_count = 1;
    cfg->setting_from = 1;
    cfg->log_level = CAREHOST_LOG_INFO;
    cfg->max_message_bytes = 64 * 1024;
    cfg->rate_per_sec = 20;
    cfg->rate_burst = 40;
    cfg->group_capacity = 15;
    cfg->chat_max_chars = 2000;
    cfg->outbox_max_bytes = 1024 * 1024;
    cfg->session_idle_ms = 30 * 60 * 1000;
    cfg->session_max_ms = 12 * 60 * 60 * 1000;
    cfg->invite_ms = 72ull * 60 * 60 * 1000;
    cfg->turn_ttl_ms = 60 * 60 * 1000;
    cfg->mesh_video_max = 6;
    cfg->message_seconds = 60;
    cfg->plugin_budget_ms = 50;
    cfg->watchdog_seconds = 60;
    cfg->max_conns_per_signin = 16;
    cfg->max_conns_per_account = 32;
}

int ch_config_is_loopback(const char *host)
{
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    struct in6_addr a6;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

/* "HOST:PORT", "[V6]:PORT". */
static int parse_listen(ch_config *cfg, const char *value, char *err, size_t errlen)
{
    char host[256];
    const char *port_text;
    if (value[0] == '[') {
        const char *end = strchr(value, ']');
        if (!end || end[1] != ':') {
            ch_config_err(err, errlen, "--listen %s: expected [ADDRESS]:PORT for IPv6", value);
            return -1;
        }
        size_t n = (size_t)(end - value - 1);
        if (n == 0 || n >= sizeof host) {
            ch_config_err(err, errlen, "--listen %s: the address is empty or too long", value);
            return -1;
        }
        memcpy(host, value + 1, n);
        host[n] = '\0';
        port_text = end + 2;
    } else {
        const char *colon = strrchr(value, ':');
        if (!colon) {
            ch_config_err(err, errlen, "--listen %s: expected HOST:PORT, e.g. 127.0.0.1:8080", value);
            return -1;
        }
        size_t n = (size_t)(colon - value);
        if (n == 0 || n >= sizeof host || memchr(value, ':', n)) {
            ch_config_err(err, errlen,
                    "--listen %s: expected HOST:PORT (write IPv6 addresses as [::1]:8080)", value);
            return -1;
        }
        memcpy(host, value, n);
        host[n] = '\0';
        port_text = colon + 1;
    }
    char *end;
    errno = 0;
    long port = strtol(port_text, &end, 10);
    if (!*port_text || *end || errno || port < 0 || port > 65535) {
        ch_config_err(err, errlen, "--listen %s: the port must be a number from 0 to 65535", value);
        return -1;
    }
    struct in_addr a4;
    struct in6_addr a6;
    if (strcasecmp(host, "localhost") != 0 && inet_pton(AF_INET, host, &a4) != 1 &&
        inet_pton(AF_INET6, host, &a6) != 1) {
        ch_config_err(err, errlen, "--listen %s: '%s' is not an IP address (or localhost)", value, host);
        return -1;
    }
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "%s", host);
    cfg->listen_port = (int)port;
    return 0;
}

static int parse_bool(const char *key, const char *value, int *out, char *err, size_t errlen)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(value, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    ch_config_err(err, errlen, "--%s %s: expected true or false", key, value);
    return -1;
}

static int parse_uint(const char *key, const char *value, unsigned long long min,
                      unsigned long long max, unsigned long long *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)value[0]))
        goto bad;
    unsigned long long v = strtoull(value, &end, 10);
    if (*end || errno || v < min || v > max)
        goto bad;
    *out = v;
    return 0;
bad:
    ch_config_err(err, errlen, "--%s %s: expected a whole number from %llu to %llu", key, value, min,
            max);
    return -1;
}

static int set_path(char *dst, const char *key, const char *value, char *err, size_t errlen)
{
    if (!*value || strlen(value) >= CH_PATH_MAX) {
        ch_config_err(err, errlen, "--%s: the path is empty or longer than %d bytes", key, CH_PATH_MAX - 1);
        return -1;
    }
    snprintf(dst, CH_PATH_MAX, "%s", value);
    return 0;
}

/* --plugins DIR: the first from a source (the file, the command line) replaces
 * the list before it (the default, or the file's); the next ones add to it. */
static int add_plugins_dir(ch_config *cfg, const char *value, char *err, size_t errlen)
{
    if (cfg->plugins_given != cfg->setting_from) {
        cfg->plugins_dir_count = 0;
        cfg->plugins_given = cfg->setting_from;
    }
    if (cfg->plugins_dir_count == CH_PLUGIN_DIRS_MAX) {
        ch_config_err(err, errlen, "--plugins %s: at most %d plugin folders", value, CH_PLUGIN_DIRS_MAX);
        return -1;
    }
    return set_path(cfg->plugins_dirs[cfg->plugins_dir_count++], "plugins", value, err, errlen);
}

/* An IANA time zone name the system knows (/usr/share/zoneinfo/<name>), e.g.
 * "America/New_York", or "UTC". */
static int set_timezone(ch_config *cfg, const char *value, char *err, size_t errlen)
{
    size_t n = strlen(value);
    int ok = n > 0 && n < sizeof cfg->timezone && value[0] != '/' && !strstr(value, "..");
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)value[i]) || strchr("_+-/", value[i]);
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", ok ? value : "");
    if (!ok || (strcmp(value, "UTC") != 0 && access(path, R_OK) != 0)) {
        ch_config_err(err, errlen, "--timezone %s: not a time zone this system knows (e.g. America/New_York, "
                "Europe/Berlin, UTC)", value);
        return -1;
    }
    snprintf(cfg->timezone, sizeof cfg->timezone, "%s", value);
    return 0;
}

/* --stun / --turn: comma-separated URLs of the key's schemes ("stun:"/"stuns:",
 * "turn:"/"turns:"), kept without the spaces around commas. */
static int set_ice_urls(char *dst, const char *key, const char *value, char *err, size_t errlen)
{
    char out[CH_ICE_URLS_MAX] = "";
    size_t n = 0;
    const char *p = value;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t len = strcspn(p, ",");
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        size_t scheme = strncmp(p, key, 4) != 0 ? 0 : p[4] == ':' ? 5 : p[4] == 's' && p[5] == ':' ? 6 : 0;
        int ok = scheme && len > scheme && p[scheme] != ':' && p[scheme] != '?' && p[scheme] != '/';
        for (size_t i = 0; ok && i < len; i++)
            ok = p[i] > ' ' && p[i] < 127 && !strchr("\"\\<>'`", p[i]);
        if (!ok) {
            ch_config_err(err, errlen, "--%s %s: expected %s:HOST[:PORT] or %ss:HOST[:PORT] URLs, "
                    "comma-separated (e.g. %s:%s.example.org:3478)", key, value, key, key, key, key);
            return -1;
        }
        if (n + len + 2 > sizeof out) {
            ch_config_err(err, errlen, "--%s: longer than %d bytes in all", key, CH_ICE_URLS_MAX - 1);
            return -1;
        }
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%.*s", n ? "," : "", (int)len, p);
        p += strcspn(p, ",");
        if (!*p++)
            break;
    }
    snprintf(dst, CH_ICE_URLS_MAX, "%s", out);
    return 0;
}

typedef enum { K_LISTEN, K_PATH, K_PLUGINS, K_BOOL, K_UINT, K_SIZE, K_LOGLEVEL, K_DURATION, K_TIMEZONE, K_ICE, K_HOSTS, K_JANUS, K_SFU } key_kind;

typedef struct key_spec {
    const char *name;
    key_kind kind;
    size_t offset;                   /* into ch_config */
    unsigned long long min, max;     /* K_UINT / K_SIZE; K_DURATION: ms per unit, most ms */
    const char *help;                /* "ARG  explanation" for --help */
} key_spec;

#define OFF(m) offsetof(ch_config, m)
static const key_spec keys[] = {
    {"listen", K_LISTEN, 0, 0, 0, "HOST:PORT  address to serve on (default 127.0.0.1:8080; port 0: any free port)"},
    {"data-dir", K_PATH, OFF(data_dir), 0, 0, "DIR        where the store lives"},
    {"key-file", K_PATH, OFF(key_file), 0, 0, "FILE       the store's key file (default <data-dir>/carehost.key)"},
    {"plugins", K_PLUGINS, 0, 0, 0, "DIR        a folder of plugins; again for more, searched in order"},
    {"web", K_PATH, OFF(web_dir), 0, 0, "DIR        the browser client's files"},
    {"plugin-web", K_PATH, OFF(plugin_web_dir), 0, 0, "DIR        holds <plugin>/web/ panels"},
    {"log-level", K_LOGLEVEL, 0, 0, 0, "LEVEL      error, warn, info (default) or debug"},
    {"timezone", K_TIMEZONE, 0, 0, 0, "ZONE       the clinic's time zone, e.g. America/New_York (default: the machine's)"},
    {"tls-cert", K_PATH, OFF(tls_cert), 0, 0, "FILE       PEM certificate: serve HTTPS and WSS"},
    {"tls-key", K_PATH, OFF(tls_key), 0, 0, "FILE       PEM private key for --tls-cert"},
    {"port-file", K_PATH, OFF(port_file), 0, 0, "FILE       write the bound port here once listening"},
    {"demo", K_BOOL, OFF(demo), 0, 0, "           seed the fictional demo clinic"},
    {"insecure", K_BOOL, OFF(insecure), 0, 0, "           allow plain HTTP on a non-loopback address"},
    {"max-message-bytes", K_SIZE, OFF(max_message_bytes), 256, 16u * 1024 * 1024, "N          largest WebSocket message (default 65536)"},
    {"rate-limit", K_UINT, OFF(rate_per_sec), 1, 100000, "N          messages per second per connection (default 20)"},
    {"rate-burst", K_UINT, OFF(rate_burst), 1, 100000, "N          burst of messages allowed (default 40)"},
    {"group-capacity", K_UINT, OFF(group_capacity), 1, 1000, "N          participants in a group session (default 15)"},
    {"chat-max-chars", K_UINT, OFF(chat_max_chars), 1, 100000, "N          longest chat message in characters (default 2000)"},
    {"max-connections-per-signin", K_UINT, OFF(max_conns_per_signin), 1, 1000000, "N          open WebSockets one sign-in may hold (default 16)"},
    {"max-connections-per-account", K_UINT, OFF(max_conns_per_account), 1, 1000000, "N          open WebSockets one account may hold, all sign-ins (default 32)"},
    {"message-seconds", K_UINT, OFF(message_seconds), 1, 3600, "N          a WebSocket message must arrive whole within N s of its first bytes (default 60)"},
    {"watchdog-seconds", K_UINT, OFF(watchdog_seconds), 0, 86400, "N         abort when the event loop has been stuck N s, for a restart (default 60; 0: only warn)"},
    {"plugin-budget-ms", K_UINT, OFF(plugin_budget_ms), 1, 60000, "N         log a plugin handler that holds the event loop longer (default 50)"},
    {"outbox-max-bytes", K_SIZE, OFF(outbox_max_bytes), 4096, 1024u * 1024 * 1024, "N          drop a client this far behind (default 1048576)"},
    {"session-idle-minutes", K_DURATION, OFF(session_idle_ms), 60000, 7ull * 24 * 3600 * 1000, "MINUTES    sign-in ends after this long unused (default 30; decimals allowed)"},
    {"session-max-hours", K_DURATION, OFF(session_max_ms), 3600000, 90ull * 24 * 3600 * 1000, "HOURS      sign-in ends this long after it began (default 12; decimals allowed)"},
    {"invite-hours", K_DURATION, OFF(invite_ms), 3600000, 90ull * 24 * 3600 * 1000, "HOURS      an invite link works this long (default 72; decimals allowed)"},
    /* The same setting in seconds, so a test can watch a link expire. */
    {"invite-seconds", K_DURATION, OFF(invite_ms), 1000, 90ull * 24 * 3600 * 1000, "SECONDS    the same as --invite-hours, in seconds (for tests)"},
    /* Benchmarking aid only (bench/run): open group rooms bench-1..bench-N. */
    {"bench-rooms", K_UINT, OFF(bench_rooms), 0, 100000, "N          open group rooms bench-1..bench-N, no enrolment or waiting room (benchmarks only)"},
    {"stun", K_ICE, OFF(stun_urls), 0, 0, "URL,...    STUN servers (stun: or stuns:), comma-separated"},
    {"turn", K_ICE, OFF(turn_urls), 0, 0, "URL,...    coturn TURN servers (turn: or turns:), comma-separated"},
    {"turn-secret-file", K_PATH, OFF(turn_secret_file), 0, 0, "FILE       coturn's static-auth-secret (mode 0600)"},
    {"turn-ttl-minutes", K_DURATION, OFF(turn_ttl_ms), 60000, 7ull * 24 * 3600 * 1000, "MINUTES    TURN credentials work this long (default 60; decimals allowed)"},
    {"mesh-video-max", K_UINT, OFF(mesh_video_max), 2, 50, "N          mesh video up to this many in a session (default 6)"},
    {"public-host", K_HOSTS, OFF(public_hosts), 0, 0, "NAME,...   host names browsers reach carehost by (IP addresses and localhost always work); again to add more"},
    {"janus", K_JANUS, OFF(janus_urls), 0, 0, "URL,...    Janus servers for video above the mesh size (ws:// or wss://); again to add more"},
    {"janus-secret-file", K_PATH, OFF(janus_secret_file), 0, 0, "FILE       Janus's apisecret (mode 0600)"},
    {"janus-admin-key-file", K_PATH, OFF(janus_admin_key_file), 0, 0, "FILE       the Janus VideoRoom admin_key (mode 0600)"},
    {"sfu", K_SFU, OFF(sfu_mode), 0, 0, "WHEN       video through Janus: auto (above --mesh-video-max, default), always or never"},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const key_spec *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* A positive decimal count of the key's unit (minutes, hours), kept in ms:
 * from 1 s up to the key's maximum. Decimals let tests use seconds. */
static int parse_duration(const key_spec *k, const char *value, uint64_t *out, char *err,
                          size_t errlen)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    double ms = v * (double)k->min;
    if ((!isdigit((unsigned char)value[0]) && value[0] != '.') || strpbrk(value, "xXpP"))
        goto bad;
    if (*end || errno || !isfinite(v) || ms < 1000.0 || ms > (double)k->max)
        goto bad;
    *out = (uint64_t)(ms + 0.5);
    return 0;
bad:
    ch_config_err(err, errlen, "--%s %s: expected a number from %g to %g", k->name, value,
            1000.0 / (double)k->min, (double)k->max / (double)k->min);
    return -1;
}

/* --public-host adds to the list (given more than once, or comma-separated). */
static int add_public_hosts(ch_config *cfg, const char *value, char *err, size_t errlen)
{
    size_t have = strlen(cfg->public_hosts);
    if (!ch_host_names_valid(value)) {
        ch_config_err(err, errlen, "--public-host %s: expected host names (letters, digits, '.', '-'), comma-separated",
                      value);
        return -1;
    }
    if (have + 1 + strlen(value) >= sizeof cfg->public_hosts) {
        ch_config_err(err, errlen, "--public-host: too many names");
        return -1;
    }
    snprintf(cfg->public_hosts + have, sizeof cfg->public_hosts - have, "%s%s", have ? "," : "", value);
    return 0;
}

/* --janus adds ws:// or wss:// URLs (given more than once, or comma-separated). */
static int add_janus_urls(ch_config *cfg, const char *value, char *err, size_t errlen)
{
    const char *p = value;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t len = strcspn(p, ",");
        size_t end = len;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        size_t scheme = strncmp(p, "ws://", 5) == 0 ? 5 : strncmp(p, "wss://", 6) == 0 ? 6 : 0;
        int ok = scheme && len > scheme && len < 500;
        for (size_t i = 0; ok && i < len; i++)
            ok = p[i] > ' ' && p[i] < 127 && !strchr("\"\\<>'`", p[i]);
        if (!ok) {
            ch_config_err(err, errlen, "--janus %s: expected ws://HOST:PORT/ or wss://HOST:PORT/ URLs, "
                          "comma-separated (e.g. ws://127.0.0.1:8188/)", value);
            return -1;
        }
        size_t have = strlen(cfg->janus_urls);
        if (have + 1 + len >= sizeof cfg->janus_urls) {
            ch_config_err(err, errlen, "--janus: too many URLs");
            return -1;
        }
        snprintf(cfg->janus_urls + have, sizeof cfg->janus_urls - have, "%s%.*s", have ? "," : "", (int)len, p);
        p += end;
        if (!*p++)
            break;
    }
    return 0;
}

int ch_config_set(ch_config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    const key_spec *k = find_key(key);
    if (!k) {
        ch_config_err(err, errlen, "unknown setting '%s' (see --help)", key);
        return -1;
    }
    char *base = (char *)cfg;
    unsigned long long v;
    switch (k->kind) {
    case K_LISTEN:
        return parse_listen(cfg, value, err, errlen);
    case K_PATH:
        return set_path(base + k->offset, key, value, err, errlen);
    case K_PLUGINS:
        return add_plugins_dir(cfg, value, err, errlen);
    case K_BOOL:
        return parse_bool(key, value, (int *)(base + k->offset), err, errlen);
    case K_UINT:
        if (parse_uint(key, value, k->min, k->max, &v, err, errlen))
            return -1;
        *(unsigned *)(base + k->offset) = (unsigned)v;
        return 0;
    case K_SIZE:
        if (parse_uint(key, value, k->min, k->max, &v, err, errlen))
            return -1;
        *(size_t *)(base + k->offset) = (size_t)v;
        return 0;
    case K_DURATION:
        return parse_duration(k, value, (uint64_t *)(base + k->offset), err, errlen);
    case K_TIMEZONE:
        return set_timezone(cfg, value, err, errlen);
    case K_ICE:
        return set_ice_urls(base + k->offset, key, value, err, errlen);
    case K_HOSTS:
        return add_public_hosts(cfg, value, err, errlen);
    case K_JANUS:
        return add_janus_urls(cfg, value, err, errlen);
    case K_SFU:
        if (strcmp(value, "auto") == 0)
            cfg->sfu_mode = CH_SFU_AUTO;
        else if (strcmp(value, "always") == 0)
            cfg->sfu_mode = CH_SFU_ALWAYS;
        else if (strcmp(value, "never") == 0)
            cfg->sfu_mode = CH_SFU_NEVER;
        else {
            ch_config_err(err, errlen, "--sfu %s: expected auto, always or never", value);
            return -1;
        }
        return 0;
    case K_LOGLEVEL:
        if (ch_log_level_parse(value, &cfg->log_level)) {
            ch_config_err(err, errlen, "--log-level %s: expected error, warn, info or debug", value);
            return -1;
        }
        return 0;
    }
    return -1;
}

int ch_config_check(const ch_config *cfg, char *err, size_t errlen)
{
    int has_cert = cfg->tls_cert[0] != '\0', has_key = cfg->tls_key[0] != '\0';
    if (has_cert != has_key) {
        ch_config_err(err, errlen, "--tls-cert and --tls-key must be given together");
        return -1;
    }
    if (!has_cert && !cfg->insecure && !ch_config_is_loopback(cfg->listen_host)) {
        ch_config_err(err, errlen,
                "refusing to serve plain HTTP on %s, a non-loopback address: give --tls-cert and "
                "--tls-key, or --insecure if a TLS proxy sits in front",
                cfg->listen_host);
        return -1;
    }
    if (!cfg->janus_urls[0] && (cfg->janus_secret_file[0] || cfg->janus_admin_key_file[0])) {
        ch_config_err(err, errlen, "--janus-secret-file and --janus-admin-key-file are only used with --janus");
        return -1;
    }
    if (!cfg->janus_urls[0] && cfg->sfu_mode == CH_SFU_ALWAYS) {
        ch_config_err(err, errlen, "--sfu always needs --janus (the Janus servers to use)");
        return -1;
    }
    if (!cfg->turn_urls[0] != !cfg->turn_secret_file[0]) {
        ch_config_err(err, errlen, cfg->turn_urls[0] ? "--turn needs --turn-secret-file (coturn's static-auth-secret)"
                                               : "--turn-secret-file is only used with --turn");
        return -1;
    }
    for (size_t i = 0; cfg->plugins_given && i < cfg->plugins_dir_count; i++) {
        struct stat st;
        const char *dir = cfg->plugins_dirs[i];
        int found = stat(dir, &st) == 0;
        if (!found || !S_ISDIR(st.st_mode)) {
            ch_config_err(err, errlen, "--plugins %s: %s", dir, found ? "not a directory"
                          : errno == ENOENT ? "no such directory" : strerror(errno));
            return -1;
        }
    }
    return 0;
}

const char *ch_config_usage(void)
{
    static char text[8192];
    if (text[0])
        return text;
    size_t n = (size_t)snprintf(text, sizeof text,
                                "Usage: carehost [OPTION]...\n"
                                "Serve carehost telehealth sessions over HTTP(S) and WebSocket.\n\n"
                                "  --config FILE                 read 'key = value' settings (same keys as the options)\n"
                                "  --check-plugin FILE           check one plugin, print what it declares, exit 0 or 1\n");
    for (size_t i = 0; i < NKEYS && n < sizeof text; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "  --%-18s %s\n", keys[i].name, keys[i].help);
    if (n < sizeof text)
        snprintf(text + n, sizeof text - n,
                 "  --help                        show this help and exit\n"
                 "  --version                     show the version and exit\n");
    return text;
}

ch_config_action ch_config_parse_args(ch_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
    enum { OPT_HELP = 1000, OPT_VERSION, OPT_CONFIG, OPT_CHECK, OPT_KEY0 };
    struct option opts[NKEYS + 5];
    size_t n = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        int is_flag = keys[i].kind == K_BOOL;
        opts[n++] = (struct option){keys[i].name, is_flag ? optional_argument : required_argument,
                                    NULL, OPT_KEY0 + (int)i};
    }
    opts[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
    opts[n++] = (struct option){"version", no_argument, NULL, OPT_VERSION};
    opts[n++] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
    opts[n++] = (struct option){"check-plugin", required_argument, NULL, OPT_CHECK};
    opts[n] = (struct option){NULL, 0, NULL, 0};

    /* Pass 1: --help, --version and --config, so the file sits under the other options. */
    opterr = 0;
    optind = 1;
    int c;
    const char *config_path = NULL;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == OPT_HELP)
            return CH_CONFIG_HELP;
        if (c == OPT_VERSION)
            return CH_CONFIG_VERSION;
        if (c == OPT_CONFIG)
            config_path = optarg;
        if (c == OPT_CHECK && set_path(cfg->check_plugin, "check-plugin", optarg, err, errlen))
            return CH_CONFIG_ERROR;
        if (c == '?') {
            ch_config_err(err, errlen, "unknown option '%s' (see --help)", argv[optind - 1]);
            return CH_CONFIG_ERROR;
        }
        if (c == ':') {
            ch_config_err(err, errlen, "option '%s' needs a value", argv[optind - 1]);
            return CH_CONFIG_ERROR;
        }
    }
    if (optind < argc) {
        ch_config_err(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
        return CH_CONFIG_ERROR;
    }
    if (config_path && (set_path(cfg->config_file, "config", config_path, err, errlen) ||
                        ch_config_load_file(cfg, config_path, err, errlen)))
        return CH_CONFIG_ERROR;

    /* Pass 2: every other option overrides the file. */
    cfg->setting_from = 2;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c < OPT_KEY0)
            continue;
        const key_spec *k = &keys[c - OPT_KEY0];
        const char *value = optarg;
        if (k->kind == K_BOOL && !value)
            value = "true";
        if (ch_config_set(cfg, k->name, value, err, errlen))
            return CH_CONFIG_ERROR;
    }
    cfg->setting_from = 1;
    if (ch_config_check(cfg, err, errlen))
        return CH_CONFIG_ERROR;
    /* A check needs neither the network's settings nor the TURN secret. */
    if (cfg->check_plugin[0])
        return CH_CONFIG_CHECK_PLUGIN;
    if (ch_config_load_turn_secret(cfg, err, errlen) || ch_config_load_janus_secrets(cfg, err, errlen))
        return CH_CONFIG_ERROR;
    return CH_CONFIG_RUN;
}
