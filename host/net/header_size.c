/* header_size.c -- count a request's headers and answer 431 above the limit (header_size.h). */
#include "header_size.h"

#include <string.h>

#include "log.h"

size_t ch_http_header_bytes(struct lws *wsi)
{
    size_t total = 0;
    for (int t = 0; t < (int)WSI_TOKEN_COUNT; t++) {
        int n = lws_hdr_total_length(wsi, (enum lws_token_indexes)t);
        if (n <= 0)
            continue;
        const unsigned char *name = lws_token_to_string((enum lws_token_indexes)t);
        /* "name:" (lws spells it with the colon; the method tokens as "get " ...), a space, CRLF */
        total += (size_t)n + (name ? strlen((const char *)name) : 0) + 3;
    }
    return total;
}

int ch_http_refuse_big_headers(struct lws *wsi)
{
    size_t bytes = ch_http_header_bytes(wsi);
    if (bytes <= CH_HTTP_HEADERS_MAX)
        return 0;
    char peer[64];
    lws_get_peer_simple(wsi, peer, sizeof peer);
    ch_info("refused a request from %s: its headers are %zu bytes, over the limit of %d", peer, bytes,
            CH_HTTP_HEADERS_MAX);
    /* lws 4.1 knows no reason phrase for 431, so the status line has none: the body says it. */
    lws_return_http_status(wsi, 431,
                           "Request Header Fields Too Large: this request's headers are over the "
                           "16 KB this server accepts. Clearing this site's cookies usually fixes it.");
    return 1;
}
