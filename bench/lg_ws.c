/* lg_ws.c -- the load generator's WebSocket client connections (see lg_ws.h). */
#include "lg_ws.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FRAME (1u << 20)          /* a frame from the server larger than this is an error */
#define MAX_TX (1u << 20)             /* unsent bytes one connection may queue */
#define SCRATCH (2u * MAX_FRAME + 65536)
/* The accept value for the fixed key "dGhlIHNhbXBsZSBub25jZQ==" (RFC 6455's example). */
#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

static int epfd = -1;
static lg_ws_callbacks cbs;
static char *scratch;                 /* one read buffer for every connection */
static uint32_t mask_state = 0x9e3779b9u;

int lg_ws_setup(int ep, const lg_ws_callbacks *cb)
{
    epfd = ep;
    cbs = *cb;
    scratch = malloc(SCRATCH);
    return scratch ? 0 : -1;
}

static int grow(char **buf, uint32_t *cap, size_t need, size_t limit)
{
    if (need <= *cap)
        return 0;
    if (need > limit)
        return -1;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    char *p = realloc(*buf, n);
    if (!p)
        return -1;
    *buf = p;
    *cap = (uint32_t)n;
    return 0;
}

static int arm_out(lg_ws *w, int on)
{
    if (w->out_armed == on)
        return 0;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = w->owner};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, w->fd, &ev))
        return -1;
    w->out_armed = (uint8_t)on;
    return 0;
}

/* Write what is queued; 0 (maybe some left, EPOLLOUT armed) or -1. */
static int flush(lg_ws *w)
{
    while (w->txlen) {
        ssize_t n = send(w->fd, w->tx, w->txlen, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return arm_out(w, 1);
            if (errno == EINTR)
                continue;
            return -1;
        }
        memmove(w->tx, w->tx + n, w->txlen - (size_t)n);
        w->txlen -= (uint32_t)n;
    }
    return arm_out(w, 0);
}

static int queue(lg_ws *w, const char *p, size_t n)
{
    if (grow(&w->tx, &w->txcap, (size_t)w->txlen + n, MAX_TX))
        return -1;
    memcpy(w->tx + w->txlen, p, n);
    w->txlen += (uint32_t)n;
    return 0;
}

int lg_ws_connect(lg_ws *w, void *owner, const struct sockaddr_in *dst,
                  const struct sockaddr_in *src, const char *request, size_t reqlen)
{
    w->owner = owner;
    w->st = LG_WS_NONE;
    w->out_armed = 1;
    w->rxlen = w->txlen = w->fraglen = 0;
    w->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (w->fd < 0)
        return -errno;
    int one = 1;
    setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(w->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    if (src) {
        /* The port is chosen at connect, per destination: more than 28,000 connections fit. */
        setsockopt(w->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(w->fd, (const struct sockaddr *)src, sizeof *src))
            goto fail;
    }
    if (connect(w->fd, (const struct sockaddr *)dst, sizeof *dst) && errno != EINPROGRESS)
        goto fail;
    if (queue(w, request, reqlen)) {
        errno = ENOMEM;
        goto fail;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = owner};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, w->fd, &ev))
        goto fail;
    w->st = LG_WS_TCP;
    return 0;
fail:;
    int e = errno;
    close(w->fd);
    w->fd = -1;
    w->txlen = 0;
    return -e;
}

void lg_ws_close(lg_ws *w)
{
    if (w->fd >= 0)
        close(w->fd);   /* leaves the epoll set with it */
    w->fd = -1;
    w->st = LG_WS_NONE;
    w->rxlen = w->txlen = w->fraglen = 0;
    w->out_armed = 0;
    /* keep small buffers for the next connection; give back big ones */
    if (w->rxcap > 4096) {
        free(w->rx);
        w->rx = NULL;
        w->rxcap = 0;
    }
    if (w->txcap > 4096) {
        free(w->tx);
        w->tx = NULL;
        w->txcap = 0;
    }
    free(w->frag);
    w->frag = NULL;
    w->fragcap = 0;
}

int lg_ws_send(lg_ws *w, int opcode, const char *payload, size_t len)
{
    unsigned char frame[14 + 2048];
    if (w->fd < 0 || len > sizeof frame - 14)
        return -1;
    size_t h = 0;
    frame[h++] = (unsigned char)(0x80 | (opcode & 0x0f));
    if (len < 126) {
        frame[h++] = (unsigned char)(0x80 | len);
    } else {
        frame[h++] = 0x80 | 126;
        frame[h++] = (unsigned char)(len >> 8);
        frame[h++] = (unsigned char)len;
    }
    /* xorshift32: a mask per frame, as a client must */
    uint32_t m = mask_state;
    m ^= m << 13;
    m ^= m >> 17;
    m ^= m << 5;
    mask_state = m;
    unsigned char key[4];
    memcpy(key, &m, 4);
    memcpy(frame + h, key, 4);
    h += 4;
    for (size_t i = 0; i < len; i++)
        frame[h + i] = (unsigned char)payload[i] ^ key[i & 3];
    size_t n = h + len;
    if (w->txlen || w->st < LG_WS_UPGRADE)   /* keep the order behind what is queued */
        return queue(w, (const char *)frame, n);
    ssize_t k = send(w->fd, frame, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (k == (ssize_t)n)
        return 0;
    if (k < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        k = 0;
    }
    if (queue(w, (const char *)frame + k, n - (size_t)k))
        return -1;
    return arm_out(w, 1);
}

/* The upgrade response in p[0..n): its length when complete and accepted, 0 when more is
 * needed, -1 when refused. */
static long upgrade_response(const char *p, size_t n)
{
    const char *end = memmem(p, n, "\r\n\r\n", 4);
    if (!end)
        return n > 16384 ? -1 : 0;
    size_t hl = (size_t)(end - p) + 4;
    if (hl < 12 || memcmp(p, "HTTP/1.1 101", 12) || !memmem(p, hl, ACCEPT, sizeof ACCEPT - 1))
        return -1;
    return (long)hl;
}

/* Parse frames in p[0..n); return how many bytes were used, or -1 on a protocol error. */
static long frames(lg_ws *w, char *p, size_t n, const lg_rx_time *rt)
{
    size_t off = 0;
    while (n - off >= 2 && w->fd >= 0) {
        unsigned char b0 = (unsigned char)p[off], b1 = (unsigned char)p[off + 1];
        uint64_t len = b1 & 0x7f;
        size_t hl = 2;
        if (len == 126) {
            if (n - off < 4)
                break;
            len = ((uint64_t)(unsigned char)p[off + 2] << 8) | (unsigned char)p[off + 3];
            hl = 4;
        } else if (len == 127) {
            if (n - off < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = (len << 8) | (unsigned char)p[off + 2 + i];
            hl = 10;
        }
        if (len > MAX_FRAME)
            return -1;
        size_t mh = (b1 & 0x80) ? 4 : 0;
        if (n - off < hl + mh + len)
            break;
        char *pl = p + off + hl + mh;
        if (mh)
            for (size_t i = 0; i < len; i++)
                pl[i] ^= p[off + hl + (i & 3)];
        int op = b0 & 0x0f, fin = b0 & 0x80;
        off += hl + mh + (size_t)len;
        switch (op) {
        case 0x1:
        case 0x0:
            if (op == 0x1 && fin && !w->fraglen) {
                cbs.text(w->owner, pl, (size_t)len, rt);
                break;
            }
            if (grow(&w->frag, &w->fragcap, (size_t)w->fraglen + len, MAX_FRAME))
                return -1;
            memcpy(w->frag + w->fraglen, pl, (size_t)len);
            w->fraglen += (uint32_t)len;
            if (fin) {
                size_t m = w->fraglen;
                w->fraglen = 0;
                cbs.text(w->owner, w->frag, m, rt);
            }
            break;
        case 0x8: {
            int code = len >= 2 ? ((unsigned char)pl[0] << 8) | (unsigned char)pl[1] : 1005;
            cbs.close(w->owner, code, len > 2 ? pl + 2 : "", len > 2 ? (size_t)len - 2 : 0);
            if (w->st == LG_WS_OPEN && w->fd >= 0)
                lg_ws_send(w, 0x8, pl, len >= 2 ? 2 : 0);   /* answer the close */
            if (w->st != LG_WS_NONE)
                w->st = LG_WS_CLOSING;
            break;
        }
        case 0x9:
            if (lg_ws_send(w, 0xA, pl, (size_t)len))
                return -1;
            break;
        default:   /* pong, binary: nothing to do */
            break;
        }
    }
    return (long)off;
}

static int on_readable(lg_ws *w)
{
    size_t have = w->rxlen;
    if (have)
        memcpy(scratch, w->rx, have);
    struct iovec iov = {.iov_base = scratch + have, .iov_len = SCRATCH - have};
    union {
        char buf[CMSG_SPACE(sizeof(struct timespec))];
        struct cmsghdr align;
    } ctl;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                        .msg_controllen = sizeof ctl.buf};
    ssize_t n = recvmsg(w->fd, &mh, MSG_DONTWAIT);
    if (n == 0)
        return -1;
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    lg_rx_time rt;
    rt.t_read = lg_now_ns();
    rt.t_arrival = rt.t_read;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec kts, real;
            memcpy(&kts, CMSG_DATA(cm), sizeof kts);
            clock_gettime(CLOCK_REALTIME, &real);
            int64_t lag = (int64_t)(real.tv_sec - kts.tv_sec) * 1000000000 + (real.tv_nsec - kts.tv_nsec);
            if (lag > 0 && kts.tv_sec)
                rt.t_arrival = rt.t_read - lag;
        }
    }
    size_t total = have + (size_t)n;
    size_t off = 0;
    w->rxlen = 0;
    if (w->st == LG_WS_UPGRADE) {
        long hl = upgrade_response(scratch, total);
        if (hl < 0)
            return -1;
        if (hl > 0) {
            w->st = LG_WS_OPEN;
            off = (size_t)hl;
            cbs.open(w->owner, &rt);
        }
    }
    if (w->st >= LG_WS_OPEN && w->fd >= 0) {
        long used = frames(w, scratch + off, total - off, &rt);
        if (used < 0)
            return -1;
        off += (size_t)used;
    }
    if (w->fd < 0 || off == total)
        return 0;
    /* keep the partial frame (or response) for the next read */
    if (grow(&w->rx, &w->rxcap, total - off, 2 * MAX_FRAME))
        return -1;
    memcpy(w->rx, scratch + off, total - off);
    w->rxlen = (uint32_t)(total - off);
    return 0;
}

int lg_ws_event(lg_ws *w, uint32_t events)
{
    if (w->st == LG_WS_TCP) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return 0;
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
            errno = err;
            return -1;
        }
        w->st = LG_WS_UPGRADE;
        return flush(w);
    }
    if ((events & EPOLLOUT) && flush(w))
        return -1;
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        return on_readable(w);
    return 0;
}
