/* config_secrets.c -- the secrets the daemon reads from files at start: coturn's
 * static-auth-secret (--turn-secret-file), Janus's API secret and its VideoRoom
 * admin_key (--janus-secret-file, --janus-admin-key-file). Each file must be a
 * regular file only its owner may read; only its first line counts. No message
 * ever holds a secret. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

/* The first line of a secret file no group or other may read, trailing white
 * space dropped, into out (cleared first). 0, or -1 with a line in err that
 * names the option and the file, never the secret. */
static int read_secret_file(const char *option, const char *path, char *out, size_t outsize, char *err,
                            size_t errlen)
{
    memset(out, 0, outsize);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ch_config_err(err, errlen, "--%s %s: %s", option, path, fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        ch_config_err(err, errlen, "--%s %s may be accessed by group or others (mode %04o); run: chmod 600 %s",
                option, path, (unsigned)(st.st_mode & 07777), path);
        close(fd);
        return -1;
    }
    char buf[1024];
    ssize_t got = read(fd, buf, sizeof buf - 1);
    int e = errno;
    close(fd);
    buf[got > 0 ? got : 0] = '\0';
    size_t n = strcspn(buf, "\r\n");
    while (n && isspace((unsigned char)buf[n - 1]))
        n--;
    int bad = got < 0 || n == 0 || n >= outsize;
    if (bad)
        ch_config_err(err, errlen, "--%s %s: %s", option, path, got < 0 ? strerror(e)
                : n == 0 ? "empty (expected the secret on its first line)" : "the secret is too long");
    else
        memcpy(out, buf, n);
    explicit_bzero(buf, sizeof buf);
    return bad ? -1 : 0;
}

int ch_config_load_turn_secret(ch_config *cfg, char *err, size_t errlen)
{
    memset(cfg->turn_secret, 0, sizeof cfg->turn_secret);
    if (!cfg->turn_secret_file[0])
        return 0;
    return read_secret_file("turn-secret-file", cfg->turn_secret_file, cfg->turn_secret,
                            sizeof cfg->turn_secret, err, errlen);
}

int ch_config_load_janus_secrets(ch_config *cfg, char *err, size_t errlen)
{
    memset(cfg->janus_secret, 0, sizeof cfg->janus_secret);
    memset(cfg->janus_admin_key, 0, sizeof cfg->janus_admin_key);
    if (cfg->janus_secret_file[0] &&
        read_secret_file("janus-secret-file", cfg->janus_secret_file, cfg->janus_secret,
                         sizeof cfg->janus_secret, err, errlen))
        return -1;
    if (cfg->janus_admin_key_file[0] &&
        read_secret_file("janus-admin-key-file", cfg->janus_admin_key_file, cfg->janus_admin_key,
                         sizeof cfg->janus_admin_key, err, errlen))
        return -1;
    return 0;
}
