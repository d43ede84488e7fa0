/* event_loop.h -- the loop the daemon runs on: libwebsockets on a libev loop
 * (epoll) that we own, instead of lws 4.1's default poll() loop, whose every
 * wake-up scans all sockets (at 15,000 participants that scan was most of the
 * server's CPU; bench/run figure 4).
 *
 * Why libev and not libuv, which lws 4.1 also supports: Debian's lws is built
 * with _DEBUG, and in such builds lws closes every libuv connection twice
 * "to test" (lib/core-net/service.c), so the second close kills the socket
 * before our close frame is written: a client saw 1006 instead of 4401, 1001
 * or 1008. libuv also re-adds a socket to epoll each time lws asks for POLLOUT. */
#ifndef CH_EVENT_LOOP_H
#define CH_EVENT_LOOP_H

#include <stdint.h>
#include <libwebsockets.h>

/* Prepare the loop and point the context's creation info at it. */
int ch_event_loop_init(struct lws_context_creation_info *info);

/* After lws_create_context: watch lws's timers (see event_loop.c). */
void ch_event_loop_attach(struct lws_context *context);

/* Wait for the next events (or lws_cancel_service) and handle them all. */
void ch_event_loop_run_once(void);

/* How much of the last ~50 ms the loop spent working rather than waiting
 * for events, 0.0 to 1.0. */
double ch_event_loop_busy(void);

/* Make the next wait end within us microseconds (an earlier request stands). */
void ch_event_loop_wake_in(uint64_t us);

/* The libev loop itself, for the few watchers of our own (the control
 * socket, control.c); NULL before ch_event_loop_init. */
struct ev_loop;
struct ev_loop *ch_event_loop_ev(void);

/* After lws_context_destroy: stop our watchers and free the loop. */
void ch_event_loop_finish(void);

#endif
