/* passwords.c -- where carehostctl gets a password and how it hashes it.
 *
 * A password comes from one line of stdin (--password-stdin: never a command
 * line argument, which other users of the machine can read in ps), or is
 * generated and shown once. It is hashed with argon2id (crypto_pwhash_str,
 * OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE: about 0.1 s and 64 MiB) right
 * here: carehostctl is not the daemon's event loop, so nothing waits on it.
 * Plain text is wiped as soon as it is hashed. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define GENERATED_BYTES 12 /* 16 url-safe characters, 96 bits */

int ctl_read_password(const char *cmd, char *out, size_t outlen)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    int rc = CTL_EXIT_OK;
    if (n < 0) {
        rc = ctl_usage_error(cmd, "--password-stdin: no line on stdin");
    } else {
        size_t len = (size_t)n;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (len > 0 && line[len - 1] == '\r')
            len--;
        if (memchr(line, '\0', len))
            rc = ctl_usage_error(cmd, "--password-stdin: the password holds a NUL byte");
        else if (len < CTL_PASSWORD_MIN)
            rc = ctl_usage_error(cmd, "--password-stdin: the password must be at least %d "
                                 "characters", CTL_PASSWORD_MIN);
        else if (len >= outlen)
            rc = ctl_usage_error(cmd, "--password-stdin: the password is longer than %zu "
                                 "characters", outlen - 1);
        else {
            memcpy(out, line, len);
            out[len] = 0;
        }
    }
    if (line) {
        sodium_memzero(line, cap);
        free(line);
    }
    return rc;
}

void ctl_generate_password(char out[CTL_GENERATED_PASSWORD_CHARS + 1])
{
    unsigned char raw[GENERATED_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, CTL_GENERATED_PASSWORD_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

int ctl_hash_password(const char *cmd, const char *password, char hash[CTL_HASH_MAX])
{
    if (sodium_init() < 0)
        return ctl_fail(cmd, "libsodium failed to initialise");
    if (crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return ctl_fail(cmd, "cannot hash the password (out of memory: argon2id needs %zu MiB)",
                        (size_t)(crypto_pwhash_MEMLIMIT_INTERACTIVE >> 20));
    return CTL_EXIT_OK;
}

_Static_assert(CTL_HASH_MAX == crypto_pwhash_STRBYTES, "CTL_HASH_MAX is crypto_pwhash_STRBYTES");
