/* lg_ws.h -- the load generator's WebSocket client connections, on raw non-blocking sockets and
 * one epoll set: connect (optionally from a given source address), the HTTP upgrade, masked
 * frames out (written at once, buffered only when the socket is full), frames in (parsed in
 * place from one shared read buffer, pings answered), and when each read's data arrived: the
 * kernel's receive timestamp (SO_TIMESTAMPNS), so a late read by the generator can be told
 * apart from a late delivery by the server. */
#ifndef LG_WS_H
#define LG_WS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum lg_ws_state { LG_WS_NONE = 0, LG_WS_TCP, LG_WS_UPGRADE, LG_WS_OPEN, LG_WS_CLOSING };

typedef struct lg_ws {
    int fd;                 /* -1 when there is no socket */
    uint8_t st;             /* enum lg_ws_state */
    uint8_t out_armed;      /* EPOLLOUT is being waited for */
    void *owner;            /* handed back to the callbacks and stored in epoll's data.ptr */
    char *rx;               /* a partial frame (or response) kept between reads */
    uint32_t rxlen, rxcap;
    char *tx;               /* bytes the socket has not taken yet */
    uint32_t txlen, txcap;
    char *frag;             /* a fragmented message being reassembled */
    uint32_t fraglen, fragcap;
} lg_ws;

/* When a read's data was there: t_read is when the generator read it (CLOCK_MONOTONIC ns),
 * t_arrival when the kernel queued the newest of it on the socket (the same clock; equal to
 * t_read when the kernel gave no timestamp). */
typedef struct lg_rx_time {
    int64_t t_read;
    int64_t t_arrival;
} lg_rx_time;

typedef struct lg_ws_callbacks {
    void (*open)(void *owner, const lg_rx_time *rt);   /* the upgrade was accepted */
    void (*text)(void *owner, const char *msg, size_t len, const lg_rx_time *rt);
    void (*close)(void *owner, int code, const char *reason, size_t len);   /* a close frame */
} lg_ws_callbacks;

static inline int64_t lg_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Once, before any connection: the epoll set, the callbacks, and the upgrade request every
 * connection sends (built by the caller: path, Host, Cookie, subprotocol). 0 or -1. */
int lg_ws_setup(int epfd, const lg_ws_callbacks *cb);
/* Start a non-blocking connect; the connection is in the epoll set with data.ptr = owner.
 * src may be NULL. The request is sent when the connect completes. 0 or -errno. */
int lg_ws_connect(lg_ws *w, void *owner, const struct sockaddr_in *dst,
                  const struct sockaddr_in *src, const char *request, size_t reqlen);
/* Handle epoll events for w. 0: still open; -1: the connection is gone (EOF, error, a
 * refused upgrade): the caller calls lg_ws_close. */
int lg_ws_event(lg_ws *w, uint32_t events);
/* Send one frame (opcode 1 text, 8 close, ...), masked. 0 or -1 (the connection is broken). */
int lg_ws_send(lg_ws *w, int opcode, const char *payload, size_t len);
/* Close the socket and free the buffers; w can connect again. */
void lg_ws_close(lg_ws *w);

#endif
