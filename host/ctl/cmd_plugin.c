/* cmd_plugin.c -- carehostctl plugin reload | install | list: replace plugins
 * in the running daemon through its control socket (host/control.h), and
 * install plugin files without ever writing over a file the daemon has mapped.
 *
 * install: check the file with the daemon's own checker (daemon_check.c),
 * copy it beside the target as .NAME.so.tmp, fsync, keep the current NAME.so
 * as .NAME.so.prev (a hard link), rename the copy over NAME.so (atomic: a
 * reader sees the old file or the new one), fsync the folder, then ask the
 * daemon to reload NAME. If the daemon refuses the new version, the previous
 * file is put back, so the file on disk is always what runs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

/* The daemon's control socket in the data dir: CH_CONTROL_SOCKET in host/control.h
 * (a daemon file carehostctl does not include). */
#define CONTROL_SOCKET "control.sock"
/* A reload waits for the old instance's owed answers (5 s at most) and its
 * record calls: give it ample time. */
#define ANSWER_TIMEOUT_MS 120000

static const char usage[] =
    "Usage: carehostctl plugin reload NAME | reload --all | list\n"
    "       carehostctl plugin install FILE [--plugins DIR]\n"
    "Replace plugins in the running daemon without ending sessions, and install plugin files\n"
    "('carehostctl plugin ACTION --help' for each). Talks to the daemon through\n"
    "<data-dir>/" CONTROL_SOCKET " (root or the daemon's user only).\n\n";

static const char reload_usage[] =
    "Usage: carehostctl plugin reload NAME | --all [OPTION]...\n"
    "Load the plugin's installed file again in the running daemon. Its clients stay connected:\n"
    "messages wait while the old version finishes what it owes, then go to the new one. If\n"
    "the new file cannot be loaded (not a plugin, wrong ABI, init fails, a verb dropped) the\n"
    "running version keeps serving and the reason is printed. Same as SIGHUP for --all.\n\n"
    "  --all                 reload every plugin, each on its own\n\n";

static const char install_usage[] =
    "Usage: carehostctl plugin install FILE [--plugins DIR] [OPTION]...\n"
    "Check a plugin file with the daemon's own checker (carehost --check-plugin FILE; the\n"
    "carehost is $CAREHOST_BIN, else the one beside carehostctl, else " CH_BINDIR "/carehost),\n"
    "put it in the plugin folder as NAME.so (NAME: the plugin's own name) by copying it beside\n"
    "the target and renaming it into place -- never writing over the file the daemon runs --\n"
    "then reload it in the running daemon. A problem the check finds refuses the file (its\n"
    "report is shown); if the daemon refuses it, the previous file is put back. A plugin not\n"
    "loaded yet is loaded at the daemon's next start.\n\n"
    "  --plugins DIR         the plugin folder (default: the configuration's plugins)\n\n";

static const char list_usage[] =
    "Usage: carehostctl plugin list [OPTION]...\n"
    "Show the plugins the running daemon has loaded, with their versions.\n\n";

enum { OPT_ALL = CTL_OPT_LOCAL, OPT_PLUGINS };

/* --- the control socket ---------------------------------------------------- */

/* Connect to the daemon. fd, or -1 with *absent set when no daemon listens. */
static int control_connect(const ctl_ctx *ctx, const char *cmd, int *absent)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int n = snprintf(addr.sun_path, sizeof addr.sun_path, "%s/" CONTROL_SOCKET, ctx->cfg.data_dir);
    *absent = 0;
    if (n < 0 || (size_t)n >= sizeof addr.sun_path) {
        ctl_fail(cmd, "the data dir's path is too long for the control socket");
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ctl_fail(cmd, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr)) {
        int e = errno;
        close(fd);
        if (e == ENOENT || e == ECONNREFUSED) {
            *absent = 1;
            return -1;
        }
        ctl_fail(cmd, "cannot reach the daemon at %s: %s", addr.sun_path, strerror(e));
        return -1;
    }
    return fd;
}

/* Send one command and read the whole answer (the daemon closes after it).
 * 0, or -1 after printing why. */
static int control_ask(int fd, const char *cmd, const char *line, char *answer, size_t len)
{
    size_t n = strlen(line);
    if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n) {
        ctl_fail(cmd, "cannot talk to the daemon: %s", strerror(errno));
        return -1;
    }
    size_t got = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, ANSWER_TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            ctl_fail(cmd, "the daemon did not answer in %d s", ANSWER_TIMEOUT_MS / 1000);
            return -1;
        }
        ssize_t k = recv(fd, answer + got, len - 1 - got, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0 || got + (size_t)k >= len - 1) {
            got += k > 0 ? (size_t)k : 0;
            break;
        }
        got += (size_t)k;
    }
    answer[got] = '\0';
    if (!got) {
        ctl_fail(cmd, "the daemon closed the control connection without an answer");
        return -1;
    }
    return 0;
}

/* One command to the daemon and its whole answer: 0, or -1 having printed why
 * -- or, with *absent set, having printed nothing: no daemon runs. */
static int control_round_trip(const ctl_ctx *ctx, const char *cmd, const char *line, char *answer,
                              size_t len, int *absent)
{
    int fd = control_connect(ctx, cmd, absent);
    if (fd < 0)
        return -1;
    int rc = control_ask(fd, cmd, line, answer, len);
    close(fd);
    return rc;
}

/* The last line of an answer ("ok ..." or "error ..."). */
static const char *last_line(char *answer)
{
    size_t n = strlen(answer);
    while (n && answer[n - 1] == '\n')
        answer[--n] = '\0';
    char *nl = strrchr(answer, '\n');
    return nl ? nl + 1 : answer;
}

static int no_daemon(const ctl_ctx *ctx, const char *cmd)
{
    return ctl_fail(cmd, "the daemon is not running (no control socket at %s/" CONTROL_SOCKET ")",
                    ctx->cfg.data_dir);
}

/* Ask the daemon to reload one plugin. CTL_EXIT_OK with the new version in
 * text; CTL_EXIT_FAILED with the reason in text (printed by the caller; empty
 * when printed already); *absent when no daemon runs. */
static int reload_one(const ctl_ctx *ctx, const char *cmd, const char *name, char *text,
                      size_t len, int *absent)
{
    char line[128], answer[2048];
    snprintf(line, sizeof line, "reload %.64s\n", name);
    if (control_round_trip(ctx, cmd, line, answer, sizeof answer, absent)) {
        text[0] = '\0';
        return CTL_EXIT_FAILED;
    }
    const char *last = last_line(answer);
    int ok = strncmp(last, "ok ", 3) == 0;
    snprintf(text, len, "%s", ok ? last + 3 : strncmp(last, "error ", 6) == 0 ? last + 6 : last);
    return ok ? CTL_EXIT_OK : CTL_EXIT_FAILED;
}

/* A command answered by a line per plugin, then "ok" or "error REASON" (list,
 * reload-all): print the plugins' lines, and exit as the last line says. */
static int run_listing(const ctl_ctx *ctx, const char *cmd, const char *line)
{
    char answer[16384];
    int absent;
    if (control_round_trip(ctx, cmd, line, answer, sizeof answer, &absent))
        return absent ? no_daemon(ctx, cmd) : CTL_EXIT_FAILED;
    const char *last = last_line(answer);
    if (last != answer)
        printf("%.*s\n", (int)(last - answer - 1), answer);
    if (strcmp(last, "ok") == 0)
        return CTL_EXIT_OK;
    return ctl_fail(cmd, "%s", strncmp(last, "error ", 6) == 0 ? last + 6 : last);
}

/* --- reload and list --------------------------------------------------------- */

static int own_all(int c, const char *value, void *arg)
{
    (void)value;
    if (c == OPT_ALL)
        *(int *)arg = 1;
    return CTL_EXIT_OK;
}

static int reload(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS, {"all", no_argument, NULL, OPT_ALL},
                                         {NULL, 0, NULL, 0}};
    int all = 0;
    int rc = ctl_parse_options(ctx, "plugin reload", argc, argv, opts, reload_usage, own_all, &all);
    if (rc != CTL_PARSED)
        return rc;
    if (all ? optind != argc : optind != argc - 1)
        return ctl_usage_error("plugin reload", all ? "--all takes no plugin name"
                                                    : "give one plugin name (or --all)");
    if ((rc = ctl_resolve(ctx, "plugin reload")) != CTL_EXIT_OK)
        return rc;
    if (all)
        return run_listing(ctx, "plugin reload", "reload-all\n");
    char text[1024];
    int absent;
    rc = reload_one(ctx, "plugin reload", argv[optind], text, sizeof text, &absent);
    if (absent)
        return no_daemon(ctx, "plugin reload");
    if (rc == CTL_EXIT_OK)
        printf("plugin %s reloaded: version %s\n", argv[optind], text);
    else if (text[0])
        ctl_fail("plugin reload", "%s: %s", argv[optind], text);
    return rc;
}

static int list(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    int rc = ctl_parse_options(ctx, "plugin list", argc, argv, opts, list_usage, NULL, NULL);
    if (rc != CTL_PARSED)
        return rc;
    if (optind != argc)
        return ctl_usage_error("plugin list", "unexpected argument '%.64s'", argv[optind]);
    if ((rc = ctl_resolve(ctx, "plugin list")) != CTL_EXIT_OK)
        return rc;
    return run_listing(ctx, "plugin list", "list\n");
}

/* --- install ----------------------------------------------------------------- */

/* Copy src to dst (created, mode 0644), fsync'd. 0, or -1 with errno set. */
static int copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        int e = errno;
        close(in);
        errno = e;
        return -1;
    }
    char buf[65536];
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = read(in, buf, sizeof buf)) != 0) {
        if (got < 0) {
            rc = errno == EINTR ? 0 : -1;
            continue;
        }
        for (ssize_t off = 0; rc == 0 && off < got;) {
            ssize_t put = write(out, buf + off, (size_t)(got - off));
            if (put > 0)
                off += put;
            else if (put < 0 && errno != EINTR)
                rc = -1;
        }
    }
    int e = errno;
    if (rc == 0 && fsync(out))
        rc = -1, e = errno;
    if (close(out) && rc == 0)
        rc = -1, e = errno;
    close(in);
    errno = e;
    return rc;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

typedef struct install_args {
    const char *plugins;
} install_args;

static int own_install(int c, const char *value, void *arg)
{
    if (c == OPT_PLUGINS)
        ((install_args *)arg)->plugins = value;
    return CTL_EXIT_OK;
}

static int install(ctl_ctx *ctx, int argc, char **argv)
{
    static const char *cmd = "plugin install";
    static const struct option opts[] = {CTL_COMMON_OPTIONS,
                                         {"plugins", required_argument, NULL, OPT_PLUGINS},
                                         {NULL, 0, NULL, 0}};
    install_args a = {0};
    int rc = ctl_parse_options(ctx, cmd, argc, argv, opts, install_usage, own_install, &a);
    if (rc != CTL_PARSED)
        return rc;
    if (optind != argc - 1)
        return ctl_usage_error(cmd, "give one plugin file");
    if ((rc = ctl_resolve(ctx, cmd)) != CTL_EXIT_OK)
        return rc;
    const char *file = argv[optind];
    /* Without --plugins: the first plugin folder of the configuration (where the daemon looks first). */
    const char *dir = a.plugins ? a.plugins : ctx->cfg.plugins_dirs[0];
    if (!*dir)
        return ctl_fail(cmd, "no plugin folder is configured: give --plugins DIR");
    ctl_plugin_info info;
    if (ctl_daemon_check_plugin(ctx, cmd, file, &info) != CTL_EXIT_OK)
        return CTL_EXIT_FAILED;

    char target[4096], tmp[4096], prev[4096];
    if (snprintf(target, sizeof target, "%s/%s.so", dir, info.name) >= (int)sizeof target ||
        snprintf(tmp, sizeof tmp, "%s/.%s.so.tmp", dir, info.name) >= (int)sizeof tmp ||
        snprintf(prev, sizeof prev, "%s/.%s.so.prev", dir, info.name) >= (int)sizeof prev)
        return ctl_fail(cmd, "the plugin folder's path is too long");
    if (copy_file(file, tmp)) {
        int e = errno;
        unlink(tmp);
        return ctl_fail(cmd, "cannot write %s: %s", tmp, strerror(e));
    }
    unlink(prev);
    int had_prev = link(target, prev) == 0; /* the running version, to put back if refused */
    if (rename(tmp, target)) {
        int e = errno;
        unlink(tmp);
        if (had_prev)
            unlink(prev);
        return ctl_fail(cmd, "cannot put %s in place: %s", target, strerror(e));
    }
    sync_dir(dir);
    printf("installed %s (plugin %s %s)\n", target, info.name, info.version);

    int absent;
    char text[1024];
    rc = reload_one(ctx, cmd, info.name, text, sizeof text, &absent);
    if (absent) {
        printf("the daemon is not running: it loads %s at its next start\n", info.name);
        rc = CTL_EXIT_OK;
    } else if (rc == CTL_EXIT_OK) {
        printf("the daemon now runs %s %s\n", info.name, text);
    } else if (strncmp(text, "no plugin named", 15) == 0) {
        printf("the daemon loads the new plugin %s at its next start\n", info.name);
        rc = CTL_EXIT_OK;
    } else {
        if (had_prev && rename(prev, target) == 0) {
            had_prev = 0;
            sync_dir(dir);
            fprintf(stderr, "carehostctl: %s: the previous %s is back in place\n", cmd, target);
        }
        ctl_fail(cmd, "the daemon refused %s %s and keeps running the previous version: %s",
                 info.name, info.version, text[0] ? text : "no answer");
    }
    if (had_prev)
        unlink(prev);
    return rc;
}

int ctl_cmd_plugin(ctl_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return ctl_usage_error("plugin", "give an action: reload, install or list");
    const char *action = argv[1];
    if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0) {
        printf("%s%s", usage, ctl_common_help);
        return CTL_EXIT_OK;
    }
    if (strcmp(action, "reload") == 0)
        return reload(ctx, argc - 1, argv + 1);
    if (strcmp(action, "install") == 0)
        return install(ctx, argc - 1, argv + 1);
    if (strcmp(action, "list") == 0)
        return list(ctx, argc - 1, argv + 1);
    return ctl_usage_error("plugin", "unknown action '%.64s': expected reload, install or list",
                           action);
}
