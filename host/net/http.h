/* http.h -- the HTTP side: static mounts for web/ and plugin panels, security
 * and caching headers, and which requests may upgrade to the protocol. */
#ifndef CH_HTTP_H
#define CH_HTTP_H

#include <libwebsockets.h>
#include "host.h"

/* Build the mount list: / -> cfg->web_dir, /plugins/<name> -> each of the n
 * plugins' web folder, web_dirs[i] (plugins/plugin_web.h finds them). Valid until
 * ch_http_free_mounts. */
const struct lws_http_mount *ch_http_mounts(const ch_config *cfg, const char *const *plugins,
                                           const char *const *web_dirs, size_t n);
void ch_http_free_mounts(void);

/* The security headers every HTTP reply carries (CSP, nosniff, referrer ...). */
const struct lws_protocol_vhost_options *ch_http_headers(void);

/* Handle the HTTP-side callback reasons; returns what lws expects. */
int ch_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len);

#endif
