/* origin.h -- is a request's Origin the origin this host serves?
 *
 * The served origin is scheme://Host as the request itself names it (the Host
 * header, or :authority over HTTP/2), the scheme being https under TLS and http
 * otherwise. Behind a TLS-terminating proxy (the daemon started with
 * --insecure) the browser's origin is https while the daemon sees plain HTTP,
 * so there https is accepted too. Default ports (80 for http, 443 for https)
 * may be present on one side and absent on the other. Hosts compare
 * case-insensitively; anything else (a path, user info, "null") fails. */
#ifndef CH_ORIGIN_H
#define CH_ORIGIN_H

/* 1 when origin names the same scheme, host and port the request was sent to. */
int ch_origin_matches(const char *origin, const char *host, int tls, int behind_proxy);

#endif
