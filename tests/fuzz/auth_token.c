/* auth_token.c -- libFuzzer harness: the sign-in cookie / invite token parser
 * (ch_auth_token_hash: the 43 base64url characters a browser sends, in the carehost_session
 * cookie or an /api/invites/<token> path) and the loader of the store's token rows
 * (ch_auth_tokens_load_row) with a lookup of what was loaded. Input: the token text, a newline,
 * then the rows (a JSON array, or one row). */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_tokens.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *newline = memchr(data, '\n', size);
    size_t text_len = newline ? (size_t)(newline - data) : size;
    char *text = malloc(text_len + 1);
    if (!text)
        return 0;
    memcpy(text, data, text_len);
    text[text_len] = '\0';
    unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES];
    int hashed = ch_auth_token_hash(text, hash) == 0;
    if (hashed && strlen(text) != CH_AUTH_TOKEN_TEXT_LEN)
        abort(); /* a token of any other length must be refused */
    free(text);

    if (!newline)
        return 0;
    json_t *rows = json_loadb((const char *)newline + 1, size - text_len - 1, JSON_DECODE_ANY, NULL);
    if (!rows)
        return 0;
    ch_auth_tokens *t = ch_auth_tokens_new(30 * 60 * 1000, 12 * 3600 * 1000);
    if (!t) {
        json_decref(rows);
        return 0;
    }
    const int64_t now = 1767225600000; /* 2026-01-01 */
    unsigned char stale[CH_AUTH_TOKEN_HASH_BYTES];
    size_t i;
    json_t *row;
    if (json_is_array(rows)) {
        json_array_foreach(rows, i, row) (void)ch_auth_tokens_load_row(t, row, now, stale);
    } else {
        (void)ch_auth_tokens_load_row(t, rows, now, stale);
    }
    ch_auth_token found;
    if (hashed && ch_auth_tokens_find(t, hash, now, 1, &found, NULL) == CH_AUTH_VALID) {
        json_t *user = ch_auth_user_json(&found.user);
        json_t *left = ch_auth_signin_json(t, &found, now);
        json_decref(user);
        json_decref(left);
    }
    (void)ch_auth_tokens_sweep(t, now + 3600 * 1000);
    ch_auth_tokens_free(t);
    json_decref(rows);
    return 0;
}
