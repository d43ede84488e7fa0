/* daemon_check.c -- carehostctl's check of a plugin file before installing it:
 * the daemon's own, `carehost --check-plugin FILE`, run as a child process
 * (as `nginx -t` checks nginx's configuration).
 *
 * One checker, two callers: carehostctl may not include the daemon's plugin
 * code (scripts/check-layers: ctl/ uses store/ and the base only), and a child
 * process is what a check wants anyway: the plugin's constructors and init
 * run there, so a plugin that crashes or hangs while loading becomes a clear
 * refusal instead of taking carehostctl down. The check's report is shown
 * when it refuses the file; its name and version lines say what to install. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

extern char **environ;

#define CHECK_SECONDS 60          /* a plugin whose check takes longer is refused */
#define REPORT_MAX (64 * 1024)    /* kept of what the check prints; the rest is read and dropped */

/* 1 if dir/carehost is an executable file; its path in out. */
static int daemon_in(const char *dir, size_t dirlen, char *out, size_t len)
{
    int n = snprintf(out, len, "%.*s/carehost", (int)dirlen, dir);
    return n > 0 && (size_t)n < len && access(out, X_OK) == 0;
}

/* The carehost to run: $CAREHOST_BIN; else the carehost beside this
 * carehostctl (`make install` puts both in $(bindir), and the build tree both
 * in host/; a libtool wrapper's real program sits in .libs/, one level down);
 * else the one `make install` installs. */
static void find_daemon(char *out, size_t len)
{
    const char *env = getenv("CAREHOST_BIN");
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return;
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        size_t dirlen = slash ? (size_t)(slash - self) : 0;
        if (slash && daemon_in(self, dirlen, out, len))
            return;
        if (slash && dirlen >= 6 && strncmp(slash - 6, "/.libs", 6) == 0 &&
            daemon_in(self, dirlen - 6, out, len))
            return;
    }
    snprintf(out, len, "%s/carehost", CH_BINDIR);
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Read fd to its end into report (NUL-terminated, at most REPORT_MAX bytes
 * kept). 0, or -1 when the deadline passed first. */
static int read_all(int fd, char *report, long long deadline)
{
    size_t used = 0;
    char buf[4096];
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return 0;
        size_t keep = (size_t)got < REPORT_MAX - used ? (size_t)got : REPORT_MAX - used;
        memcpy(report + used, buf, keep);
        used += keep;
        report[used] = '\0';
    }
}

/* The rest of the report's first line that starts with prefix, or NULL. */
static const char *line_after(const char *report, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *line = report; *line;) {
        if (strncmp(line, prefix, n) == 0)
            return line + n;
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return NULL;
}

/* The value on the report's first "  HEADING   value" line, trimmed, into out;
 * 0 when there is none. The first: a plugin's description (printed after its
 * name and version) cannot pass for them. */
static int report_field(const char *report, const char *heading, char *out, size_t len)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "  %s ", heading);
    const char *v = line_after(report, prefix);
    if (!v)
        return 0;
    v += strspn(v, " ");
    size_t n = strcspn(v, "\n");
    while (n && v[n - 1] == ' ')
        n--;
    if (!n || n >= len)
        return 0;
    memcpy(out, v, n);
    out[n] = '\0';
    return 1;
}

/* A plugin's name as the loader accepts it ([a-z][a-z0-9_]*), so NAME.so stays in its folder. */
static int plain_name(const char *s)
{
    if (*s < 'a' || *s > 'z')
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

/* The reason a refused check gives, for the last line: its first problem. */
static void first_problem(const char *report, char *out, size_t len)
{
    const char *p = line_after(report, "problem: ");
    if (p)
        snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
    else
        snprintf(out, len, "the check found a problem (its report is above)");
}

int ctl_daemon_check_plugin(const ctl_ctx *ctx, const char *cmd, const char *file,
                            ctl_plugin_info *info)
{
    char daemon[4096];
    find_daemon(daemon, sizeof daemon);
    /* With carehostctl's --config: the plugin's settings, as the daemon will give them. */
    char *argv[6] = {daemon, "--check-plugin", (char *)file, NULL, NULL, NULL};
    if (ctx->config_path) {
        argv[3] = "--config";
        argv[4] = (char *)ctx->config_path;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC))
        return ctl_fail(cmd, "cannot check %s: %s", file, strerror(errno));
    /* The child's stdout and stderr (the report, and the log lines of its
     * loader and of the plugin's init) go to one pipe; stdin is /dev/null. */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    pid_t pid;
    int e = posix_spawn(&pid, daemon, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (e) {
        close(fds[0]);
        return ctl_fail(cmd, "cannot run the plugin checker %s: %s (CAREHOST_BIN names the carehost "
                        "daemon to use)", daemon, strerror(e));
    }
    char *report = calloc(1, REPORT_MAX + 1);
    int timed_out = !report || read_all(fds[0], report, now_ms() + CHECK_SECONDS * 1000) != 0;
    close(fds[0]);
    if (timed_out)
        kill(pid, SIGKILL); /* our own child, which did not finish */
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int rc = CTL_EXIT_FAILED;
    char why[600];
    if (!report) {
        ctl_fail(cmd, "cannot check %s: out of memory", file);
    } else if (timed_out) {
        fputs(report, stderr);
        ctl_fail(cmd, "%s is refused: its check did not finish in %d s", file, CHECK_SECONDS);
    } else if (WIFSIGNALED(status)) {
        fputs(report, stderr);
        ctl_fail(cmd, "%s is refused: it crashed while being checked (signal %d)", file,
                 WTERMSIG(status));
    } else if (WEXITSTATUS(status) == 1) {
        fputs(report, stderr);
        first_problem(report, why, sizeof why);
        ctl_fail(cmd, "%s is refused: %s", file, why);
    } else if (WEXITSTATUS(status) != 0) {
        fputs(report, stderr); /* 2: the configuration, in one line (carehost: ...) */
        ctl_fail(cmd, "cannot check %s: %s --check-plugin exited with status %d", file, daemon,
                 WEXITSTATUS(status));
    } else if (!report_field(report, "name", info->name, sizeof info->name) || !plain_name(info->name) ||
               !report_field(report, "version", info->version, sizeof info->version)) {
        fputs(report, stderr);
        ctl_fail(cmd, "cannot check %s: %s --check-plugin printed no plugin name and version", file,
                 daemon);
    } else {
        rc = CTL_EXIT_OK;
    }
    free(report);
    return rc;
}
