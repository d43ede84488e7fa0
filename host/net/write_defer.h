/* write_defer.h -- when the host is busy, hold write requests back a little,
 * so it writes several frames per system call.
 *
 * Asking libwebsockets to write at once after each queued frame means one
 * send() per delivery whenever groups talk at a steady pace: on loopback that
 * send, with the kernel's delivery to the reader, is most of the cost
 * (bench/run: a paced 200,000 deliveries/s kept the server 99% busy at 1.4
 * deliveries per send, 45% of its time in sendto). So a connection with frames
 * queued is listed here and asked to write after the loop turn. While the loop
 * is busy (write_policy.h: from 60% of its time working until it falls under
 * 30%) the list is asked only once its oldest entry has waited 1 ms: what
 * arrives meanwhile goes in the same writes. A host that is not busy holds
 * nothing back. Loop thread only. */
#ifndef CH_WRITE_DEFER_H
#define CH_WRITE_DEFER_H

#include "conn.h"

/* c has frames queued: ask lws to write them after this turn. */
void ch_write_defer(ch_conn *c);

/* After a loop turn, given how busy the loop is (0.0-1.0): ask for the
 * writes that are due. Returns 0, or the microseconds until the rest are due
 * (the loop must not wait longer than that). */
uint64_t ch_write_defer_turn_done(ch_host *h, double busy);

/* Free the list (at shutdown). */
void ch_write_defer_free(void);

#endif
