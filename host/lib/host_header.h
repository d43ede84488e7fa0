/* host_header.h -- is a request's Host one this daemon is reached by?
 *
 * A DNS-rebinding attack points a name the attacker owns (evil.example) at
 * the daemon's address: the browser then sends `Host: evil.example` with a
 * matching `Origin`, and the origin check alone (origin.h) would pass. So the
 * Host's name must be one the clinic uses: an IP address literal (a browser
 * sends one only when it was given the address itself), `localhost` or a name
 * under `.localhost`, or a name given with --public-host. A request without
 * Host (HTTP/1.0 tools; browsers always send one) passes. The port is not
 * compared: the attack is in the name. */
#ifndef CH_HOST_HEADER_H
#define CH_HOST_HEADER_H

/* 1 when host (the Host header's value, "name[:port]" or "[v6]:port") is
 * allowed; public_hosts is the --public-host list, comma-separated names. */
int ch_host_header_allowed(const char *host, const char *public_hosts);
/* 1 when list is a comma-separated list of DNS names ([A-Za-z0-9.-], 1-253
 * each, no empty item). For --public-host. */
int ch_host_names_valid(const char *list);

#endif
