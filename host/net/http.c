/* http.c -- static files, headers on every reply, and the upgrade filter. */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "header_size.h"
#include "http_api.h"
#include "log.h"
#include "one_request.h"
#include "request_origin.h"

/* No inline script or style anywhere in web/: the client is built to this policy. */
static const char csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

/* Added by libwebsockets to every HTTP reply of the vhost, files and errors alike (not to
 * the WebSocket upgrade's 101, which lws writes itself). */
static const struct lws_protocol_vhost_options hdr_connection = {NULL, NULL, "connection:", "close"};
static const struct lws_protocol_vhost_options hdr_permissions = {
    &hdr_connection, NULL, "permissions-policy:", "camera=(self), microphone=(self), geolocation=(), payment=()"};
static const struct lws_protocol_vhost_options hdr_coop = {&hdr_permissions, NULL,
                                                           "cross-origin-opener-policy:", "same-origin"};
static const struct lws_protocol_vhost_options hdr_frame = {&hdr_coop, NULL, "x-frame-options:", "DENY"};
static const struct lws_protocol_vhost_options hdr_referrer = {&hdr_frame, NULL, "referrer-policy:",
                                                               "no-referrer"};
static const struct lws_protocol_vhost_options hdr_nosniff = {&hdr_referrer, NULL,
                                                              "x-content-type-options:", "nosniff"};
static const struct lws_protocol_vhost_options hdr_csp = {&hdr_nosniff, NULL,
                                                          "content-security-policy:", csp};

const struct lws_protocol_vhost_options *ch_http_headers(void) { return &hdr_csp; }

/* lws knows the usual types; these make ES modules and manifests right too. */
static const struct lws_protocol_vhost_options mime_webmanifest = {
    NULL, NULL, ".webmanifest", "application/manifest+json"};
static const struct lws_protocol_vhost_options mime_json = {&mime_webmanifest, NULL, ".json",
                                                            "application/json"};
static const struct lws_protocol_vhost_options mime_mjs = {&mime_json, NULL, ".mjs",
                                                           "text/javascript; charset=utf-8"};
static const struct lws_protocol_vhost_options mime_css = {&mime_mjs, NULL, ".css",
                                                           "text/css; charset=utf-8"};
static const struct lws_protocol_vhost_options mime_html = {&mime_css, NULL, ".html",
                                                            "text/html; charset=utf-8"};
static const struct lws_protocol_vhost_options mime_js = {&mime_html, NULL, ".js",
                                                          "text/javascript; charset=utf-8"};
static const struct lws_protocol_vhost_options mime_svg = {&mime_js, NULL, ".svg",
                                                           "image/svg+xml"};

static struct lws_http_mount *mounts;
static char **mount_strings;
static size_t mount_count;

static void fill_mount(struct lws_http_mount *m, const char *mountpoint, const char *origin)
{
    memset(m, 0, sizeof *m);
    m->mountpoint = mountpoint;
    m->mountpoint_len = (unsigned char)strlen(mountpoint);
    m->origin = origin;
    m->def = "index.html";
    m->origin_protocol = LWSMPRO_FILE;
    m->extra_mimetypes = &mime_svg;
    /* Revalidate on every load, so an upgraded client reaches every browser at once. */
    m->cache_max_age = 0;
    m->cache_reusable = 1;
    m->cache_revalidate = 1;
    m->cache_intermediaries = 0;
}

/* Every /api path goes to the carehost protocol's callback (http_api.c), not to files. */
static struct lws_http_mount api_mount;
/* So does /invite/<token>: one page for every token (serve_invite_page). */
static struct lws_http_mount invite_mount;

const struct lws_http_mount *ch_http_mounts(const ch_config *cfg, const char *const *plugins,
                                           const char *const *web_dirs, size_t n)
{
    mounts = calloc(n + 1, sizeof *mounts);
    mount_strings = calloc(2 * n + 1, sizeof *mount_strings);
    if (!mounts || !mount_strings)
        return NULL;
    mount_count = n + 1;
    fill_mount(&mounts[0], "/", cfg->web_dir);
    for (size_t i = 0; i < n; i++) {
        const char *name = plugins[i];
        char buf[CH_PATH_MAX + 64];
        snprintf(buf, sizeof buf, "/plugins/%s", name);
        mount_strings[2 * i] = strdup(buf);
        mount_strings[2 * i + 1] = strdup(web_dirs[i]);
        if (!mount_strings[2 * i] || !mount_strings[2 * i + 1])
            return NULL;
        fill_mount(&mounts[i + 1], mount_strings[2 * i], mount_strings[2 * i + 1]);
        mounts[i].mount_next = &mounts[i + 1];
    }
    memset(&api_mount, 0, sizeof api_mount);
    api_mount.mountpoint = "/api";
    api_mount.mountpoint_len = 4;
    api_mount.origin = "carehost"; /* the protocol's name */
    api_mount.origin_protocol = LWSMPRO_CALLBACK;
    api_mount.mount_next = &invite_mount;
    memset(&invite_mount, 0, sizeof invite_mount);
    invite_mount.mountpoint = "/invite";
    invite_mount.mountpoint_len = 7;
    invite_mount.origin = "carehost";
    invite_mount.origin_protocol = LWSMPRO_CALLBACK;
    invite_mount.mount_next = mounts;
    return &api_mount;
}

void ch_http_free_mounts(void)
{
    for (size_t i = 0; mount_strings && i < 2 * (mount_count - 1); i++)
        free(mount_strings[i]);
    free(mount_strings);
    free(mounts);
    mounts = NULL;
    mount_strings = NULL;
    mount_count = 0;
}

/* The protocol lives at /ws only. */
static int upgrade_allowed(struct lws *wsi)
{
    char uri[64];
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0)
        return 0;
    return strcmp(uri, "/ws") == 0;
}

/* /invite/<token> is web/invite.html whatever the token: the token stays in
 * the path, where the page's script reads it, and is never looked at here (no
 * Referer leaves the page: referrer-policy no-referrer). Returns -1 when the
 * request is not for the invite page. */
static int serve_invite_page(struct lws *wsi)
{
    static const char prefix[] = "/invite/";
    char *uri = NULL;
    int uri_len = 0;
    int meth = lws_http_get_uri_and_method(wsi, &uri, &uri_len);
    if (!uri || uri_len < 7 || strncmp(uri, "/invite", 7) != 0 ||
        (uri_len > 7 && uri[7] != '/'))
        return -1;
    int status = 0;
    if (uri_len <= (int)sizeof prefix - 1 || memchr(uri + 8, '/', (size_t)uri_len - 8))
        status = HTTP_STATUS_NOT_FOUND;
    else if (meth != LWSHUMETH_GET)
        status = HTTP_STATUS_METHOD_NOT_ALLOWED;
    if (status) {
        if (lws_return_http_status(wsi, (unsigned)status, NULL) ||
            lws_http_transaction_completed(wsi))
            return 1;
        return 0;
    }
    char path[CH_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/invite.html", ch_the_host->cfg.web_dir);
    int n = lws_serve_http_file(wsi, path, "text/html; charset=utf-8", NULL, 0);
    /* < 0: failed (lws answered if it could); > 0: done already. */
    if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
        return 1;
    return 0;
}

/* 421 Misdirected Request: the Host is not a name of this daemon (DNS rebinding;
 * request_origin.h). Said in words, then the connection closes. */
static void refuse_host(struct lws *wsi, const char *what)
{
    char peer[64];
    lws_get_peer_simple(wsi, peer, sizeof peer);
    ch_info("refused a %s from %s: its Host is not a name of this carehost (see --public-host)", what, peer);
    lws_return_http_status(wsi, 421, "This address is not one this carehost serves; see --public-host");
}

int ch_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_FILTER_HTTP_CONNECTION: /* every plain request, files included */
        if (!ch_http_first_request(wsi))
            return 1;
        return ch_http_refuse_big_headers(wsi);
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        return -1; /* all of it is sent: hang up (one_request.h) */
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (ch_http_refuse_big_headers(wsi))
            return 1;
        if (!upgrade_allowed(wsi))
            return 1;
        if (!ch_http_host_ok(wsi)) {
            refuse_host(wsi, "WebSocket");
            return 1;
        }
        /* Cross-site WebSocket hijacking: a browser always sends Origin; a page
         * elsewhere must not ride on this site's cookie. Non-browser clients may
         * leave it out. */
        if (!ch_http_origin_ok(wsi, 1)) {
            char peer[64];
            lws_get_peer_simple(wsi, peer, sizeof peer);
            ch_info("refused a WebSocket from %s: its Origin is not this site", peer);
            /* Say so (lws would only hang up), then close. */
            lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, "Cross-site WebSocket refused");
            return 1;
        }
        return ch_the_host->stopping ? 1 : 0;
    case LWS_CALLBACK_HTTP: {
        if (!ch_http_host_ok(wsi)) {
            refuse_host(wsi, "request");
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        int page = serve_invite_page(wsi);
        if (page >= 0)
            return page ? -1 : 0;
        return ch_api_http_callback(wsi, reason, user, in, len);
    }
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        return ch_api_http_callback(wsi, reason, user, in, len);
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}
