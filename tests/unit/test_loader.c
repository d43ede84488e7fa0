/* test_loader.c -- loading, checking and registering plugins
 * (host/plugin_loader.h), with the test plugins in tests/plugins/. */
#include <check.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "plugins/plugin_check.h"
#include "plugins/plugin_image.h"
#include "plugins/plugin_loader.h"
#include "plugins/plugin_shared_api.h"

#define PLUGIN(name) TEST_PLUGIN_DIR "/" name ".so"

/* ------------------------------------------------------------------------- */
/* A host function table that records what plugins do                        */
/* ------------------------------------------------------------------------- */

static char plugin_log[8192]; /* "<plugin>: <line>\n" for every host->log call */

static int t_register_verb(carehost_plugin_ctx *ctx, const char *verb, unsigned roles,
                           unsigned flags, const json_t *fields)
{
    return ch_plugin_register_verb(ctx, verb, roles, flags, fields);
}

static carehost_request last_reply_req;
static char last_reply_pong[32];
static char last_reply_user[80];

static int t_reply(carehost_plugin_ctx *ctx, carehost_request req, const json_t *fields)
{
    (void)ctx;
    last_reply_req = req;
    const char *pong = json_string_value(json_object_get(fields, "pong"));
    snprintf(last_reply_pong, sizeof last_reply_pong, "%s", pong ? pong : "");
    const char *user = json_string_value(json_object_get(fields, "user"));
    snprintf(last_reply_user, sizeof last_reply_user, "%s", user ? user : "(none)");
    return CAREHOST_OK;
}

static int t_reply_error(carehost_plugin_ctx *ctx, carehost_request req, const char *code,
                         const char *message)
{
    (void)ctx;
    (void)req;
    (void)code;
    (void)message;
    return CAREHOST_OK;
}

static int t_send_to(carehost_plugin_ctx *ctx, carehost_participant to, const char *event,
                     const json_t *fields)
{
    (void)ctx;
    (void)to;
    (void)event;
    (void)fields;
    return CAREHOST_ENOENT;
}

static int t_send_to_session(carehost_plugin_ctx *ctx, const char *session, unsigned roles,
                             const char *event, const json_t *fields)
{
    (void)ctx;
    (void)session;
    (void)roles;
    (void)event;
    (void)fields;
    return CAREHOST_ENOENT;
}

static void t_log(carehost_plugin_ctx *ctx, carehost_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void t_log(carehost_plugin_ctx *ctx, carehost_log_level level, const char *fmt, ...)
{
    (void)level;
    size_t used = strlen(plugin_log);
    const char *name = ch_plugin_name(ctx);
    used += (size_t)snprintf(plugin_log + used, sizeof plugin_log - used, "%s: ",
                             name ? name : "?");
    if (used >= sizeof plugin_log)
        return;
    va_list ap;
    va_start(ap, fmt);
    used += (size_t)vsnprintf(plugin_log + used, sizeof plugin_log - used, fmt, ap);
    va_end(ap);
    if (used + 1 < sizeof plugin_log) {
        plugin_log[used] = '\n';
        plugin_log[used + 1] = '\0';
    }
}

static carehost_timer t_timer_start(carehost_plugin_ctx *ctx, uint32_t delay_ms, int repeat,
                                    carehost_timer_fn fn, void *data)
{
    (void)ctx;
    (void)delay_ms;
    (void)repeat;
    (void)fn;
    (void)data;
    return 0;
}

static int t_timer_cancel(carehost_plugin_ctx *ctx, carehost_timer timer)
{
    (void)ctx;
    (void)timer;
    return CAREHOST_ENOENT;
}

static const carehost_host_api test_api = {
    .abi_major = CAREHOST_PLUGIN_ABI_MAJOR,
    .abi_minor = CAREHOST_PLUGIN_ABI_MINOR,
    .size = sizeof(carehost_host_api),
    .register_verb = t_register_verb,
    .reply = t_reply,
    .reply_error = t_reply_error,
    .send_to = t_send_to,
    .send_to_session = t_send_to_session,
    .log = t_log,
    .timer_start = t_timer_start,
    .timer_cancel = t_timer_cancel,
};

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void setup(void)
{
    plugin_log[0] = '\0';
    if (mkdir(TEST_TMPDIR, 0755) != 0 && errno != EEXIST)
        ck_abort_msg("cannot create %s", TEST_TMPDIR);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static size_t count_occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static json_t *J(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    ck_assert_msg(j != NULL, "test JSON does not parse: %s", jerr.text);
    return j;
}

/* Check msg against a verb's schema; returns the error code or NULL. */
static const char *schema_code(const ch_plugin_verb *v, const char *msg_text)
{
    static ch_proto_error err;
    memset(&err, 0, sizeof err);
    json_t *msg = J(msg_text);
    int rc = ch_schema_check(v->schema, msg, &err);
    json_decref(msg);
    return rc == 0 ? NULL : (err.code ? err.code : "(no code)");
}

/* Redirect stderr (where ch_log writes) into a file; stop_capture returns its text. */
static char capture_path[1024];
static int saved_stderr = -1;

static void start_capture(void)
{
    snprintf(capture_path, sizeof capture_path, "%s/loader-stderr-%ld.txt", TEST_TMPDIR,
             (long)getpid());
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_ge(saved_stderr, 0);
    ck_assert_ptr_nonnull(freopen(capture_path, "w", stderr));
}

static char *stop_capture(void)
{
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    clearerr(stderr);
    static char text[8192];
    text[0] = '\0';
    FILE *f = fopen(capture_path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(capture_path);
    return text;
}

static ch_load_result load_one(const char *path)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_ptr_nonnull(all);
    ch_load_result r = ch_plugins_load_file(all, path);
    ck_assert_uint_eq(ch_plugins_count(all), r == CH_LOAD_OK ? 1 : 0);
    ch_plugins_free(all);
    return r;
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

START_TEST(good_loads)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_ptr_nonnull(all);
    ck_assert_uint_eq(ch_plugins_count(all), 0);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("good")), CH_LOAD_OK);
    ck_assert_uint_eq(ch_plugins_count(all), 1);

    carehost_plugin_ctx *ctx = ch_plugins_find(all, "good");
    ck_assert_ptr_nonnull(ctx);
    ck_assert_ptr_eq(ch_plugins_at(all, 0), ctx);
    ck_assert_ptr_null(ch_plugins_find(all, "frozen"));
    ck_assert_str_eq(ch_plugin_name(ctx), "good");
    ck_assert_str_eq(ch_plugin_version(ctx), "1.0.0");
    ck_assert_msg(ends_with(ch_plugin_path(ctx), "/good.so"), "path %s", ch_plugin_path(ctx));
    const carehost_plugin *desc = ch_plugin_desc(ctx);
    ck_assert_ptr_nonnull(desc);
    ck_assert_str_eq(desc->name, "good");
    ck_assert_str_eq(desc->description, "Test plugin: answers ping");
    ck_assert_ptr_nonnull(CH_PLUGIN_CB(desc, handle_message));
    ck_assert_ptr_null(CH_PLUGIN_CB(desc, session_opened));

    ck_assert_uint_eq(ch_plugin_verb_count(ctx), 1);
    const ch_plugin_verb *v = ch_plugin_find_verb(ctx, "ping");
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_eq(ch_plugin_verb_at(ctx, 0), v);
    ck_assert_str_eq(v->name, "ping");
    ck_assert_uint_eq(v->roles, CAREHOST_ROLES_ALL);
    ck_assert_uint_eq(v->flags, 0);
    ck_assert_ptr_nonnull(v->schema);
    ck_assert_ptr_null(ch_plugin_find_verb(ctx, "pong"));
    ck_assert_ptr_null(ch_plugin_find_verb(ctx, "good.ping"));

    /* The declared fields are what the schema enforces. */
    ck_assert_ptr_null(schema_code(v, "{\"type\":\"good.ping\"}"));
    ck_assert_ptr_null(schema_code(v, "{\"type\":\"good.ping\",\"id\":1,\"n\":0}"));
    ck_assert_ptr_null(schema_code(v, "{\"type\":\"good.ping\",\"n\":10}"));
    ck_assert_str_eq(schema_code(v, "{\"type\":\"good.ping\",\"n\":11}"), "invalid_field");
    ck_assert_str_eq(schema_code(v, "{\"type\":\"good.ping\",\"n\":-1}"), "invalid_field");
    ck_assert_str_eq(schema_code(v, "{\"type\":\"good.ping\",\"n\":\"3\"}"), "wrong_field_type");
    ck_assert_str_eq(schema_code(v, "{\"type\":\"good.ping\",\"m\":1}"), "unknown_field");

    /* handle_message answers the request through the host table */
    carehost_peer peer = {.size = sizeof peer, .participant = 3, .session = "s", .name = "Ana",
                          .role = CAREHOST_ROLE_PATIENT, .user = "u-ana"};
    json_t *msg = J("{\"type\":\"good.ping\",\"id\":1}");
    CH_PLUGIN_CB(desc, handle_message)(ctx, &peer, "ping", msg, 77);
    ck_assert_uint_eq(last_reply_req, 77);
    ck_assert_str_eq(last_reply_pong, "good");
    ck_assert_str_eq(last_reply_user, "u-ana");

    /* A 1.1 host builds a peer without `user`: the plugin sees it absent, even
     * though the memory past the host's size holds something. */
    peer.size = offsetof(carehost_peer, user);
    CH_PLUGIN_CB(desc, handle_message)(ctx, &peer, "ping", msg, 78);
    ck_assert_uint_eq(last_reply_req, 78);
    ck_assert_str_eq(last_reply_user, "(none)");
    json_decref(msg);

    ch_plugins_free(all);
}
END_TEST

START_TEST(register_verb_only_during_init)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("good")), CH_LOAD_OK);
    carehost_plugin_ctx *ctx = ch_plugins_find(all, "good");
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(ch_plugin_register_verb(ctx, "late", CAREHOST_ROLES_ALL, 0, NULL),
                     CAREHOST_ESTATE);
    ck_assert_ptr_null(ch_plugin_find_verb(ctx, "late"));
    ck_assert_uint_eq(ch_plugin_verb_count(ctx), 1);
    ch_plugins_free(all);
}
END_TEST

START_TEST(shutdown_called_once_on_free)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("good")), CH_LOAD_OK);

    /* Hold our own reference so the counter outlives the registry's dlclose. */
    void *h = dlopen(PLUGIN("good"), RTLD_NOW | RTLD_NOLOAD);
    ck_assert_msg(h != NULL, "good.so is not loaded: %s", dlerror());
    int *calls = dlsym(h, "good_shutdown_calls");
    ck_assert_ptr_nonnull(calls);
    ck_assert_int_eq(*calls, 0);
    ck_assert_ptr_null(strstr(plugin_log, "good shutdown"));

    ch_plugins_free(all);
    ck_assert_int_eq(*calls, 1);
    ck_assert_uint_eq(count_occurrences(plugin_log, "good: good shutdown\n"), 1);
    dlclose(h);
}
END_TEST

START_TEST(shutdown_in_reverse_load_order)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("good")), CH_LOAD_OK);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("frozen_v1")), CH_LOAD_OK);
    ck_assert_uint_eq(ch_plugins_count(all), 2);
    ck_assert_str_eq(ch_plugin_name(ch_plugins_at(all, 0)), "good");
    ck_assert_str_eq(ch_plugin_name(ch_plugins_at(all, 1)), "frozen");
    ch_plugins_free(all);
    const char *good = strstr(plugin_log, "good: good shutdown");
    const char *frozen = strstr(plugin_log, "frozen: frozen shutdown");
    ck_assert_msg(good && frozen, "shutdowns missing; log:\n%s", plugin_log);
    ck_assert_msg(frozen < good, "not in reverse load order; log:\n%s", plugin_log);
}
END_TEST

START_TEST(wrong_abi_refused)
{
    ck_assert_int_eq(load_one(PLUGIN("wrong_abi")), CH_LOAD_WRONG_ABI);
}
END_TEST

START_TEST(missing_symbol_refused)
{
    ck_assert_int_eq(load_one(PLUGIN("missing_symbol")), CH_LOAD_NO_ENTRY);
}
END_TEST

START_TEST(init_fail_refused)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("init_fail")), CH_LOAD_INIT_FAILED);
    ck_assert_uint_eq(ch_plugins_count(all), 0);
    ck_assert_ptr_null(ch_plugins_find(all, "init_fail"));
    /* the registry still works afterwards */
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("good")), CH_LOAD_OK);
    ck_assert_uint_eq(ch_plugins_count(all), 1);
    ch_plugins_free(all);
    /* "shutdown is not called" for a plugin whose init failed */
    ck_assert_msg(strstr(plugin_log, "init_fail shutdown") == NULL, "log:\n%s", plugin_log);
    ck_assert_ptr_nonnull(strstr(plugin_log, "good: good shutdown"));
}
END_TEST

START_TEST(reserved_name_refused)
{
    /* Names of the host's own dotted message types: rtc.offer, rtc.answer,
     * rtc.candidate; plugin.reloaded (a plugin "plugin" could send it). */
    static const struct {
        const char *file, *name, *why;
    } cases[] = {
        {"reserved_rtc", "rtc", "'rtc' is reserved for the host's WebRTC signalling verbs"},
        {"reserved_plugin", "plugin", "'plugin' is reserved for the host's plugin events (plugin.reloaded)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ch_plugins *all = ch_plugins_new(&test_api);
        char path[512];
        snprintf(path, sizeof path, TEST_PLUGIN_DIR "/%s.so", cases[i].file);
        start_capture();
        ch_load_result r = ch_plugins_load_file(all, path);
        char *log = stop_capture();
        ck_assert_int_eq(r, CH_LOAD_BAD_NAME);
        ck_assert_uint_eq(ch_plugins_count(all), 0);
        ck_assert_ptr_null(ch_plugins_find(all, cases[i].name));
        ck_assert_msg(strstr(log, path) && strstr(log, cases[i].why), "stderr:\n%s", log);
        ck_assert_ptr_nonnull(strstr(ch_plugins_refusal(all), cases[i].why));
        ch_plugins_free(all);
    }
}
END_TEST

START_TEST(verb_refusal_same_in_log_and_check)
{
    /* One validation (plugins/plugin_declare.h): the daemon's log line and
     * --check-plugin's report give the same reason for a refused verb. */
    ch_config cfg;
    ch_config_defaults(&cfg);
    char report_path[1100];
    snprintf(report_path, sizeof report_path, "%s/check-report-%ld.txt", TEST_TMPDIR, (long)getpid());
    FILE *report = fopen(report_path, "w+");
    ck_assert_ptr_nonnull(report);
    ch_plugins *all = ch_plugins_new(&test_api);
    start_capture();
    ch_load_result r = ch_plugins_load_file(all, PLUGIN("bad_schema"));
    int problems = ch_plugin_check(PLUGIN("bad_schema"), &cfg, report);
    char *log = stop_capture();
    ch_plugins_free(all);
    ck_assert_int_eq(r, CH_LOAD_INIT_FAILED);
    ck_assert_int_ge(problems, 1);
    static const char said[] = "plugin bad_schema: verb 'ask' refused: ";
    const char *reason = strstr(log, said);
    ck_assert_msg(reason != NULL, "stderr:\n%s", log);
    reason += strlen(said);
    char expected[700];
    snprintf(expected, sizeof expected, "problem: verb 'ask': %.*s\n", (int)strcspn(reason, "\n"),
             reason);
    ck_assert_ptr_nonnull(strstr(expected, "its field rules are refused: "));
    char text[8192];
    rewind(report);
    size_t n = fread(text, 1, sizeof text - 1, report);
    text[n] = '\0';
    fclose(report);
    unlink(report_path);
    ck_assert_msg(strstr(text, expected) != NULL, "report:\n%s\nexpected: %s", text, expected);
    ch_config_free(&cfg);
}
END_TEST

START_TEST(duplicate_refused)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("good")), CH_LOAD_OK);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("duplicate")), CH_LOAD_DUPLICATE_NAME);
    ck_assert_uint_eq(ch_plugins_count(all), 1);
    carehost_plugin_ctx *ctx = ch_plugins_find(all, "good");
    ck_assert_ptr_nonnull(ctx);
    ck_assert_msg(ends_with(ch_plugin_path(ctx), "/good.so"), "path %s", ch_plugin_path(ctx));
    ck_assert_str_eq(ch_plugin_version(ctx), "1.0.0");
    ck_assert_ptr_nonnull(ch_plugin_find_verb(ctx, "ping"));
    ck_assert_ptr_null(ch_plugin_find_verb(ctx, "dup"));
    ch_plugins_free(all);
    ck_assert_uint_eq(count_occurrences(plugin_log, "good shutdown"), 1);
}
END_TEST

START_TEST(not_a_shared_object)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/x-%ld.so", TEST_TMPDIR, (long)getpid());
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("this is a text file, not an ELF shared object\n", f);
    fclose(f);
    ck_assert_int_eq(load_one(path), CH_LOAD_DLOPEN_FAILED);
    unlink(path);

    snprintf(path, sizeof path, "%s/no-such-plugin-%ld.so", TEST_TMPDIR, (long)getpid());
    ck_assert_int_eq(load_one(path), CH_LOAD_DLOPEN_FAILED);
}
END_TEST

START_TEST(frozen_v1_loads)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("frozen_v1")), CH_LOAD_OK);
    carehost_plugin_ctx *ctx = ch_plugins_find(all, "frozen");
    ck_assert_ptr_nonnull(ctx);
    ck_assert_str_eq(ch_plugin_version(ctx), "1.0.0");
    const carehost_plugin *desc = ch_plugin_desc(ctx);
    ck_assert_uint_eq(desc->abi_major, 1);
    ck_assert_uint_eq(desc->abi_minor, 0);
    const ch_plugin_verb *v = ch_plugin_find_verb(ctx, "hold");
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(v->roles, CAREHOST_ROLE_THERAPIST);
    ck_assert_uint_eq(v->flags, CAREHOST_VERB_IN_SESSION);
    /* It handles a message from a peer as this host builds it (1.2, larger than
     * the 1.0 peer it was compiled with) and answers through the table. */
    carehost_peer peer = {.size = sizeof peer, .participant = 9, .session = "s", .name = "Dr B",
                          .role = CAREHOST_ROLE_THERAPIST, .user = "u-b"};
    json_t *msg = J("{\"type\":\"frozen.hold\",\"id\":5}");
    last_reply_req = 0;
    CH_PLUGIN_CB(desc, handle_message)(ctx, &peer, "hold", msg, 91);
    json_decref(msg);
    ck_assert_uint_eq(last_reply_req, 91);
    ch_plugins_free(all);
    ck_assert_ptr_nonnull(strstr(plugin_log, "frozen: frozen shutdown"));
}
END_TEST

START_TEST(newer_minor_loads)
{
    /* A plugin built against a newer minor loads: the host reads only the members
     * it knows (the plugin's size is larger) and the plugin checks the host's size. */
    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("newer_minor")), CH_LOAD_OK);
    carehost_plugin_ctx *ctx = ch_plugins_find(all, "newer");
    ck_assert_ptr_nonnull(ctx);
    ck_assert_uint_eq(ch_plugin_desc(ctx)->abi_minor, CAREHOST_PLUGIN_ABI_MINOR + 1);
    ck_assert_uint_gt(ch_plugin_desc(ctx)->size, sizeof(carehost_plugin));
    ch_plugins_free(all);
}
END_TEST

START_TEST(load_dir_loads_the_valid_ones)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    start_capture();
    size_t loaded = ch_plugins_load_dir(all, TEST_PLUGIN_DIR);
    char *log = stop_capture();
    /* Name order: bad_schema.so fails, duplicate.so takes the name "good" first,
     * frozen_v1.so loads, good.so is then the duplicate; init_fail, missing_symbol
     * and wrong_abi fail; newer_minor.so (ABI 1.<minor+1>) and panel_missing.so load;
     * reserved_plugin.so and reserved_rtc.so are refused for their names. */
    ck_assert_msg(loaded == 4, "loaded %zu; stderr:\n%s", loaded, log);
    ck_assert_uint_eq(ch_plugins_count(all), 4);
    ck_assert_str_eq(ch_plugin_name(ch_plugins_at(all, 0)), "good");
    ck_assert_str_eq(ch_plugin_name(ch_plugins_at(all, 1)), "frozen");
    ck_assert_str_eq(ch_plugin_name(ch_plugins_at(all, 2)), "newer");
    ck_assert_str_eq(ch_plugin_name(ch_plugins_at(all, 3)), "panel_missing");
    carehost_plugin_ctx *good = ch_plugins_find(all, "good");
    ck_assert_ptr_nonnull(good);
    ck_assert_msg(ends_with(ch_plugin_path(good), "/duplicate.so"), "path %s",
                  ch_plugin_path(good));
    ck_assert_ptr_nonnull(ch_plugin_find_verb(good, "dup"));
    ck_assert_ptr_nonnull(ch_plugins_find(all, "frozen"));
    ck_assert_ptr_null(ch_plugins_find(all, "init_fail"));
    ck_assert_ptr_null(ch_plugins_find(all, "wrong_abi"));
    ck_assert_ptr_null(ch_plugins_find(all, "missing_symbol"));

    /* every refused file is named in an error line */
    const char *refused[] = {"good.so", "init_fail.so", "missing_symbol.so", "wrong_abi.so",
                             "bad_schema.so", "reserved_plugin.so", "reserved_rtc.so"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        ck_assert_msg(strstr(log, refused[i]) != NULL, "no log line names %s; stderr:\n%s",
                      refused[i], log);

    ch_plugins_free(all);
    const char *frozen = strstr(plugin_log, "frozen: frozen shutdown");
    const char *dup = strstr(plugin_log, "good: duplicate shutdown");
    ck_assert_msg(frozen && dup && frozen < dup, "shutdowns; log:\n%s", plugin_log);
    ck_assert_ptr_null(strstr(plugin_log, "init_fail shutdown"));
}
END_TEST

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    ck_assert_msg(in != NULL, "cannot read %s", from);
    FILE *out = fopen(to, "wb");
    ck_assert_msg(out != NULL, "cannot write %s", to);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

START_TEST(load_dir_build_tree_layout)
{
    /* The uninstalled build tree: <dir>/<name>/.libs/<name>.so */
    char dir[1024], sub[1100], libs[1200], so[1300], junk[1200];
    snprintf(dir, sizeof dir, "%s/tree-%ld", TEST_TMPDIR, (long)getpid());
    snprintf(sub, sizeof sub, "%s/frozen_v1", dir);
    snprintf(libs, sizeof libs, "%s/.libs", sub);
    snprintf(so, sizeof so, "%s/frozen_v1.so", libs);
    snprintf(junk, sizeof junk, "%s/README.txt", dir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ck_assert_int_eq(mkdir(libs, 0755), 0);
    copy_file(PLUGIN("frozen_v1"), so);
    FILE *f = fopen(junk, "w");
    fputs("not a plugin\n", f);
    fclose(f);

    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_uint_eq(ch_plugins_load_dir(all, dir), 1);
    carehost_plugin_ctx *ctx = ch_plugins_find(all, "frozen");
    ck_assert_ptr_nonnull(ctx);
    ck_assert_msg(ends_with(ch_plugin_path(ctx), "/frozen_v1/.libs/frozen_v1.so"), "path %s",
                  ch_plugin_path(ctx));
    ch_plugins_free(all);

    unlink(so);
    unlink(junk);
    rmdir(libs);
    rmdir(sub);
    rmdir(dir);
}
END_TEST

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* Each plugin's web folder is found beside it (plugins/plugin_web.h), and
 * whether it has a panel comes from its flags (1.4) or from the file (older). */
START_TEST(web_folder_beside_the_plugin)
{
    char dir[1024], p[8][1200];
    snprintf(dir, sizeof dir, "%s/web-%ld", TEST_TMPDIR, (long)getpid());
    snprintf(p[0], sizeof p[0], "%s/frozen.web", dir);           /* DIR/<name>.web/ */
    snprintf(p[1], sizeof p[1], "%s/frozen.web/panel.js", dir);
    snprintf(p[2], sizeof p[2], "%s/frozen_v1.so", dir);
    snprintf(p[3], sizeof p[3], "%s/good", dir);                 /* DIR/<name>/web/ */
    snprintf(p[4], sizeof p[4], "%s/good/web", dir);
    snprintf(p[5], sizeof p[5], "%s/good/web/panel.js", dir);
    snprintf(p[6], sizeof p[6], "%s/good.so", dir);
    snprintf(p[7], sizeof p[7], "%s/panel_missing.so", dir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    ck_assert_int_eq(mkdir(p[0], 0755), 0);
    ck_assert_int_eq(mkdir(p[3], 0755), 0);
    ck_assert_int_eq(mkdir(p[4], 0755), 0);
    write_text(p[1], "export function mount() {}\n");
    write_text(p[5], "export function mount() {}\n");
    copy_file(PLUGIN("frozen_v1"), p[2]);
    copy_file(PLUGIN("good"), p[6]);
    copy_file(PLUGIN("panel_missing"), p[7]);

    ch_plugins *all = ch_plugins_new(&test_api);
    ch_plugins_set_web_fallback(all, TEST_TMPDIR "/no-such-web");
    start_capture();
    ck_assert_uint_eq(ch_plugins_load_dir(all, dir), 3);
    char *log = stop_capture();
    /* A 1.0 plugin: the host looks for the file, and finds it in DIR/frozen.web/. */
    carehost_plugin_ctx *frozen = ch_plugins_find(all, "frozen");
    ck_assert_str_eq(ch_plugin_web_dir(frozen), p[0]);
    ck_assert_int_eq(ch_plugin_has_panel(frozen), 1);
    /* A 1.4 plugin without CAREHOST_PLUGIN_HAS_PANEL: no panel, though the file is there. */
    carehost_plugin_ctx *good = ch_plugins_find(all, "good");
    ck_assert_str_eq(ch_plugin_web_dir(good), p[4]);
    ck_assert_int_eq(ch_plugin_has_panel(good), 0);
    /* Declared but missing: the fallback folder, a panel, and a warning saying so. */
    carehost_plugin_ctx *missing = ch_plugins_find(all, "panel_missing");
    ck_assert_str_eq(ch_plugin_web_dir(missing), TEST_TMPDIR "/no-such-web/panel_missing/web");
    ck_assert_int_eq(ch_plugin_has_panel(missing), 1);
    ck_assert_msg(strstr(log, "WARN") && strstr(log, "panel_missing declares a panel"), "log:\n%s", log);
    ch_plugins_free(all);

    unlink(p[1]), unlink(p[2]), unlink(p[5]), unlink(p[6]), unlink(p[7]);
    rmdir(p[0]), rmdir(p[4]), rmdir(p[3]), rmdir(dir);
}
END_TEST

START_TEST(load_dir_missing_dir)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    start_capture();
    size_t n = ch_plugins_load_dir(all, TEST_TMPDIR "/no-such-dir");
    stop_capture();
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(ch_plugins_count(all), 0);
    ch_plugins_free(all);
}
END_TEST

/* A refusal is one error line on stderr naming the file. */
static void expect_refusal_logged(const char *path, ch_load_result want)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    start_capture();
    ch_load_result r = ch_plugins_load_file(all, path);
    char *log = stop_capture();
    ch_plugins_free(all);
    ck_assert_int_eq(r, want);
    ck_assert_msg(strstr(log, path) != NULL, "stderr does not name %s:\n%s", path, log);
    ck_assert_msg(strstr(log, "ERROR") != NULL, "not logged at error level:\n%s", log);
    size_t len = strlen(log);
    ck_assert_msg(len > 0 && log[len - 1] == '\n' && strchr(log, '\n') == log + len - 1,
                  "expected exactly one line:\n%s", log);
    /* something beyond the time, level and path: the reason */
    ck_assert_msg(len > strlen(path) + 45, "no reason given:\n%s", log);
}

START_TEST(refusals_are_logged)
{
    expect_refusal_logged(PLUGIN("wrong_abi"), CH_LOAD_WRONG_ABI);
    expect_refusal_logged(PLUGIN("missing_symbol"), CH_LOAD_NO_ENTRY);
    expect_refusal_logged(PLUGIN("init_fail"), CH_LOAD_INIT_FAILED);
}
END_TEST

START_TEST(result_texts)
{
    const ch_load_result all[] = {CH_LOAD_OK,         CH_LOAD_DLOPEN_FAILED, CH_LOAD_NO_ENTRY,
                                  CH_LOAD_NULL_PLUGIN, CH_LOAD_WRONG_ABI,    CH_LOAD_BAD_SIZE,
                                  CH_LOAD_BAD_NAME,   CH_LOAD_NO_VERSION,    CH_LOAD_MISSING_CALLBACK,
                                  CH_LOAD_DUPLICATE_NAME, CH_LOAD_INIT_FAILED, CH_LOAD_DROPPED_VERB};
    const size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        const char *t = ch_load_result_text(all[i]);
        ck_assert_msg(t != NULL && t[0] != '\0', "no text for result %d", (int)all[i]);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(t, ch_load_result_text(all[j])) != 0,
                          "results %d and %d share the text \"%s\"", (int)all[i], (int)all[j], t);
    }
}
END_TEST

/* A replacement is a second, separate mapping of the file, even while the first
 * is loaded from the same path (dlopen alone would hand back the same image);
 * it takes the old one's place; the folder of private copies is left empty. */
START_TEST(replacement_maps_new_code)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/images-%ld", TEST_TMPDIR, (long)getpid());
    char why[256];
    ck_assert_int_eq(ch_plugin_images_prepare(dir, why, sizeof why), 0);
    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_int_eq(ch_plugins_set_image_dir(all, dir), 0);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("good")), CH_LOAD_OK);
    carehost_plugin_ctx *old = ch_plugins_find(all, "good");
    carehost_plugin_ctx *fresh = NULL;
    ck_assert_int_eq(ch_plugins_open_replacement(all, old, NULL, NULL, &fresh), CH_LOAD_OK);
    ck_assert_ptr_nonnull(fresh);
    ck_assert_ptr_ne(ch_plugin_desc(fresh), ch_plugin_desc(old));
    ck_assert_ptr_eq(ch_plugins_find(all, "good"), old); /* not serving yet */
    ck_assert_uint_eq(ch_plugin_verb_count(fresh), ch_plugin_verb_count(old));
    ch_plugins_replace(all, old, fresh);
    ck_assert_uint_eq(ch_plugins_count(all), 1);
    ck_assert_ptr_eq(ch_plugins_find(all, "good"), fresh);
    ch_plugins_free(all);
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t left = 0;
    for (struct dirent *e; (e = readdir(d));)
        left += e->d_name[0] != '.';
    closedir(d);
    ck_assert_uint_eq(left, 0);
    rmdir(dir);
}
END_TEST

/* The config file's plugin sections, from text. */
static ch_settings *settings_from(const char *text)
{
    char path[1100], why[512];
    snprintf(path, sizeof path, "%s/settings-%ld.conf", TEST_TMPDIR, (long)getpid());
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    ch_settings *s = NULL;
    ck_assert_msg(ch_config_read_settings(path, &s, why, sizeof why) == 0, "%s", why);
    unlink(path);
    return s;
}

/* A replacement reads the settings it was given (the config file read again by
 * a reload); the running instance keeps those it was loaded with. */
START_TEST(replacement_reads_its_own_settings)
{
    ch_settings *start = settings_from("[good]\ngreeting = at start\n");
    ch_plugins *all = ch_plugins_new(&test_api);
    ch_plugins_set_settings(all, start);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("good")), CH_LOAD_OK);
    carehost_plugin_ctx *old = ch_plugins_find(all, "good");
    ck_assert_str_eq(ch_plugin_setting(old, "greeting"), "at start");
    carehost_plugin_ctx *fresh = NULL;
    ck_assert_int_eq(ch_plugins_open_replacement(all, old, NULL,
                                                 settings_from("[good]\ngreeting = changed\n"), &fresh),
                     CH_LOAD_OK);
    ck_assert_str_eq(ch_plugin_setting(fresh, "greeting"), "changed");
    ck_assert_str_eq(ch_plugin_setting(old, "greeting"), "at start");
    ck_assert_ptr_null(ch_plugin_setting(fresh, "Greeting"));
    ch_plugins_replace(all, old, fresh);
    ck_assert_str_eq(ch_plugin_setting(ch_plugins_find(all, "good"), "greeting"), "changed");
    ch_plugins_free(all); /* frees fresh's settings */
    ch_settings_free(start);
}
END_TEST

/* A file holding another plugin cannot replace this one. */
START_TEST(replacement_with_another_name_refused)
{
    ch_plugins *all = ch_plugins_new(&test_api);
    ck_assert_int_eq(ch_plugins_load_file(all, PLUGIN("good")), CH_LOAD_OK);
    carehost_plugin_ctx *old = ch_plugins_find(all, "good");
    carehost_plugin_ctx *fresh = NULL;
    char image[1024], why[256];
    /* The image is unlinked once mapped: hand over a copy. */
    ck_assert_int_eq(ch_plugin_image_copy(TEST_TMPDIR, PLUGIN("newer_minor"), image, sizeof image,
                                          why, sizeof why), 0);
    /* Its settings are taken even so (freed with the refused instance: ASan sees a leak). */
    ch_settings *settings = settings_from("[good]\nk = v\n");
    ck_assert_int_eq(ch_plugins_open_replacement(all, old, image, settings, &fresh), CH_LOAD_BAD_NAME);
    ck_assert_int_eq(access(image, F_OK), -1);
    ck_assert_ptr_null(fresh);
    ck_assert_msg(strstr(ch_plugins_refusal(all), "the file now holds plugin") != NULL, "%s",
                  ch_plugins_refusal(all));
    ck_assert_ptr_eq(ch_plugins_find(all, "good"), old);
    ch_plugins_free(all);
}
END_TEST

static Suite *loader_suite(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, good_loads);
    tcase_add_test(tc, register_verb_only_during_init);
    tcase_add_test(tc, shutdown_called_once_on_free);
    tcase_add_test(tc, shutdown_in_reverse_load_order);
    tcase_add_test(tc, wrong_abi_refused);
    tcase_add_test(tc, missing_symbol_refused);
    tcase_add_test(tc, init_fail_refused);
    tcase_add_test(tc, duplicate_refused);
    tcase_add_test(tc, reserved_name_refused);
    tcase_add_test(tc, verb_refusal_same_in_log_and_check);
    tcase_add_test(tc, not_a_shared_object);
    tcase_add_test(tc, frozen_v1_loads);
    tcase_add_test(tc, newer_minor_loads);
    tcase_add_test(tc, load_dir_loads_the_valid_ones);
    tcase_add_test(tc, load_dir_build_tree_layout);
    tcase_add_test(tc, load_dir_missing_dir);
    tcase_add_test(tc, web_folder_beside_the_plugin);
    tcase_add_test(tc, refusals_are_logged);
    tcase_add_test(tc, result_texts);
    tcase_add_test(tc, replacement_maps_new_code);
    tcase_add_test(tc, replacement_with_another_name_refused);
    tcase_add_test(tc, replacement_reads_its_own_settings);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(loader_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
