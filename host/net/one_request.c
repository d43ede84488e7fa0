/* one_request.c -- see one_request.h. */
#include "one_request.h"

#include "log.h"

/* What a connection's opaque user data points at once it has carried a request; lws keeps
 * that pointer for the connection's life and carehost uses it for nothing else. */
static const char served_one = 1;

int ch_http_first_request(struct lws *wsi)
{
    if (lws_get_opaque_user_data(wsi) == &served_one) {
        char peer[64];
        lws_get_peer_simple(wsi, peer, sizeof peer);
        ch_info("closed a connection from %s that sent a second request: each connection carries "
                "one (Connection: close)", peer);
        return 0;
    }
    lws_set_opaque_user_data(wsi, (void *)&served_one);
    return 1;
}
