/* file.c -- cq_load_file: read one template file within CQ_MAX_FILE_BYTES and parse its JSON. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cq_internal.h"

/* Read the whole file into a malloc'd buffer; NULL with err filled on failure. */
static char *read_all(const char *path, size_t *len, cq_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cq_err_set(err, CQ_E_IO, path, NULL, 0, "cannot open the file: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        cq_err_set(err, CQ_E_IO, path, NULL, 0, "not a regular file");
        goto out;
    }
    if (st.st_size > CQ_MAX_FILE_BYTES) {
        cq_err_set(err, CQ_E_LIMIT, path, NULL, 0, "the file has %lld bytes; the limit is %d (256 KiB)",
                   (long long)st.st_size, CQ_MAX_FILE_BYTES);
        goto out;
    }
    /* Read up to one byte past the limit, so a file that grew since fstat is caught. */
    buf = malloc(CQ_MAX_FILE_BYTES + 1);
    if (!buf) {
        cq_err_set(err, CQ_E_NOMEM, path, NULL, 0, "out of memory");
        goto out;
    }
    size_t got = 0;
    while (got <= CQ_MAX_FILE_BYTES) {
        ssize_t r = read(fd, buf + got, CQ_MAX_FILE_BYTES + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            cq_err_set(err, CQ_E_IO, path, NULL, 0, "cannot read the file: %s", strerror(errno));
            free(buf);
            buf = NULL;
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got > CQ_MAX_FILE_BYTES) {
        cq_err_set(err, CQ_E_LIMIT, path, NULL, 0, "the file has more than %d bytes (256 KiB, the limit)",
                   CQ_MAX_FILE_BYTES);
        free(buf);
        buf = NULL;
        goto out;
    }
    *len = got;
out:
    close(fd);
    return buf;
}

cq_questionnaire *cq_load_file(const char *path, cq_error *err)
{
    if (!path) {
        cq_err_set(err, CQ_E_ARGUMENT, "", NULL, 0, "no file was given");
        return NULL;
    }
    size_t len = 0;
    char *buf = read_all(path, &len, err);
    if (!buf)
        return NULL;
    json_error_t jerr;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    free(buf);
    if (!j) {
        cq_err_set(err, CQ_E_JSON, path, NULL, 0, "malformed JSON at line %d, column %d: %s", jerr.line,
                   jerr.column, jerr.text);
        return NULL;
    }
    cq_questionnaire *q = cq_load_json(j, path, err);
    json_decref(j);
    return q;
}
