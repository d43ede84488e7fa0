/* control.c -- see control.h. */
#include "control.h"

#include <errno.h>
#include <ev.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "net/event_loop.h"
#include "plugin_api/plugin_reload.h"
#include "plugins/plugin_loader.h"

#define LINE_MAX_BYTES 256
#define CLIENTS_MAX 16

typedef struct client {
    ev_io io;                 /* first: the watcher's pointer is the client's */
    char line[LINE_MAX_BYTES];
    size_t len;
    size_t outstanding;       /* reloads not yet answered */
    size_t failed, total;     /* reload-all */
    int all;                  /* the command was reload-all */
    struct client *next;
} client;

static ch_host *host;
static ev_io listener;
static int listen_fd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static client *clients;
static size_t nclients;

static void client_close(client *c)
{
    ev_io_stop(ch_event_loop_ev(), &c->io);
    close(c->io.fd);
    for (client **p = &clients; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    nclients--;
    free(c);
}

/* Answers are short and the socket's buffer is large: a write that cannot be
 * done at once means the client went away, and it is dropped. */
static void say(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(client *c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = (int)sizeof buf - 2;
    /* One line: a reason never breaks the protocol. */
    for (int i = 0; i < n; i++)
        if (buf[i] == '\n' || buf[i] == '\r')
            buf[i] = ' ';
    buf[n++] = '\n';
    if (send(c->io.fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
        ch_debug("control: a client went away before its answer");
}

static void reloaded(void *arg, const char *plugin, int ok, const char *text)
{
    client *c = arg;
    if (c->all)
        say(c, "%s %s %s", plugin, ok ? "ok" : "error", text);
    else
        say(c, "%s %s", ok ? "ok" : "error", text);
    c->failed += !ok;
    if (--c->outstanding)
        return;
    if (c->all && c->failed)
        say(c, "error %zu of %zu plugins refused", c->failed, c->total);
    else if (c->all)
        say(c, "ok");
    client_close(c);
}

static void run_command(client *c, char *line)
{
    ev_io_stop(ch_event_loop_ev(), &c->io); /* one command per connection */
    char *arg = strchr(line, ' ');
    if (arg)
        *arg++ = '\0';
    if (strcmp(line, "reload") == 0 && arg && *arg) {
        ch_info("control: reload %.64s asked", arg);
        c->outstanding = 1;
        ch_plugin_reload(host, arg, reloaded, c);
        return;
    }
    size_t n = host->plugins ? ch_plugins_count(host->plugins) : 0;
    if (strcmp(line, "reload-all") == 0 && !arg) {
        ch_info("control: reload-all asked");
        if (!n) {
            say(c, "ok");
            client_close(c);
            return;
        }
        c->all = 1;
        c->total = c->outstanding = n;
        for (size_t i = 0; i < n; i++) /* the last answer may close c */
            ch_plugin_reload(host, ch_plugin_name(ch_plugins_at(host->plugins, i)), reloaded, c);
        return;
    }
    if (strcmp(line, "list") == 0 && !arg) {
        for (size_t i = 0; i < n; i++) {
            carehost_plugin_ctx *p = ch_plugins_at(host->plugins, i);
            say(c, "%s %s", ch_plugin_name(p), ch_plugin_version(p));
        }
        say(c, "ok");
    } else {
        say(c, "error unknown command; expected: reload NAME, reload-all, list");
    }
    client_close(c);
}

static void on_client(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    client *c = (client *)w;
    ssize_t got = recv(w->fd, c->line + c->len, sizeof c->line - 1 - c->len, MSG_DONTWAIT);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (got <= 0) {
        client_close(c);
        return;
    }
    c->len += (size_t)got;
    c->line[c->len] = '\0';
    char *nl = strchr(c->line, '\n');
    if (!nl) {
        if (c->len == sizeof c->line - 1) {
            say(c, "error the command is too long");
            client_close(c);
        }
        return;
    }
    *nl = '\0';
    if (nl > c->line && nl[-1] == '\r')
        nl[-1] = '\0';
    run_command(c, c->line);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
        (cred.uid != 0 && cred.uid != geteuid())) {
        ch_warn("control: refused a connection from uid %ld (only root and the daemon's user "
                "may use it)", len == sizeof cred ? (long)cred.uid : -1L);
        static const char no[] = "error permission denied\n";
        (void)!send(fd, no, sizeof no - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        close(fd);
        return;
    }
    client *c = nclients < CLIENTS_MAX ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        static const char busy[] = "error too many control connections\n";
        (void)!send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        close(fd);
        return;
    }
    c->next = clients;
    clients = c;
    nclients++;
    ev_io_init(&c->io, on_client, fd, EV_READ);
    ev_io_start(loop, &c->io);
}

int ch_control_start(ch_host *h)
{
    host = h;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int n = snprintf(sock_path, sizeof sock_path, "%s/" CH_CONTROL_SOCKET, h->cfg.data_dir);
    if (n < 0 || (size_t)n >= sizeof sock_path) {
        ch_error("no control socket: the data dir's path is too long for a Unix socket "
                 "(carehostctl plugin reload will not reach this daemon; SIGHUP still reloads)");
        sock_path[0] = '\0';
        return -1;
    }
    memcpy(addr.sun_path, sock_path, (size_t)n + 1);
    struct stat st;
    if (lstat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(sock_path); /* left by a daemon that crashed; the data dir's lock is ours */
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* Born 0600: no moment in which another user could connect. */
    mode_t old = umask(0177);
    int bad = listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) ||
              listen(listen_fd, 8);
    umask(old);
    if (bad) {
        ch_error("no control socket at %s: %s (carehostctl plugin reload will not reach this "
                 "daemon; SIGHUP still reloads)", sock_path, strerror(errno));
        if (listen_fd >= 0)
            close(listen_fd);
        listen_fd = -1;
        sock_path[0] = '\0';
        return -1;
    }
    ev_io_init(&listener, on_accept, listen_fd, EV_READ);
    ev_io_start(ch_event_loop_ev(), &listener);
    ch_info("control socket: %s", sock_path);
    return 0;
}

void ch_control_stop(void)
{
    while (clients)
        client_close(clients);
    if (listen_fd >= 0) {
        ev_io_stop(ch_event_loop_ev(), &listener);
        close(listen_fd);
        listen_fd = -1;
    }
    if (sock_path[0])
        unlink(sock_path);
    sock_path[0] = '\0';
}
