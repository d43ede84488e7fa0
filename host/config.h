/* config.h -- the daemon's settings: defaults, command line and config file. */
#ifndef CH_CONFIG_H
#define CH_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "carehost/plugin.h"

#define CH_PATH_MAX 1024
#define CH_ICE_URLS_MAX 1024    /* --stun / --turn: comma-separated URLs, this many bytes in all */
#define CH_TURN_SECRET_MAX 512  /* longest coturn static-auth-secret read from --turn-secret-file */
#define CH_PLUGIN_DIRS_MAX 8    /* --plugins given this many times at most */
#define CH_JANUS_URLS_MAX 1024  /* --janus: comma-separated ws(s):// URLs, this many bytes in all */
#define CH_JANUS_SECRET_MAX 256 /* longest Janus API secret or VideoRoom admin_key read from a file */

/* When a room's video goes through the SFU (Janus) rather than the browsers' mesh. */
typedef enum ch_sfu_mode {
    CH_SFU_AUTO = 0,   /* above --mesh-video-max people in the room (needs --janus) */
    CH_SFU_ALWAYS,     /* every room, whatever its size (needs --janus) */
    CH_SFU_NEVER       /* the mesh only, even with --janus */
} ch_sfu_mode;

/* Plugins' settings: the config file's [<plugin>] sections (config_file.c). */
typedef struct ch_settings ch_settings;

typedef struct ch_config {
    char listen_host[256];      /* address to bind, e.g. "127.0.0.1" or "::1" */
    int listen_port;            /* 0 lets the kernel choose (see port_file) */
    char data_dir[CH_PATH_MAX];
    char key_file[CH_PATH_MAX]; /* "" means <data_dir>/carehost.key */
    char plugins_dirs[CH_PLUGIN_DIRS_MAX][CH_PATH_MAX]; /* searched in order; the first of
                                 * two plugins with one name wins */
    size_t plugins_dir_count;
    int plugins_given;          /* where plugins_dirs came from: 0 the default, 1 the file, 2 the
                                 * command line (each given directory must exist) */
    int setting_from;           /* while parsing: 1 the file or a direct ch_config_set, 2 the
                                 * command line (a --plugins there replaces the file's list) */
    char config_file[CH_PATH_MAX]; /* --config, "" when none */
    char check_plugin[CH_PATH_MAX]; /* --check-plugin FILE: check that plugin and exit */
    ch_settings *settings;      /* the [<plugin>] sections; NULL when none (ch_config_free) */
    char web_dir[CH_PATH_MAX];
    char plugin_web_dir[CH_PATH_MAX]; /* holds <plugin>/ panel folders */
    char tls_cert[CH_PATH_MAX];
    char tls_key[CH_PATH_MAX];
    char port_file[CH_PATH_MAX]; /* if set, the bound port is written here once listening */
    carehost_log_level log_level;
    int demo;                   /* seed the fictional demo clinic */
    int insecure;               /* allow plain HTTP on a non-loopback address */
    size_t max_message_bytes;   /* largest accepted frame (default 64 KiB) */
    unsigned rate_per_sec;      /* sustained messages per second per connection */
    unsigned rate_burst;        /* bucket size */
    unsigned group_capacity;    /* default participants in a group session */
    unsigned chat_max_chars;    /* longest chat text, in characters */
    size_t outbox_max_bytes;    /* a slower reader is disconnected past this */
    uint64_t session_idle_ms;   /* sign-in ends after this long unused (default 30 min) */
    uint64_t session_max_ms;    /* and this long after it began, used or not (default 12 h) */
    uint64_t invite_ms;         /* an invite link works this long (default 72 h) */
    unsigned bench_rooms;       /* benchmarks only: open group rooms bench-1..bench-N */
    char timezone[64];          /* the clinic's time zone (IANA name); "" : the machine's */
    char stun_urls[CH_ICE_URLS_MAX]; /* "stun:a:3478,stuns:b" (checked, no spaces); "" : none */
    char turn_urls[CH_ICE_URLS_MAX]; /* "turn:a:3478?transport=udp,turns:a:5349"; "" : none */
    char turn_secret_file[CH_PATH_MAX]; /* coturn's static-auth-secret, mode 0600 */
    char turn_secret[CH_TURN_SECRET_MAX]; /* its text, read by ch_config_parse_args; never logged */
    uint64_t turn_ttl_ms;       /* TURN credentials handed out work this long (default 60 min) */
    unsigned mesh_video_max;    /* a session meshes video up to this many participants (default 6) */
    unsigned max_conns_per_signin;  /* open WebSockets one sign-in may hold (default 16) */
    unsigned max_conns_per_account; /* and one account, over all its sign-ins (default 32) */
    unsigned message_seconds;   /* a WebSocket message must arrive whole this soon after it began (default 60) */
    unsigned watchdog_seconds;  /* the loop stuck this long: abort for a restart (0: warn only) */
    unsigned plugin_budget_ms;  /* a plugin's handle_message running longer is logged (default 50) */
    char public_hosts[CH_ICE_URLS_MAX]; /* --public-host names, comma-separated (net/host_header.h) */
    char janus_urls[CH_JANUS_URLS_MAX]; /* "ws://127.0.0.1:8188,..."; "" : no SFU (media/sfu.h) */
    char janus_secret_file[CH_PATH_MAX];    /* Janus's apisecret, mode 0600; "" : none */
    char janus_admin_key_file[CH_PATH_MAX]; /* the VideoRoom plugin's admin_key, mode 0600 */
    char janus_secret[CH_JANUS_SECRET_MAX];    /* their texts, read by ch_config_parse_args; never logged */
    char janus_admin_key[CH_JANUS_SECRET_MAX];
    ch_sfu_mode sfu_mode;       /* --sfu auto|always|never */
} ch_config;

typedef enum ch_config_action {
    CH_CONFIG_RUN = 0,   /* start the daemon */
    CH_CONFIG_HELP,      /* --help was given: print usage, exit 0 */
    CH_CONFIG_VERSION,   /* --version: print version, exit 0 */
    CH_CONFIG_CHECK_PLUGIN, /* --check-plugin FILE: check it (plugins/plugin_check.h), exit 0 or 1 */
    CH_CONFIG_ERROR      /* err holds one line; exit 2 */
} ch_config_action;

/* Fill with defaults; paths point at the installed layout, or at the build tree
 * when the running binary is the build tree's one. */
void ch_config_defaults(ch_config *cfg);

/* Release what the configuration holds (the plugins' settings). */
void ch_config_free(ch_config *cfg);

/* Set one key ("listen", "data-dir", "key-file", "plugins" (each call adds a directory; the first
 * from a new source replaces the list), "web", "plugin-web", "log-level",
 * "tls-cert", "tls-key", "port-file", "demo", "insecure", "max-message-bytes",
 * "rate-limit", "rate-burst", "group-capacity", "chat-max-chars",
 * "outbox-max-bytes", "session-idle-minutes", "session-max-hours", "invite-hours",
 * "invite-seconds", "bench-rooms", "stun", "turn", "turn-secret-file", "turn-ttl-minutes",
 * "mesh-video-max") from text. Boolean keys take "true"/"false"/"yes"/"no"/"1"/"0".
 * Returns 0, or -1 with a one-line message in err. */
int ch_config_set(ch_config *cfg, const char *key, const char *value, char *err, size_t errlen);

/* Read "key = value" lines (# comments, blank lines) and, after them, plugin
 * sections: a "[<plugin name>]" line, then its "key = value" lines, keys
 * [a-z0-9_-]{1,64}, each at most once a section (config_file.c). Returns 0, or
 * -1 with "FILE:LINE: what is wrong" in err. */
int ch_config_load_file(ch_config *cfg, const char *path, char *err, size_t errlen);

/* Read the plugin sections of the config file at path again, for a live
 * reload: the whole file must still parse (its daemon keys are checked, then
 * dropped: they change only on a restart). 0 with the sections in *out (never
 * NULL: empty when the file has none; ch_settings_free), or -1 with "FILE:LINE:
 * what is wrong" in err. Touches nothing shared: any thread. */
int ch_config_read_settings(const char *path, ch_settings **out, char *err, size_t errlen);
void ch_settings_free(ch_settings *s);

/* The value of key in the [section] of the config file; NULL when not set. */
const char *ch_config_setting(const ch_config *cfg, const char *section, const char *key);
/* The same from a set of sections (NULL: none). */
const char *ch_settings_get(const ch_settings *s, const char *section, const char *key);

/* The i-th setting of [section], in file order: 1 with *key and *value set, or 0 past the last. */
int ch_config_setting_at(const ch_config *cfg, const char *section, size_t i, const char **key,
                         const char **value);

/* 1 if key is a valid setting key: [a-z0-9_-]{1,64}. */
int ch_config_valid_setting_key(const char *key);

/* Format a one-line message into err (config.c and config_file.c). */
void ch_config_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parse argv: --config FILE is read first, then the other options override it.
 * Finally checks the whole (ch_config_check) and reads the TURN secret. */
ch_config_action ch_config_parse_args(ch_config *cfg, int argc, char **argv, char *err,
                                      size_t errlen);

/* Cross-field checks: TLS cert and key together; non-loopback needs TLS or insecure;
 * --turn and --turn-secret-file together; every --plugins directory given exists. */
int ch_config_check(const ch_config *cfg, char *err, size_t errlen);

/* Read cfg->turn_secret from cfg->turn_secret_file (when set): a regular file no
 * group or other may access, its first line, trailing white space dropped, not
 * empty. 0, or -1 with a line in err (which never holds the secret). */
int ch_config_load_turn_secret(ch_config *cfg, char *err, size_t errlen);

/* Read the Janus secrets from their files (as the TURN secret). 0 or -1. */
int ch_config_load_janus_secrets(ch_config *cfg, char *err, size_t errlen);

/* 1 if host is a loopback address (127.0.0.0/8, ::1, "localhost"). */
int ch_config_is_loopback(const char *host);

/* The usage text for --help. */
const char *ch_config_usage(void);

#endif
