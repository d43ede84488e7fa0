/* test_config.c -- defaults, command line and config file (host/config.h). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static char err[512];

static void ensure_tmpdir(void)
{
    if (mkdir(TEST_TMPDIR, 0755) != 0 && errno != EEXIST)
        ck_abort_msg("cannot create %s", TEST_TMPDIR);
}

/* Write text to TEST_TMPDIR/name; returns the full path (static buffer per slot). */
static const char *write_tmp(const char *name, const char *text)
{
    static char paths[4][CH_PATH_MAX];
    static int slot;
    char *path = paths[slot++ % 4];
    ensure_tmpdir();
    snprintf(path, CH_PATH_MAX, "%s/config-%ld-%s", TEST_TMPDIR, (long)getpid(), name);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
    return path;
}

static ch_config_action parse(ch_config *cfg, int argc, char **argv)
{
    ch_config_defaults(cfg);
    memset(err, 0, sizeof err);
    return ch_config_parse_args(cfg, argc, argv, err, sizeof err);
}

/* The error must be one non-empty line. */
static void assert_one_line(const char *what)
{
    ck_assert_msg(err[0] != '\0', "%s: empty error", what);
    ck_assert_msg(strchr(err, '\n') == NULL, "%s: error contains a newline: \"%s\"", what, err);
}

static void expect_error(int argc, char **argv, const char *what)
{
    ch_config cfg;
    ch_config_action a = parse(&cfg, argc, argv);
    ck_assert_msg(a == CH_CONFIG_ERROR, "%s: accepted (action %d)", what, (int)a);
    assert_one_line(what);
}

START_TEST(defaults)
{
    ch_config cfg;
    memset(&cfg, 0x5a, sizeof cfg);
    ch_config_defaults(&cfg);
    ck_assert_str_eq(cfg.listen_host, "127.0.0.1");
    ck_assert_int_eq(cfg.listen_port, 8080);
    ck_assert_int_eq(cfg.log_level, CAREHOST_LOG_INFO);
    ck_assert_uint_eq(cfg.max_message_bytes, 65536);
    ck_assert_uint_eq(cfg.rate_per_sec, 20);
    ck_assert_uint_eq(cfg.rate_burst, 40);
    ck_assert_uint_eq(cfg.group_capacity, 15);
    ck_assert_uint_eq(cfg.chat_max_chars, 2000);
    ck_assert_uint_eq(cfg.outbox_max_bytes, 1048576);
    ck_assert_int_eq(cfg.demo, 0);
    ck_assert_int_eq(cfg.insecure, 0);
    ck_assert_str_eq(cfg.tls_cert, "");
    ck_assert_str_eq(cfg.tls_key, "");
    ck_assert_str_eq(cfg.port_file, "");
    ck_assert_uint_eq(cfg.plugins_dir_count, 1);
    ck_assert(cfg.plugins_dirs[0][0] != '\0');
    ck_assert_ptr_null(cfg.settings);
    ck_assert(cfg.web_dir[0] != '\0');
    ck_assert(cfg.data_dir[0] != '\0');
    ck_assert(cfg.plugin_web_dir[0] != '\0');
    ck_assert_int_eq(ch_config_check(&cfg, err, sizeof err), 0);
}
END_TEST

START_TEST(no_arguments_runs_with_defaults)
{
    ch_config cfg;
    char *argv[] = {"carehost"};
    ck_assert_int_eq(parse(&cfg, ARGC(argv), argv), CH_CONFIG_RUN);
    ck_assert_str_eq(cfg.listen_host, "127.0.0.1");
    ck_assert_int_eq(cfg.listen_port, 8080);
}
END_TEST

START_TEST(listen_forms)
{
    ch_config cfg;
    char *a1[] = {"carehost", "--listen", "127.0.0.1:9000"};
    ck_assert_int_eq(parse(&cfg, ARGC(a1), a1), CH_CONFIG_RUN);
    ck_assert_str_eq(cfg.listen_host, "127.0.0.1");
    ck_assert_int_eq(cfg.listen_port, 9000);

    char *a2[] = {"carehost", "--listen", "[::1]:0"};
    ck_assert_int_eq(parse(&cfg, ARGC(a2), a2), CH_CONFIG_RUN);
    ck_assert_str_eq(cfg.listen_host, "::1");
    ck_assert_int_eq(cfg.listen_port, 0);

    char *a3[] = {"carehost", "--listen=127.0.0.1:9001"};
    ck_assert_int_eq(parse(&cfg, ARGC(a3), a3), CH_CONFIG_RUN);
    ck_assert_str_eq(cfg.listen_host, "127.0.0.1");
    ck_assert_int_eq(cfg.listen_port, 9001);

    char *a4[] = {"carehost", "--listen", "localhost:65535"};
    ck_assert_int_eq(parse(&cfg, ARGC(a4), a4), CH_CONFIG_RUN);
    ck_assert_str_eq(cfg.listen_host, "localhost");
    ck_assert_int_eq(cfg.listen_port, 65535);
}
END_TEST

START_TEST(simple_options)
{
    ch_config cfg;
    ensure_tmpdir(); /* a --plugins folder must exist */
    char *argv[] = {"carehost", "--demo", "--log-level", "debug", "--rate-limit", "5",
                    "--rate-burst", "7", "--group-capacity", "4", "--chat-max-chars", "300",
                    "--max-message-bytes", "4096", "--port-file", "/tmp/port",
                    "--plugins", TEST_TMPDIR, "--web", "/opt/w", "--data-dir", "/opt/d",
                    "--plugin-web", "/opt/pw", "--outbox-max-bytes", "200000"};
    ck_assert_int_eq(parse(&cfg, ARGC(argv), argv), CH_CONFIG_RUN);
    ck_assert_int_eq(cfg.demo, 1);
    ck_assert_int_eq(cfg.log_level, CAREHOST_LOG_DEBUG);
    ck_assert_uint_eq(cfg.rate_per_sec, 5);
    ck_assert_uint_eq(cfg.rate_burst, 7);
    ck_assert_uint_eq(cfg.group_capacity, 4);
    ck_assert_uint_eq(cfg.chat_max_chars, 300);
    ck_assert_uint_eq(cfg.max_message_bytes, 4096);
    ck_assert_str_eq(cfg.port_file, "/tmp/port");
    ck_assert_uint_eq(cfg.plugins_dir_count, 1);
    ck_assert_str_eq(cfg.plugins_dirs[0], TEST_TMPDIR);
    ck_assert_str_eq(cfg.web_dir, "/opt/w");
    ck_assert_str_eq(cfg.data_dir, "/opt/d");
    ck_assert_str_eq(cfg.plugin_web_dir, "/opt/pw");
    ck_assert_uint_eq(cfg.outbox_max_bytes, 200000);
}
END_TEST

START_TEST(log_levels)
{
    const char *names[] = {"error", "warn", "info", "debug"};
    const carehost_log_level levels[] = {CAREHOST_LOG_ERROR, CAREHOST_LOG_WARN, CAREHOST_LOG_INFO,
                                         CAREHOST_LOG_DEBUG};
    for (int i = 0; i < 4; i++) {
        ch_config cfg;
        char *argv[] = {"carehost", "--log-level", (char *)names[i]};
        ck_assert_int_eq(parse(&cfg, ARGC(argv), argv), CH_CONFIG_RUN);
        ck_assert_int_eq(cfg.log_level, levels[i]);
    }
}
END_TEST

START_TEST(listen_without_port)
{
    char *argv[] = {"carehost", "--listen", "127.0.0.1"};
    expect_error(ARGC(argv), argv, "--listen without port");
}
END_TEST

START_TEST(listen_empty_port)
{
    char *argv[] = {"carehost", "--listen", "127.0.0.1:"};
    expect_error(ARGC(argv), argv, "--listen with empty port");
}
END_TEST

START_TEST(listen_port_too_big)
{
    char *argv[] = {"carehost", "--listen", "127.0.0.1:70000"};
    expect_error(ARGC(argv), argv, "port 70000");
}
END_TEST

START_TEST(listen_port_not_a_number)
{
    char *argv[] = {"carehost", "--listen", "127.0.0.1:abc"};
    expect_error(ARGC(argv), argv, "port abc");
    char *argv2[] = {"carehost", "--listen", "127.0.0.1:80x"};
    expect_error(ARGC(argv2), argv2, "port 80x");
    char *argv3[] = {"carehost", "--listen", "127.0.0.1:-1"};
    expect_error(ARGC(argv3), argv3, "port -1");
}
END_TEST

START_TEST(unknown_option)
{
    char *argv[] = {"carehost", "--colour", "blue"};
    expect_error(ARGC(argv), argv, "unknown option");
}
END_TEST

START_TEST(stray_argument)
{
    char *argv[] = {"carehost", "extra"};
    expect_error(ARGC(argv), argv, "stray argument");
}
END_TEST

START_TEST(missing_argument)
{
    char *argv[] = {"carehost", "--listen"};
    expect_error(ARGC(argv), argv, "--listen without its argument");
}
END_TEST

START_TEST(bad_log_level)
{
    char *argv[] = {"carehost", "--log-level", "loud"};
    expect_error(ARGC(argv), argv, "--log-level loud");
}
END_TEST

START_TEST(zero_group_capacity)
{
    char *argv[] = {"carehost", "--group-capacity", "0"};
    expect_error(ARGC(argv), argv, "--group-capacity 0");
}
END_TEST

START_TEST(tiny_max_message_bytes)
{
    char *argv[] = {"carehost", "--max-message-bytes", "10"};
    expect_error(ARGC(argv), argv, "--max-message-bytes 10");
}
END_TEST

START_TEST(bad_numbers)
{
    char *a1[] = {"carehost", "--rate-limit", "fast"};
    expect_error(ARGC(a1), a1, "--rate-limit fast");
    char *a2[] = {"carehost", "--rate-burst", "-3"};
    expect_error(ARGC(a2), a2, "--rate-burst -3");
    char *a3[] = {"carehost", "--chat-max-chars", "12abc"};
    expect_error(ARGC(a3), a3, "--chat-max-chars 12abc");
}
END_TEST

/* Session limits: minutes and hours, decimals allowed (tests use seconds), at least 1 s. */
START_TEST(session_limits)
{
    ch_config cfg;
    char *d[] = {"carehost"};
    ck_assert_int_eq(parse(&cfg, ARGC(d), d), CH_CONFIG_RUN);
    ck_assert_uint_eq(cfg.session_idle_ms, 30u * 60 * 1000);
    ck_assert_uint_eq(cfg.session_max_ms, 12u * 3600 * 1000);
    char *a[] = {"carehost", "--session-idle-minutes", "0.02", "--session-max-hours=1.5"};
    ck_assert_int_eq(parse(&cfg, ARGC(a), a), CH_CONFIG_RUN);
    ck_assert_uint_eq(cfg.session_idle_ms, 1200);
    ck_assert_uint_eq(cfg.session_max_ms, 5400000);
    ck_assert_int_eq(ch_config_set(&cfg, "session-idle-minutes", "45", err, sizeof err), 0);
    ck_assert_uint_eq(cfg.session_idle_ms, 45u * 60 * 1000);
    static const char *bad[] = {"0", "-1", "abc", "0.001", "1e9", "0x10", "nan", "inf", "", "5 min", ".", "1.5.2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *b[] = {"carehost", "--session-idle-minutes", (char *)bad[i]};
        expect_error(ARGC(b), b, bad[i]);
        ck_assert_ptr_nonnull(strstr(err, "session-idle-minutes"));
    }
    char *m[] = {"carehost", "--session-max-hours", "0.0001"};
    expect_error(ARGC(m), m, "--session-max-hours 0.0001");
    char *l[] = {"carehost", "--session-max-hours", "100000"};
    expect_error(ARGC(l), l, "--session-max-hours 100000");
}
END_TEST

/* --stun / --turn: comma-separated URLs of their own schemes, kept without spaces. */
START_TEST(ice_urls)
{
    ch_config cfg;
    char *d[] = {"carehost"};
    ck_assert_int_eq(parse(&cfg, ARGC(d), d), CH_CONFIG_RUN);
    ck_assert_str_eq(cfg.stun_urls, "");
    ck_assert_str_eq(cfg.turn_urls, "");
    ck_assert_str_eq(cfg.turn_secret, "");
    ck_assert_uint_eq(cfg.turn_ttl_ms, 60u * 60 * 1000);
    ck_assert_uint_eq(cfg.mesh_video_max, 6);
    char *a[] = {"carehost", "--stun", "stun:stun.example.org:3478, stuns:[2001:db8::1]:5349",
                 "--mesh-video-max", "4", "--turn-ttl-minutes=0.5"};
    ck_assert_int_eq(parse(&cfg, ARGC(a), a), CH_CONFIG_RUN);
    ck_assert_str_eq(cfg.stun_urls, "stun:stun.example.org:3478,stuns:[2001:db8::1]:5349");
    ck_assert_uint_eq(cfg.mesh_video_max, 4);
    ck_assert_uint_eq(cfg.turn_ttl_ms, 30000);
    ck_assert_int_eq(ch_config_set(&cfg, "turn", "turn:t.example.org:3478?transport=udp,turns:t.example.org",
                                   err, sizeof err), 0);
    ck_assert_str_eq(cfg.turn_urls, "turn:t.example.org:3478?transport=udp,turns:t.example.org");
    static const char *bad_stun[] = {"", "turn:t.example.org", "http://x", "stun:", "stun:a,,stun:b",
                                     "stun:a,", "stun:a b", "stun:\"a\"", "STUN:a", "stunx:a", "stun::3478"};
    for (size_t i = 0; i < sizeof bad_stun / sizeof bad_stun[0]; i++) {
        char *b[] = {"carehost", "--stun", (char *)bad_stun[i]};
        expect_error(ARGC(b), b, bad_stun[i]);
        ck_assert_ptr_nonnull(strstr(err, "--stun"));
    }
    char *t[] = {"carehost", "--turn", "stun:a", "--turn-secret-file", "/nonexistent"};
    expect_error(ARGC(t), t, "--turn stun:a");
    ck_assert_ptr_nonnull(strstr(err, "--turn stun:a"));
    static const char *bad_mesh[] = {"0", "1", "51", "x"};
    for (size_t i = 0; i < sizeof bad_mesh / sizeof bad_mesh[0]; i++) {
        char *b[] = {"carehost", "--mesh-video-max", (char *)bad_mesh[i]};
        expect_error(ARGC(b), b, bad_mesh[i]);
    }
    char *ttl[] = {"carehost", "--turn-ttl-minutes", "0"};
    expect_error(ARGC(ttl), ttl, "--turn-ttl-minutes 0");
}
END_TEST

/* The secret comes from a file only the daemon's user may read, never the command line. */
START_TEST(turn_secret_file)
{
    ch_config cfg;
    const char *good = write_tmp("turn-secret", "  s3cret with spaces \t\n# not read\n");
    chmod(good, 0600);
    char *a[] = {"carehost", "--turn", "turn:t.example.org", "--turn-secret-file", (char *)good};
    ck_assert_int_eq(parse(&cfg, ARGC(a), a), CH_CONFIG_RUN);
    ck_assert_str_eq(cfg.turn_secret, "  s3cret with spaces");
    /* Each without the other. */
    char *b[] = {"carehost", "--turn", "turn:t.example.org"};
    expect_error(ARGC(b), b, "--turn alone");
    ck_assert_ptr_nonnull(strstr(err, "--turn-secret-file"));
    char *c[] = {"carehost", "--turn-secret-file", (char *)good};
    expect_error(ARGC(c), c, "--turn-secret-file alone");
    /* Group or others may read it: refused, and the message holds the path, not the secret. */
    chmod(good, 0640);
    expect_error(ARGC(a), a, "mode 0640");
    ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
    ck_assert_ptr_null(strstr(err, "s3cret"));
    chmod(good, 0604);
    expect_error(ARGC(a), a, "mode 0604");
    const char *empty = write_tmp("turn-empty", "\n");
    chmod(empty, 0600);
    char *e[] = {"carehost", "--turn", "turn:t", "--turn-secret-file", (char *)empty};
    expect_error(ARGC(e), e, "empty secret file");
    ck_assert_ptr_nonnull(strstr(err, "empty"));
    char *m[] = {"carehost", "--turn", "turn:t", "--turn-secret-file", TEST_TMPDIR "/no-such-secret"};
    expect_error(ARGC(m), m, "missing secret file");
    char *dir[] = {"carehost", "--turn", "turn:t", "--turn-secret-file", TEST_TMPDIR};
    expect_error(ARGC(dir), dir, "a folder");
    /* The same keys in a config file. */
    char text[CH_PATH_MAX + 200];
    chmod(good, 0600);
    snprintf(text, sizeof text, "stun = stun:s.example.org\nturn = turns:t.example.org:5349\n"
             "turn-secret-file = %s\nturn-ttl-minutes = 90\nmesh-video-max = 3\n", good);
    const char *conf = write_tmp("ice.conf", text);
    char *f[] = {"carehost", "--config", (char *)conf};
    ck_assert_int_eq(parse(&cfg, ARGC(f), f), CH_CONFIG_RUN);
    ck_assert_str_eq(cfg.stun_urls, "stun:s.example.org");
    ck_assert_str_eq(cfg.turn_urls, "turns:t.example.org:5349");
    ck_assert_str_eq(cfg.turn_secret, "  s3cret with spaces");
    ck_assert_uint_eq(cfg.turn_ttl_ms, 90u * 60 * 1000);
    ck_assert_uint_eq(cfg.mesh_video_max, 3);
}
END_TEST

/* --janus and its secrets, --sfu (media/sfu.h). */
START_TEST(janus_options)
{
    ch_config cfg;
    char *none[] = {"carehost"};
    ck_assert_int_eq(parse(&cfg, ARGC(none), none), CH_CONFIG_RUN);
    ck_assert_str_eq(cfg.janus_urls, "");
    ck_assert_int_eq(cfg.sfu_mode, CH_SFU_AUTO);
    const char *secret = write_tmp("janus-secret", "api-s3cret\n");
    const char *key = write_tmp("janus-key", "adm1n-key \n");
    chmod(secret, 0600);
    chmod(key, 0600);
    char *a[] = {"carehost", "--janus", "ws://127.0.0.1:8188/, wss://media.example.org/janus", "--janus",
                 "ws://10.0.0.2:8188", "--janus-secret-file", (char *)secret, "--janus-admin-key-file",
                 (char *)key, "--sfu", "always"};
    ck_assert_int_eq(parse(&cfg, ARGC(a), a), CH_CONFIG_RUN);
    ck_assert_str_eq(cfg.janus_urls, "ws://127.0.0.1:8188/,wss://media.example.org/janus,ws://10.0.0.2:8188");
    ck_assert_str_eq(cfg.janus_secret, "api-s3cret");
    ck_assert_str_eq(cfg.janus_admin_key, "adm1n-key");
    ck_assert_int_eq(cfg.sfu_mode, CH_SFU_ALWAYS);
    char *never[] = {"carehost", "--janus", "ws://127.0.0.1:8188/", "--sfu", "never"};
    ck_assert_int_eq(parse(&cfg, ARGC(never), never), CH_CONFIG_RUN);
    ck_assert_int_eq(cfg.sfu_mode, CH_SFU_NEVER);
    /* Refusals, each one line naming the option. */
    char *http[] = {"carehost", "--janus", "http://127.0.0.1:8088/janus"};
    expect_error(ARGC(http), http, "an HTTP URL");
    ck_assert_ptr_nonnull(strstr(err, "--janus"));
    char *empty[] = {"carehost", "--janus", "ws://"};
    expect_error(ARGC(empty), empty, "no host");
    char *mode[] = {"carehost", "--janus", "ws://127.0.0.1:8188/", "--sfu", "sometimes"};
    expect_error(ARGC(mode), mode, "--sfu sometimes");
    ck_assert_ptr_nonnull(strstr(err, "auto, always or never"));
    char *always[] = {"carehost", "--sfu", "always"};
    expect_error(ARGC(always), always, "--sfu always without --janus");
    char *alone[] = {"carehost", "--janus-secret-file", (char *)secret};
    expect_error(ARGC(alone), alone, "--janus-secret-file without --janus");
    chmod(key, 0644);
    expect_error(ARGC(a), a, "an admin key others may read");
    ck_assert_ptr_nonnull(strstr(err, "--janus-admin-key-file"));
    ck_assert_ptr_null(strstr(err, "adm1n"));
}
END_TEST

START_TEST(help_and_version)
{
    ch_config cfg;
    char *h[] = {"carehost", "--help"};
    ck_assert_int_eq(parse(&cfg, ARGC(h), h), CH_CONFIG_HELP);
    char *v[] = {"carehost", "--version"};
    ck_assert_int_eq(parse(&cfg, ARGC(v), v), CH_CONFIG_VERSION);
    const char *usage = ch_config_usage();
    ck_assert_ptr_nonnull(usage);
    ck_assert_ptr_nonnull(strstr(usage, "--listen"));
    ck_assert_ptr_nonnull(strstr(usage, "--insecure"));
}
END_TEST

START_TEST(non_loopback_needs_tls_or_insecure)
{
    ch_config cfg;
    char *a1[] = {"carehost", "--listen", "0.0.0.0:8443"};
    ck_assert_int_eq(parse(&cfg, ARGC(a1), a1), CH_CONFIG_ERROR);
    assert_one_line("0.0.0.0 without TLS");
    ck_assert_msg(strstr(err, "--insecure") != NULL, "error does not mention --insecure: %s", err);

    char *a2[] = {"carehost", "--listen", "0.0.0.0:8443", "--insecure"};
    ck_assert_int_eq(parse(&cfg, ARGC(a2), a2), CH_CONFIG_RUN);
    ck_assert_int_eq(cfg.insecure, 1);
    ck_assert_str_eq(cfg.listen_host, "0.0.0.0");
    ck_assert_int_eq(cfg.listen_port, 8443);

    const char *cert = write_tmp("cert.pem", "not really a certificate\n");
    const char *key = write_tmp("key.pem", "not really a key\n");
    char *a3[] = {"carehost", "--listen", "0.0.0.0:8443", "--tls-cert", (char *)cert,
                  "--tls-key", (char *)key};
    ck_assert_msg(parse(&cfg, ARGC(a3), a3) == CH_CONFIG_RUN, "refused with TLS: %s", err);
    ck_assert_str_eq(cfg.tls_cert, cert);
    ck_assert_str_eq(cfg.tls_key, key);
    ck_assert_int_eq(cfg.insecure, 0);
}
END_TEST

START_TEST(tls_cert_and_key_together)
{
    const char *cert = write_tmp("cert2.pem", "x\n");
    const char *key = write_tmp("key2.pem", "x\n");
    char *a1[] = {"carehost", "--tls-cert", (char *)cert};
    expect_error(ARGC(a1), a1, "--tls-cert without --tls-key");
    char *a2[] = {"carehost", "--tls-key", (char *)key};
    expect_error(ARGC(a2), a2, "--tls-key without --tls-cert");
    char *a3[] = {"carehost", "--listen", "0.0.0.0:8443", "--tls-cert", (char *)cert};
    expect_error(ARGC(a3), a3, "non-loopback with a cert and no key");
}
END_TEST

START_TEST(config_check_direct)
{
    ch_config cfg;
    ch_config_defaults(&cfg);
    ck_assert_int_eq(ch_config_check(&cfg, err, sizeof err), 0);
    snprintf(cfg.listen_host, sizeof cfg.listen_host, "10.0.0.1");
    memset(err, 0, sizeof err);
    ck_assert_int_eq(ch_config_check(&cfg, err, sizeof err), -1);
    assert_one_line("ch_config_check 10.0.0.1");
    cfg.insecure = 1;
    ck_assert_int_eq(ch_config_check(&cfg, err, sizeof err), 0);
}
END_TEST

START_TEST(set_booleans)
{
    ch_config cfg;
    ch_config_defaults(&cfg);
    const char *yes[] = {"true", "yes", "1"};
    const char *no[] = {"false", "no", "0"};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(ch_config_set(&cfg, "demo", yes[i], err, sizeof err), 0);
        ck_assert_int_eq(cfg.demo, 1);
        ck_assert_int_eq(ch_config_set(&cfg, "demo", no[i], err, sizeof err), 0);
        ck_assert_int_eq(cfg.demo, 0);
        ck_assert_int_eq(ch_config_set(&cfg, "insecure", yes[i], err, sizeof err), 0);
        ck_assert_int_eq(cfg.insecure, 1);
        ck_assert_int_eq(ch_config_set(&cfg, "insecure", no[i], err, sizeof err), 0);
        ck_assert_int_eq(cfg.insecure, 0);
    }
    memset(err, 0, sizeof err);
    ck_assert_int_eq(ch_config_set(&cfg, "demo", "maybe", err, sizeof err), -1);
    assert_one_line("demo = maybe");
    memset(err, 0, sizeof err);
    ck_assert_int_eq(ch_config_set(&cfg, "colour", "blue", err, sizeof err), -1);
    assert_one_line("unknown key");
    ck_assert_int_eq(ch_config_set(&cfg, "listen", "[::1]:8081", err, sizeof err), 0);
    ck_assert_str_eq(cfg.listen_host, "::1");
    ck_assert_int_eq(cfg.listen_port, 8081);
}
END_TEST

START_TEST(load_file_good)
{
    const char *path = write_tmp("good.conf",
                                 "# carehost test configuration\n"
                                 "\n"
                                 "   \n"
                                 "listen = 127.0.0.1:9100\n"
                                 "log-level=debug\n"
                                 "demo = yes\n"
                                 "insecure = false\n"
                                 "  # an indented comment\n"
                                 "rate-limit   =   7\n"
                                 "group-capacity = 9\n"
                                 "plugins = /srv/carehost/plugins\n");
    ch_config cfg;
    ch_config_defaults(&cfg);
    memset(err, 0, sizeof err);
    ck_assert_msg(ch_config_load_file(&cfg, path, err, sizeof err) == 0, "refused: %s", err);
    ck_assert_str_eq(cfg.listen_host, "127.0.0.1");
    ck_assert_int_eq(cfg.listen_port, 9100);
    ck_assert_int_eq(cfg.log_level, CAREHOST_LOG_DEBUG);
    ck_assert_int_eq(cfg.demo, 1);
    ck_assert_int_eq(cfg.insecure, 0);
    ck_assert_uint_eq(cfg.rate_per_sec, 7);
    ck_assert_uint_eq(cfg.group_capacity, 9);
    ck_assert_uint_eq(cfg.plugins_dir_count, 1);
    ck_assert_str_eq(cfg.plugins_dirs[0], "/srv/carehost/plugins");
    /* untouched keys keep their defaults */
    ck_assert_uint_eq(cfg.rate_burst, 40);
    ck_assert_uint_eq(cfg.chat_max_chars, 2000);
}
END_TEST

static void expect_file_error(const char *name, const char *text, int line)
{
    const char *path = write_tmp(name, text);
    ch_config cfg;
    ch_config_defaults(&cfg);
    memset(err, 0, sizeof err);
    ck_assert_int_eq(ch_config_load_file(&cfg, path, err, sizeof err), -1);
    assert_one_line(name);
    char prefix[CH_PATH_MAX + 32];
    snprintf(prefix, sizeof prefix, "%s:%d:", path, line);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "error \"%s\" does not start with %s",
                  err, prefix);
    ch_config_free(&cfg);
}

START_TEST(load_file_errors_name_file_and_line)
{
    expect_file_error("noeq.conf", "# fine\ndemo = yes\nthis line has no equals sign\n", 3);
    expect_file_error("unknown.conf", "\ncolour = blue\n", 2);
    expect_file_error("badvalue.conf", "rate-burst = many\n", 1);
    expect_file_error("badport.conf", "# a\n# b\n\nlisten = 127.0.0.1:70000\n", 4);
    expect_file_error("badbool.conf", "demo = perhaps\n", 1);
}
END_TEST

/* --plugins again adds a folder; the command line's list replaces the file's; a
 * folder that does not exist is refused with one line naming it. */
START_TEST(plugins_repeatable)
{
    ensure_tmpdir();
    char one[CH_PATH_MAX], two[CH_PATH_MAX];
    snprintf(one, sizeof one, "%s/plugins-one-%ld", TEST_TMPDIR, (long)getpid());
    snprintf(two, sizeof two, "%s/plugins-two-%ld", TEST_TMPDIR, (long)getpid());
    mkdir(one, 0755);
    mkdir(two, 0755);
    ch_config cfg;
    char *a1[] = {"carehost", "--plugins", one, "--plugins", two};
    ck_assert_int_eq(parse(&cfg, ARGC(a1), a1), CH_CONFIG_RUN);
    ck_assert_uint_eq(cfg.plugins_dir_count, 2);
    ck_assert_str_eq(cfg.plugins_dirs[0], one);
    ck_assert_str_eq(cfg.plugins_dirs[1], two);

    char text[3 * CH_PATH_MAX];
    snprintf(text, sizeof text, "plugins = %s\nplugins = %s\n", one, two);
    const char *path = write_tmp("plugins.conf", text);
    char *a2[] = {"carehost", "--config", (char *)path};
    ck_assert_int_eq(parse(&cfg, ARGC(a2), a2), CH_CONFIG_RUN);
    ck_assert_uint_eq(cfg.plugins_dir_count, 2);
    ck_assert_str_eq(cfg.plugins_dirs[1], two);
    char *a3[] = {"carehost", "--config", (char *)path, "--plugins", two};
    ck_assert_int_eq(parse(&cfg, ARGC(a3), a3), CH_CONFIG_RUN);
    ck_assert_uint_eq(cfg.plugins_dir_count, 1);
    ck_assert_str_eq(cfg.plugins_dirs[0], two);

    char missing[CH_PATH_MAX + 16];
    snprintf(missing, sizeof missing, "%s/nothing-here", one);
    char *a4[] = {"carehost", "--plugins", one, "--plugins", missing};
    expect_error(ARGC(a4), a4, "a missing plugin folder");
    ck_assert_msg(strstr(err, missing) && strstr(err, "no such directory"), "error: %s", err);
    rmdir(one);
    rmdir(two);
}
END_TEST

START_TEST(check_plugin_action)
{
    ch_config cfg;
    char *a1[] = {"carehost", "--check-plugin", "/some/plugin.so", "--plugin-web", "/opt/pw"};
    ck_assert_int_eq(parse(&cfg, ARGC(a1), a1), CH_CONFIG_CHECK_PLUGIN);
    ck_assert_str_eq(cfg.check_plugin, "/some/plugin.so");
    ck_assert_str_eq(cfg.plugin_web_dir, "/opt/pw");
    char *a2[] = {"carehost", "--check-plugin"};
    expect_error(ARGC(a2), a2, "--check-plugin without a file");
}
END_TEST

/* [plugin] sections: their keys are the plugin's settings, in file order. */
START_TEST(plugin_sections)
{
    const char *path = write_tmp("sections.conf",
                                 "group-capacity = 9\n"
                                 "[echo]\n"
                                 "greeting = Hello from the clinic   # trailing comment\n"
                                 "spare-key_2 =\n"
                                 "[ cbt ]\n"
                                 "templates = /etc/carehost/cbt\n"
                                 "group-capacity = 3\n");
    ch_config cfg;
    ch_config_defaults(&cfg);
    memset(err, 0, sizeof err);
    ck_assert_msg(ch_config_load_file(&cfg, path, err, sizeof err) == 0, "refused: %s", err);
    ck_assert_uint_eq(cfg.group_capacity, 9); /* a key in a section is the plugin's, not the host's */
    ck_assert_str_eq(ch_config_setting(&cfg, "echo", "greeting"), "Hello from the clinic");
    ck_assert_str_eq(ch_config_setting(&cfg, "echo", "spare-key_2"), "");
    ck_assert_str_eq(ch_config_setting(&cfg, "cbt", "templates"), "/etc/carehost/cbt");
    ck_assert_str_eq(ch_config_setting(&cfg, "cbt", "group-capacity"), "3");
    ck_assert_ptr_null(ch_config_setting(&cfg, "echo", "templates"));
    ck_assert_ptr_null(ch_config_setting(&cfg, "attendance", "greeting"));
    const char *key, *value;
    ck_assert_int_eq(ch_config_setting_at(&cfg, "echo", 0, &key, &value), 1);
    ck_assert_str_eq(key, "greeting");
    ck_assert_int_eq(ch_config_setting_at(&cfg, "echo", 1, &key, &value), 1);
    ck_assert_str_eq(key, "spare-key_2");
    ck_assert_int_eq(ch_config_setting_at(&cfg, "echo", 2, &key, &value), 0);
    ck_assert_int_eq(ch_config_valid_setting_key("a-b_0"), 1);
    ck_assert_int_eq(ch_config_valid_setting_key("Greeting"), 0);
    ck_assert_int_eq(ch_config_valid_setting_key(""), 0);
    ch_config_free(&cfg);
    ck_assert_ptr_null(cfg.settings);
}
END_TEST

START_TEST(plugin_section_errors)
{
    expect_file_error("sec-open.conf", "demo = yes\n[echo\ngreeting = hi\n", 2);
    expect_file_error("sec-name.conf", "[Echo]\ngreeting = hi\n", 1);
    expect_file_error("sec-empty.conf", "[]\n", 1);
    expect_file_error("sec-long.conf", "[abcdefghijabcdefghijabcdefghijabc]\n", 1);
    expect_file_error("sec-key.conf", "[echo]\n\nGreeting = hi\n", 3);
    expect_file_error("sec-key2.conf", "[echo]\nhello there = hi\n", 2);
    expect_file_error("sec-noeq.conf", "[echo]\ngreeting\n", 2);
    expect_file_error("sec-twice.conf", "[echo]\ngreeting = a\n[cbt]\n[echo]\ngreeting = b\n", 5);
    ck_assert_msg(strstr(err, "already set on line 2"), "error: %s", err);
}
END_TEST

/* A live reload reads the plugin sections again: the daemon's keys must parse and
 * are dropped; a file with no section gives an empty set, not NULL. */
START_TEST(read_settings_again)
{
    ch_settings *s = NULL;
    const char *path = write_tmp("again.conf", "listen = 127.0.0.1:9100\n[echo]\ngreeting = again\n");
    memset(err, 0, sizeof err);
    ck_assert_msg(ch_config_read_settings(path, &s, err, sizeof err) == 0, "refused: %s", err);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(ch_settings_get(s, "echo", "greeting"), "again");
    ck_assert_ptr_null(ch_settings_get(s, "echo", "listen"));
    ch_settings_free(s);

    path = write_tmp("again-none.conf", "rate-limit = 7\n");
    ck_assert_msg(ch_config_read_settings(path, &s, err, sizeof err) == 0, "refused: %s", err);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(ch_settings_get(s, "echo", "greeting"));
    ch_settings_free(s);

    path = write_tmp("again-bad.conf", "rate-limit = many\n[echo]\ngreeting = x\n");
    ck_assert_int_eq(ch_config_read_settings(path, &s, err, sizeof err), -1);
    ck_assert_ptr_null(s);
    assert_one_line("a bad daemon key on a reload");
    ck_assert_msg(strstr(err, "again-bad.conf:1: "), "error: %s", err);
}
END_TEST

START_TEST(load_file_missing)
{
    char path[CH_PATH_MAX];
    snprintf(path, sizeof path, "%s/does-not-exist-%ld.conf", TEST_TMPDIR, (long)getpid());
    ch_config cfg;
    ch_config_defaults(&cfg);
    memset(err, 0, sizeof err);
    ck_assert_int_eq(ch_config_load_file(&cfg, path, err, sizeof err), -1);
    assert_one_line("missing file");
    ck_assert_msg(strstr(err, path) != NULL, "error does not name the file: %s", err);
}
END_TEST

START_TEST(command_line_overrides_file)
{
    const char *path = write_tmp("override.conf", "listen = 127.0.0.1:9100\nrate-limit = 7\n"
                                                  "log-level = warn\n");
    ch_config cfg;
    char *a1[] = {"carehost", "--config", (char *)path, "--listen", "127.0.0.1:9200"};
    ck_assert_msg(parse(&cfg, ARGC(a1), a1) == CH_CONFIG_RUN, "refused: %s", err);
    ck_assert_int_eq(cfg.listen_port, 9200);
    ck_assert_uint_eq(cfg.rate_per_sec, 7);
    ck_assert_int_eq(cfg.log_level, CAREHOST_LOG_WARN);

    /* The file is read first even when --config comes last. */
    char *a2[] = {"carehost", "--listen", "127.0.0.1:9300", "--log-level", "error", "--config",
                  (char *)path};
    ck_assert_msg(parse(&cfg, ARGC(a2), a2) == CH_CONFIG_RUN, "refused: %s", err);
    ck_assert_int_eq(cfg.listen_port, 9300);
    ck_assert_int_eq(cfg.log_level, CAREHOST_LOG_ERROR);
    ck_assert_uint_eq(cfg.rate_per_sec, 7);
}
END_TEST

START_TEST(bad_config_file_through_args)
{
    const char *path = write_tmp("args-bad.conf", "nonsense\n");
    char *a1[] = {"carehost", "--config", (char *)path};
    expect_error(ARGC(a1), a1, "--config with a bad file");
    ck_assert_msg(strstr(err, path) != NULL, "error does not name the file: %s", err);

    /* A non-loopback address from the file is checked too. */
    const char *open_path = write_tmp("args-open.conf", "listen = 0.0.0.0:8080\n");
    char *a2[] = {"carehost", "--config", (char *)open_path};
    expect_error(ARGC(a2), a2, "non-loopback from file");
    char *a3[] = {"carehost", "--config", (char *)open_path, "--insecure"};
    ch_config cfg;
    ck_assert_int_eq(parse(&cfg, ARGC(a3), a3), CH_CONFIG_RUN);
}
END_TEST

START_TEST(loopback)
{
    ck_assert_int_eq(ch_config_is_loopback("127.0.0.1"), 1);
    ck_assert_int_eq(ch_config_is_loopback("127.5.5.5"), 1);
    ck_assert_int_eq(ch_config_is_loopback("127.255.255.254"), 1);
    ck_assert_int_eq(ch_config_is_loopback("::1"), 1);
    ck_assert_int_eq(ch_config_is_loopback("localhost"), 1);
    ck_assert_int_eq(ch_config_is_loopback("0.0.0.0"), 0);
    ck_assert_int_eq(ch_config_is_loopback("10.0.0.1"), 0);
    ck_assert_int_eq(ch_config_is_loopback("::"), 0);
    ck_assert_int_eq(ch_config_is_loopback("example.org"), 0);
    ck_assert_int_eq(ch_config_is_loopback("128.0.0.1"), 0);
    ck_assert_int_eq(ch_config_is_loopback("127.0.0.1.example.org"), 0);
    ck_assert_int_eq(ch_config_is_loopback("localhost.example.org"), 0);
    ck_assert_int_eq(ch_config_is_loopback(""), 0);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("args");
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, janus_options);
    tcase_add_test(tc, no_arguments_runs_with_defaults);
    tcase_add_test(tc, listen_forms);
    tcase_add_test(tc, simple_options);
    tcase_add_test(tc, log_levels);
    tcase_add_test(tc, listen_without_port);
    tcase_add_test(tc, listen_empty_port);
    tcase_add_test(tc, listen_port_too_big);
    tcase_add_test(tc, listen_port_not_a_number);
    tcase_add_test(tc, unknown_option);
    tcase_add_test(tc, stray_argument);
    tcase_add_test(tc, missing_argument);
    tcase_add_test(tc, bad_log_level);
    tcase_add_test(tc, zero_group_capacity);
    tcase_add_test(tc, tiny_max_message_bytes);
    tcase_add_test(tc, bad_numbers);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, non_loopback_needs_tls_or_insecure);
    tcase_add_test(tc, tls_cert_and_key_together);
    tcase_add_test(tc, config_check_direct);
    tcase_add_test(tc, set_booleans);
    suite_add_tcase(s, tc);

    tc = tcase_create("file");
    tcase_add_test(tc, load_file_good);
    tcase_add_test(tc, load_file_errors_name_file_and_line);
    tcase_add_test(tc, read_settings_again);
    tcase_add_test(tc, load_file_missing);
    tcase_add_test(tc, command_line_overrides_file);
    tcase_add_test(tc, bad_config_file_through_args);
    tcase_add_test(tc, session_limits);
    tcase_add_test(tc, ice_urls);
    tcase_add_test(tc, turn_secret_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("loopback");
    tcase_add_test(tc, loopback);
    tcase_add_test(tc, plugins_repeatable);
    tcase_add_test(tc, check_plugin_action);
    tcase_add_test(tc, plugin_sections);
    tcase_add_test(tc, plugin_section_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
