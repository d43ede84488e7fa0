/* keys.c -- the key file: load, create on first start, save atomically.
 *
 * Format (store.h): {"version":1, "current":N, "data_keys":{"N":"<base64>"},
 * "audit_key":"<base64>"}. Keys live in sodium_malloc'd memory (guarded, locked
 * out of swap where the system allows) and are wiped when freed. Error texts
 * name the file and what is wrong with it, never key material. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_internal.h"

/* A key file is a few hundred bytes; anything far larger is not ours. */
#define KEY_FILE_MAX 65536
#define KEY_FILE_VERSION 1
#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL
#define KEY_CHECK_TEXT "carehost key check v1"

ch_keys *ch_keys_new(void)
{
    if (sodium_init() < 0) /* idempotent; sodium_malloc needs it */
        return NULL;
    ch_keys *k = sodium_malloc(sizeof *k);
    if (k)
        sodium_memzero(k, sizeof *k);
    return k;
}

void ch_keys_free(ch_keys *keys)
{
    if (keys)
        sodium_free(keys); /* sodium_free wipes before releasing */
}

const ch_data_key *ch_keys_find(const ch_keys *keys, uint32_t id)
{
    if (!keys)
        return NULL;
    for (size_t i = 0; i < keys->count; i++)
        if (keys->data[i].id == id)
            return &keys->data[i];
    return NULL;
}

void ch_keys_check_value(const ch_data_key *key, unsigned char out[CH_KEY_BYTES])
{
    crypto_generichash(out, CH_KEY_BYTES, (const unsigned char *)KEY_CHECK_TEXT,
                       strlen(KEY_CHECK_TEXT), key->key, CH_KEY_BYTES);
}

/* jansson keeps its own copy of every string it parsed or was given. Wipe the
 * base64 of a key in place before the JSON is freed, so no copy of the key
 * outlives it in ordinary heap memory. */
static void wipe_json_string(json_t *v)
{
    if (json_is_string(v))
        sodium_memzero((char *)json_string_value(v), json_string_length(v));
}

static int decode_key(json_t *v, unsigned char out[CH_KEY_BYTES])
{
    size_t n = 0;
    if (!json_is_string(v))
        return -1;
    int rc = sodium_base642bin(out, CH_KEY_BYTES, json_string_value(v), json_string_length(v),
                               NULL, &n, NULL, B64_VARIANT);
    wipe_json_string(v);
    return rc == 0 && n == CH_KEY_BYTES ? 0 : -1;
}

/* "1".."4294967295", no sign, no leading zero. */
static int parse_key_id(const char *s, uint32_t *out)
{
    if (!s[0] || s[0] == '0' || strlen(s) > 10)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Parse the JSON text into keys. Returns 0, or -1 with err. */
static int parse_keys(const char *path, const char *text, size_t len, ch_keys *k, char *err,
                      size_t errlen)
{
    json_error_t jerr;
    /* jansson's error text may quote the text near the fault (key material),
     * so only the line number goes into our message. */
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        ch_store_seterr(err, errlen, "the key file %s is not valid JSON (line %d)", path, jerr.line);
        return -1;
    }
    int rc = -1;
    const char *why = NULL;
    json_t *version = json_object_get(root, "version");
    json_t *current = json_object_get(root, "current");
    json_t *data = json_object_get(root, "data_keys");
    json_t *audit = json_object_get(root, "audit_key");
    if (!json_is_object(root)) {
        why = "it is not a JSON object";
    } else if (!json_is_integer(version) || json_integer_value(version) != KEY_FILE_VERSION) {
        why = "\"version\" is not 1";
    } else if (!json_is_integer(current) || json_integer_value(current) < 1 ||
               json_integer_value(current) > (json_int_t)UINT32_MAX) {
        why = "\"current\" is not a key id";
    } else if (!json_is_object(data) || json_object_size(data) == 0) {
        why = "\"data_keys\" is missing or empty";
    } else if (json_object_size(data) > CH_MAX_DATA_KEYS) {
        why = "\"data_keys\" holds more keys than carehost allows";
    } else if (decode_key(audit, k->audit_key) != 0) {
        why = "\"audit_key\" is not 32 bytes of base64";
    } else {
        const char *name;
        json_t *v;
        k->count = 0;
        json_object_foreach(data, name, v) {
            ch_data_key *dk = &k->data[k->count];
            if (parse_key_id(name, &dk->id) != 0) {
                why = "a \"data_keys\" name is not a key id";
                break;
            }
            if (decode_key(v, dk->key) != 0) {
                why = "a data key is not 32 bytes of base64";
                break;
            }
            k->count++;
        }
        k->current = (uint32_t)json_integer_value(current);
        if (!why && !ch_keys_find(k, k->current))
            why = "\"current\" names a key that \"data_keys\" does not hold";
        if (!why)
            rc = 0;
    }
    /* Wipe whatever key text the parse above did not reach. */
    if (json_is_object(data)) {
        const char *name;
        json_t *v;
        json_object_foreach(data, name, v) wipe_json_string(v);
    }
    wipe_json_string(audit);
    json_decref(root);
    if (why)
        ch_store_seterr(err, errlen, "the key file %s is not usable: %s", path, why);
    return rc;
}

/* Read and check an existing key file. -1 with err; ENOENT leaves errno set. */
static int read_key_file(const char *path, ch_keys *k, struct stat *sb, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        ch_store_seterr(err, errlen, "cannot open the key file %s: %s", path, strerror(e));
        errno = e;
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ch_store_seterr(err, errlen, "the key file %s is not a regular file", path);
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        ch_store_seterr(err, errlen,
                        "the key file %s may be accessed by group or others (mode %04o); "
                        "run: chmod 600 %s",
                        path, (unsigned)(st.st_mode & 07777), path);
        close(fd);
        errno = EPERM;
        return -1;
    }
    if (st.st_size <= 0 || st.st_size > KEY_FILE_MAX) {
        ch_store_seterr(err, errlen, "the key file %s is %s", path,
                        st.st_size <= 0 ? "empty" : "too large to be a carehost key file");
        close(fd);
        errno = EINVAL;
        return -1;
    }
    size_t len = (size_t)st.st_size;
    /* The text holds the keys in base64: keep it in guarded memory too. */
    char *text = sodium_malloc(len);
    if (!text) {
        ch_store_seterr(err, errlen, "out of memory reading the key file %s", path);
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, text + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    int rc;
    if (got != len) {
        ch_store_seterr(err, errlen, "cannot read the key file %s", path);
        errno = EIO;
        rc = -1;
    } else {
        rc = parse_keys(path, text, len, k, err, errlen);
        if (rc != 0)
            errno = EINVAL;
    }
    sodium_free(text);
    if (rc == 0 && sb)
        *sb = st;
    return rc;
}

/* The directory part of path ("." when none), in buf. */
static void dir_of(const char *path, char *buf, size_t buflen)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, buflen, ".");
    else if (slash == path)
        snprintf(buf, buflen, "/");
    else
        snprintf(buf, buflen, "%.*s", (int)(slash - path), path);
}

static int fsync_dir(const char *path)
{
    char dir[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static json_t *key_string(const unsigned char key[CH_KEY_BYTES])
{
    char b64[sodium_base64_ENCODED_LEN(CH_KEY_BYTES, B64_VARIANT)];
    sodium_bin2base64(b64, sizeof b64, key, CH_KEY_BYTES, B64_VARIANT);
    json_t *s = json_string(b64);
    sodium_memzero(b64, sizeof b64);
    return s;
}

/* Write keys to a new file tmp (which must not exist), mode 0600, synced. */
static int write_new_file(const char *tmp, const ch_keys *keys, char *err, size_t errlen)
{
    json_t *root = json_object();
    json_t *data = json_object();
    if (!root || !data) {
        json_decref(root);
        json_decref(data);
        ch_store_seterr(err, errlen, "out of memory writing the key file");
        return -1;
    }
    json_object_set_new(root, "version", json_integer(KEY_FILE_VERSION));
    json_object_set_new(root, "current", json_integer(keys->current));
    for (size_t i = 0; i < keys->count; i++) {
        char name[16];
        snprintf(name, sizeof name, "%" PRIu32, keys->data[i].id);
        json_object_set_new(data, name, key_string(keys->data[i].key));
    }
    json_object_set_new(root, "data_keys", data);
    json_object_set_new(root, "audit_key", key_string(keys->audit_key));

    size_t need = json_dumpb(root, NULL, 0, JSON_INDENT(2) | JSON_SORT_KEYS);
    char *text = need ? sodium_malloc(need + 1) : NULL;
    if (text) {
        json_dumpb(root, text, need, JSON_INDENT(2) | JSON_SORT_KEYS);
        text[need] = '\n';
    }
    const char *name;
    json_t *v;
    json_object_foreach(data, name, v) wipe_json_string(v);
    wipe_json_string(json_object_get(root, "audit_key"));
    json_decref(root);
    if (!text) {
        ch_store_seterr(err, errlen, "out of memory writing the key file");
        return -1;
    }

    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        ch_store_seterr(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    } else {
        /* umask can only take bits away from 0600; make sure of it anyway. */
        if (fchmod(fd, 0600) != 0 || write_all(fd, text, need + 1) != 0 || fsync(fd) != 0)
            ch_store_seterr(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        else
            rc = 0;
        if (close(fd) != 0 && rc == 0) {
            ch_store_seterr(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
            rc = -1;
        }
        if (rc != 0)
            unlink(tmp);
    }
    sodium_free(text);
    return rc;
}

static void temp_name(const char *path, char *buf, size_t buflen)
{
    snprintf(buf, buflen, "%s.tmp-%ld-%08" PRIx32, path, (long)getpid(), randombytes_random());
}

int ch_keys_save(const char *path, const ch_keys *keys, char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    temp_name(path, tmp, sizeof tmp);
    if (write_new_file(tmp, keys, err, errlen) != 0)
        return -1;
    /* rename is atomic: a reader sees the old file or the new one, never a mix. */
    if (rename(tmp, path) != 0) {
        ch_store_seterr(err, errlen, "cannot replace the key file %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (fsync_dir(path) != 0) {
        ch_store_seterr(err, errlen, "cannot sync the folder of the key file %s: %s", path,
                        strerror(errno));
        return -1;
    }
    return 0;
}

/* First start: random keys, written to a temp file and linked into place.
 * link() fails when the name exists, so two processes starting together cannot
 * overwrite each other's key, and no one ever sees a half-written file. */
static int create_key_file(const char *path, ch_keys *k, char *err, size_t errlen)
{
    k->current = 1;
    k->count = 1;
    k->data[0].id = 1;
    randombytes_buf(k->data[0].key, CH_KEY_BYTES);
    randombytes_buf(k->audit_key, CH_KEY_BYTES);
    char tmp[PATH_MAX];
    temp_name(path, tmp, sizeof tmp);
    if (write_new_file(tmp, k, err, errlen) != 0)
        return -1;
    int rc = link(tmp, path);
    int e = errno;
    unlink(tmp);
    if (rc != 0) {
        if (e == EEXIST) {
            errno = EEXIST;
            return 1; /* someone else made it first: the caller reads theirs */
        }
        ch_store_seterr(err, errlen, "cannot create the key file %s: %s", path, strerror(e));
        return -1;
    }
    if (fsync_dir(path) != 0) {
        ch_store_seterr(err, errlen, "cannot sync the folder of the key file %s: %s", path,
                        strerror(errno));
        return -1;
    }
    return 0;
}

int ch_keys_load_stat(const char *path, int create, ch_keys **out, struct stat *sb, char *err,
                      size_t errlen)
{
    *out = NULL;
    if (!path || !*path) {
        ch_store_seterr(err, errlen, "no key file path given");
        return CH_STORE_IO;
    }
    ch_keys *k = ch_keys_new();
    if (!k) {
        ch_store_seterr(err, errlen, "out of memory for the keys");
        return CH_STORE_IO;
    }
    int rc = read_key_file(path, k, sb, err, errlen);
    if (rc != 0 && errno == ENOENT) {
        if (!create) {
            ch_store_seterr(err, errlen,
                            "the key file %s is missing; without it the records cannot be read",
                            path);
        } else {
            sodium_memzero(k, sizeof *k);
            rc = create_key_file(path, k, err, errlen);
            if (rc == 0 && sb && stat(path, sb) != 0) {
                ch_store_seterr(err, errlen, "cannot stat the key file %s: %s", path,
                                strerror(errno));
                rc = -1;
            }
            if (rc == 1) {
                sodium_memzero(k, sizeof *k);
                rc = read_key_file(path, k, sb, err, errlen);
            }
        }
    }
    if (rc != 0) {
        ch_keys_free(k);
        return CH_STORE_IO;
    }
    *out = k;
    return CH_STORE_OK;
}

int ch_keys_load(const char *path, int create, ch_keys **out, char *err, size_t errlen)
{
    return ch_keys_load_stat(path, create, out, NULL, err, errlen);
}
