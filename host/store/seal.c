/* seal.c -- a record's content <-> (nonce, ciphertext) with XChaCha20-Poly1305.
 *
 * The associated data is "plugin NUL owner NUL id": the ciphertext authenticates
 * only in the row it was written for, so moving it to another record, owner or
 * plugin makes it fail to open instead of showing one patient's text as
 * another's. None of the three may contain NUL (they are C strings), so the
 * encoding is unambiguous. The 24-byte nonce is random: XChaCha's nonce is long
 * enough that random nonces do not collide in practice. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES

_Static_assert(NONCE_BYTES == 24, "the records table stores 24-byte nonces");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == CH_KEY_BYTES, "key size");

static unsigned char *make_aad(const char *plugin, const char *owner, const char *id, size_t *len)
{
    size_t lp = strlen(plugin), lo = strlen(owner), li = strlen(id);
    *len = lp + 1 + lo + 1 + li;
    unsigned char *aad = malloc(*len);
    if (!aad)
        return NULL;
    memcpy(aad, plugin, lp);
    aad[lp] = 0;
    memcpy(aad + lp + 1, owner, lo);
    aad[lp + 1 + lo] = 0;
    memcpy(aad + lp + 1 + lo + 1, id, li);
    return aad;
}

int ch_seal(const ch_data_key *key, const char *plugin, const char *owner, const char *id,
            const unsigned char *plain, size_t plain_len, unsigned char nonce[24],
            unsigned char **sealed, size_t *sealed_len)
{
    *sealed = NULL;
    *sealed_len = 0;
    if (!key || !plugin || !owner || !id || (!plain && plain_len) ||
        plain_len > SIZE_MAX - TAG_BYTES)
        return -1;
    size_t aad_len;
    unsigned char *aad = make_aad(plugin, owner, id, &aad_len);
    unsigned char *out = malloc(plain_len + TAG_BYTES);
    if (!aad || !out) {
        free(aad);
        free(out);
        return -1;
    }
    randombytes_buf(nonce, NONCE_BYTES);
    unsigned long long n = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out, &n, plain, plain_len, aad, aad_len, NULL,
                                               nonce, key->key);
    free(aad);
    *sealed = out;
    *sealed_len = (size_t)n;
    return 0;
}

int ch_open(const ch_data_key *key, const char *plugin, const char *owner, const char *id,
            const unsigned char nonce[24], const unsigned char *sealed, size_t sealed_len,
            unsigned char **plain, size_t *plain_len)
{
    *plain = NULL;
    *plain_len = 0;
    if (!key || !plugin || !owner || !id || !nonce || !sealed || sealed_len < TAG_BYTES)
        return -1;
    size_t aad_len;
    unsigned char *aad = make_aad(plugin, owner, id, &aad_len);
    /* One byte more than the plaintext: callers get a NUL-terminated buffer. */
    unsigned char *out = malloc(sealed_len - TAG_BYTES + 1);
    if (!aad || !out) {
        free(aad);
        free(out);
        return -1;
    }
    unsigned long long n = 0;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(out, &n, NULL, sealed, sealed_len, aad,
                                                        aad_len, nonce, key->key);
    free(aad);
    if (rc != 0) {
        free(out);
        return -1;
    }
    out[n] = 0;
    *plain = out;
    *plain_len = (size_t)n;
    return 0;
}
