/* plugin_check.c -- carehostctl's check of a plugin file before installing it:
 * what the daemon's loader checks before it calls init (the entry symbol, the
 * ABI major version, the struct size, name, version, init and shutdown).
 *
 * The file is loaded in a child process: dlopen runs the plugin's own
 * constructors, and a broken plugin must not take carehostctl down with it (a
 * crash or a hang there becomes a clear refusal). init is not run here -- it
 * needs a host; the daemon runs it when it reloads the plugin, and keeps the
 * running version if it fails. (When `carehost --check-plugin` exists, this is
 * the one place to call it instead.) */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "carehost/plugin.h"
#include "ctl.h"

#define CHECK_SECONDS 10

/* The size of carehost_plugin in ABI 1.0 (as the loader's PLUGIN_SIZE_1_0). */
#define PLUGIN_SIZE_1_0 (offsetof(carehost_plugin, handle_message) + sizeof(void (*)(void)))

static int valid_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > CAREHOST_PLUGIN_NAME_MAX || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return strcmp(s, "rtc") != 0; /* the host's WebRTC verbs */
}

/* In the child: one line on fd, "ok NAME VERSION" or the reason. */
static int check_here(const char *path, FILE *out)
{
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        fprintf(out, "not a loadable shared object: %s\n", dlerror());
        return 1;
    }
    void *sym = dlsym(dl, CAREHOST_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        fprintf(out, "no " CAREHOST_PLUGIN_ENTRY_SYMBOL " symbol\n");
        return 1;
    }
    carehost_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    const carehost_plugin *d = entry();
    if (!d) {
        fprintf(out, CAREHOST_PLUGIN_ENTRY_SYMBOL "() returned NULL\n");
        return 1;
    }
    if (d->abi_major != CAREHOST_PLUGIN_ABI_MAJOR) {
        fprintf(out, "built for an incompatible plugin ABI: plugin ABI %u.%u, host ABI %u.%u\n",
                d->abi_major, d->abi_minor, CAREHOST_PLUGIN_ABI_MAJOR, CAREHOST_PLUGIN_ABI_MINOR);
        return 1;
    }
    if (d->size < PLUGIN_SIZE_1_0) {
        fprintf(out, "its carehost_plugin struct is smaller than ABI 1.0's\n");
        return 1;
    }
    if (!valid_name(d->name)) {
        fprintf(out, "its name is missing, reserved or not [a-z][a-z0-9_]* (at most 32 bytes)\n");
        return 1;
    }
    if (!d->version || !*d->version || strpbrk(d->version, "\r\n")) {
        fprintf(out, "it has no version (or one over several lines)\n");
        return 1;
    }
    if (!d->init || !d->shutdown) {
        fprintf(out, "a mandatory callback is missing: %s\n", !d->init ? "init" : "shutdown");
        return 1;
    }
    fprintf(out, "ok %s %s\n", d->name, d->version);
    return 0;
}

int ctl_check_plugin(const char *path, ctl_plugin_info *info, char *why, size_t whylen)
{
    int fds[2];
    if (pipe(fds)) {
        snprintf(why, whylen, "cannot check it: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, whylen, "cannot check it: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        alarm(CHECK_SECONDS); /* a plugin that hangs while loading is refused */
        FILE *out = fdopen(fds[1], "w");
        _exit(out ? check_here(path, out) | (fclose(out) != 0) : 1);
    }
    close(fds[1]);
    char line[512] = "";
    FILE *in = fdopen(fds[0], "r");
    if (!in || !fgets(line, sizeof line, in))
        line[0] = '\0';
    if (in)
        fclose(in);
    else
        close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    line[strcspn(line, "\n")] = '\0';
    if (WIFSIGNALED(status)) {
        snprintf(why, whylen, WTERMSIG(status) == SIGALRM ? "it did not finish loading in %d s"
                                                           : "it crashed while loading (signal %d)",
                 WTERMSIG(status) == SIGALRM ? CHECK_SECONDS : WTERMSIG(status));
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        sscanf(line, "ok %32s %63[^\n]", info->name, info->version) != 2) {
        snprintf(why, whylen, "%s", line[0] ? line : "it could not be checked");
        return -1;
    }
    return 0;
}
