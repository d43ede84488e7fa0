/* plugin_image.c -- see plugin_image.h. */
#include "plugin_image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMAGE_PREFIX "image-"

static atomic_uint image_counter;

int ch_plugin_image_copy(const char *dir, const char *src, char *out, size_t outlen, char *why,
                         size_t whylen)
{
    unsigned n = atomic_fetch_add(&image_counter, 1) + 1;
    int w = snprintf(out, outlen, "%s/" IMAGE_PREFIX "%ld-%u.so", dir, (long)getpid(), n);
    if (w < 0 || (size_t)w >= outlen) {
        snprintf(why, whylen, "the path of the private copy is too long");
        return -1;
    }
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(why, whylen, "cannot read %s: %s", src, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(in, &st) || !S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "%s is not a regular file", src);
        close(in);
        return -1;
    }
    int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0500);
    if (fd < 0) {
        snprintf(why, whylen, "cannot create the private copy %s: %s", out, strerror(errno));
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t got;
    int rc = 0;
    while ((got = read(in, buf, sizeof buf)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        for (ssize_t off = 0; off < got;) {
            ssize_t put = write(fd, buf + off, (size_t)(got - off));
            if (put < 0 && errno == EINTR)
                continue;
            if (put <= 0) {
                rc = -1;
                break;
            }
            off += put;
        }
        if (rc)
            break;
    }
    if (rc == 0 && fsync(fd))
        rc = -1;
    if (rc)
        snprintf(why, whylen, "cannot copy %s to %s: %s", src, out, strerror(errno));
    if (close(fd) && rc == 0) {
        snprintf(why, whylen, "cannot copy %s to %s: %s", src, out, strerror(errno));
        rc = -1;
    }
    close(in);
    if (rc)
        unlink(out);
    return rc;
}

int ch_plugin_images_prepare(const char *dir, char *why, size_t whylen)
{
    if (mkdir(dir, 0700) && errno != EEXIST) {
        snprintf(why, whylen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(why, whylen, "cannot read %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, IMAGE_PREFIX, sizeof IMAGE_PREFIX - 1) == 0)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
    return 0;
}
