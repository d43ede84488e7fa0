/* turn_credentials.c -- see turn_credentials.h. */
#include "turn_credentials.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

int64_t ch_turn_ttl_s(uint64_t ttl_ms)
{
    uint64_t s = ttl_ms / 1000;
    if (s > INT32_MAX)
        s = INT32_MAX;
    return s ? (int64_t)s : 1;
}

int64_t ch_turn_expiry_s(int64_t now_ms, uint64_t ttl_ms)
{
    int64_t now_s = now_ms >= 0 ? now_ms / 1000 : -((-now_ms + 999) / 1000);
    return now_s + ch_turn_ttl_s(ttl_ms);
}

int ch_turn_credentials(const char *secret, size_t secret_len, const char *user_id, int64_t expiry_s,
                        char *username, size_t username_size, char *credential, size_t credential_size)
{
    if (!user_id || !*user_id || secret_len > INT32_MAX || credential_size < CH_TURN_CREDENTIAL_MAX)
        return -1;
    int n = snprintf(username, username_size, "%lld:%s", (long long)expiry_s, user_id);
    if (n < 0 || (size_t)n >= username_size)
        return -1;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha1(), secret, (int)secret_len, (const unsigned char *)username, (size_t)n, mac,
              &mac_len) ||
        mac_len != 20)
        return -1;
    /* 20 bytes -> 28 characters and a NUL. */
    EVP_EncodeBlock((unsigned char *)credential, mac, (int)mac_len);
    return 0;
}
