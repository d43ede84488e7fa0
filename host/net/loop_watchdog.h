/* loop_watchdog.h -- notices an event loop that stopped turning.
 *
 * Everything the daemon does happens on one loop; a callback that never returns
 * (a plugin stuck in a handler, a library spinning) silences every session at
 * once and says nothing. The loop beats on every turn (it turns at least once a
 * second: event_loop.c's tick); a thread of its own watches the beat. After 5 s
 * without one it logs a warning and the loop thread's stack (a signal, SIGRTMIN+1,
 * makes that thread print it); after `abort_after_s` it aborts the process, so
 * the service manager (Restart=on-failure) brings carehost back and clients
 * reconnect by themselves, instead of a daemon that accepts connections and
 * answers nothing. */
#ifndef CH_LOOP_WATCHDOG_H
#define CH_LOOP_WATCHDOG_H

/* Seconds without a turn before the warning. */
#define CH_LOOP_WATCHDOG_WARN_S 5

/* Start watching, called on the loop's thread; abort_after_s 0 only warns. Returns 0, or -1 if the thread
 * could not start (the daemon then runs unwatched, and says so). */
int ch_loop_watchdog_start(unsigned abort_after_s);

/* The loop thread, once per turn. */
void ch_loop_watchdog_beat(void);

/* Stop and join the watching thread (no-op if not started). */
void ch_loop_watchdog_stop(void);

#endif
