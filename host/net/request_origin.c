/* request_origin.c -- see request_origin.h. */
#include "request_origin.h"

#include <strings.h>

#include "host.h"
#include "origin.h"
#include "lib/host_header.h"

/* The address the request was sent to: Host, or :authority over HTTP/2. */
static int request_host(struct lws *wsi, char *out, int size)
{
    if (lws_hdr_copy(wsi, out, size, WSI_TOKEN_HOST) > 0)
        return 0;
    if (lws_hdr_copy(wsi, out, size, WSI_TOKEN_HTTP_COLON_AUTHORITY) > 0)
        return 0;
    return -1;
}

static int is_tls(struct lws *wsi) { return lws_is_ssl(lws_get_network_wsi(wsi)) != 0; }

int ch_http_origin_ok(struct lws *wsi, int missing_ok)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
        return missing_ok;
    char origin[300], host[300];
    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0 ||
        request_host(wsi, host, sizeof host))
        return 0;
    return ch_origin_matches(origin, host, is_tls(wsi), ch_the_host->cfg.insecure);
}

int ch_http_request_is_https(struct lws *wsi)
{
    if (is_tls(wsi))
        return 1;
    /* Behind a TLS proxy (--insecure) the browser's own Origin says https. */
    char origin[16];
    return ch_the_host->cfg.insecure &&
           lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) > 0 &&
           strncasecmp(origin, "https://", 8) == 0;
}

int ch_http_host_ok(struct lws *wsi)
{
    char host[300];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) <= 0 &&
        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COLON_AUTHORITY) <= 0)
        return 1; /* no Host: not a browser */
    if (request_host(wsi, host, sizeof host))
        return 0; /* too long to be a name of ours */
    return ch_host_header_allowed(host, ch_the_host->cfg.public_hosts);
}
