/* header_size.h -- a request whose headers are too big gets 431, not a dropped connection.
 *
 * libwebsockets 4.1 stores a request's headers in one buffer per connection (the
 * "ah", info.max_http_header_data) and, when they do not fit, closes the
 * connection without a word (lib/roles/http/parsers.c: lws_pos_in_bounds fails,
 * lws_parse returns LPR_FAIL, the server bails). So the buffer is made twice the
 * limit we document, and a request between the two is answered 431 here, once its
 * headers are parsed. Above the buffer lws still hangs up: that cannot be changed
 * from outside the library. */
#ifndef CH_HEADER_SIZE_H
#define CH_HEADER_SIZE_H

#include <stddef.h>
#include <libwebsockets.h>

/* The documented limit: request line and headers, in bytes. */
#define CH_HTTP_HEADERS_MAX (16 * 1024)
/* lws's header buffer per connection (info.max_http_header_data, an unsigned short). */
#define CH_HTTP_HEADER_BUFFER (32 * 1024)
/* At most this many connections hold a header buffer at once (info.max_http_header_pool);
 * more wait for one. Buffers are allocated only while a request's headers are read, so the
 * most they take is CH_HTTP_HEADER_POOL * CH_HTTP_HEADER_BUFFER = 128 MiB. */
#define CH_HTTP_HEADER_POOL 4096

/* The bytes of the request's headers lws recognises (name, ": ", value, CRLF each) and of
 * its request line. Headers lws does not know by name are stored but cannot be counted
 * through its API; they are bounded by CH_HTTP_HEADER_BUFFER alone. */
size_t ch_http_header_bytes(struct lws *wsi);

/* When the headers exceed CH_HTTP_HEADERS_MAX: answer 431 with a sentence saying so and
 * return 1 (the caller then closes the connection); else 0. */
int ch_http_refuse_big_headers(struct lws *wsi);

#endif
