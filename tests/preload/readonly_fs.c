/* readonly_fs.c -- a test-only LD_PRELOAD library: the data directory turns read-only under a
 * running daemon, as when the kernel remounts a failing disk read-only (ext4 errors=remount-ro).
 *
 * A real read-only remount cannot be made in a test: the kernel refuses it while a file is open
 * for writing, and the daemon always holds its store open. So this library stands between the
 * daemon and libc: while the file named by CAREHOST_TEST_READONLY_FLAG exists, every call that
 * would change a file under CAREHOST_TEST_READONLY_DIR fails with EROFS, as the kernel's would;
 * when the flag file is removed, they work again. Used by tests/store/readonly_dir.test.cjs.
 *
 * Writes through a shared mapping (SQLite's -shm index) cannot be caught here; they are not the
 * store's data, which SQLite always writes with pwrite.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT, off64_t */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* Is the switch on? Read every time: the test flips it while the daemon runs. */
static int readonly_now(void)
{
    const char *flag = getenv("CAREHOST_TEST_READONLY_FLAG");
    struct stat st;
    return flag && *flag && stat(flag, &st) == 0;
}

static int path_in_dir(const char *path)
{
    const char *dir = getenv("CAREHOST_TEST_READONLY_DIR");
    size_t n = dir ? strlen(dir) : 0;
    return n && path && strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static int fd_in_dir(int fd)
{
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    return path_in_dir(path);
}

/* A relative path is taken from the working directory, which tests never set inside the dir. */
static int blocked_path(const char *path)
{
    return readonly_now() && path_in_dir(path);
}

static int blocked_fd(int fd)
{
    return readonly_now() && fd_in_dir(fd);
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))
#define EROFS_IF(cond, fail) do { if (cond) { errno = EROFS; return (fail); } } while (0)

static int writes(int flags)
{
    return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
    va_end(ap);
    EROFS_IF(writes(flags) && blocked_path(path), -1);
    return REAL(open)(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
    va_end(ap);
    EROFS_IF(writes(flags) && blocked_path(path), -1);
    return REAL(open64)(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
    va_end(ap);
    EROFS_IF(writes(flags) && blocked_path(path), -1);
    return REAL(openat)(dirfd, path, flags, mode);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    EROFS_IF(blocked_fd(fd), -1);
    return REAL(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    EROFS_IF(blocked_fd(fd), -1);
    return REAL(pwrite)(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    EROFS_IF(blocked_fd(fd), -1);
    return REAL(pwrite64)(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    EROFS_IF(blocked_fd(fd), -1);
    return REAL(writev)(fd, iov, cnt);
}

int ftruncate(int fd, off_t len)
{
    EROFS_IF(blocked_fd(fd), -1);
    return REAL(ftruncate)(fd, len);
}

int ftruncate64(int fd, off64_t len)
{
    EROFS_IF(blocked_fd(fd), -1);
    return REAL(ftruncate64)(fd, len);
}

int fsync(int fd)
{
    EROFS_IF(blocked_fd(fd), -1);
    return REAL(fsync)(fd);
}

int fdatasync(int fd)
{
    EROFS_IF(blocked_fd(fd), -1);
    return REAL(fdatasync)(fd);
}

int unlink(const char *path)
{
    EROFS_IF(blocked_path(path), -1);
    return REAL(unlink)(path);
}

int rename(const char *from, const char *to)
{
    EROFS_IF(blocked_path(from) || blocked_path(to), -1);
    return REAL(rename)(from, to);
}
