/* timers.h -- plugin timers on the event loop (libwebsockets' sorted usec list). */
#ifndef CH_TIMERS_H
#define CH_TIMERS_H

#include <libwebsockets.h>
#include "carehost/plugin.h"

typedef struct ch_timers ch_timers;

#define CH_TIMERS_MAX_PER_PLUGIN 1024

ch_timers *ch_timers_new(struct lws_context *lws);
/* Cancel and free every timer (call before the lws context is destroyed, or
 * with lws NULL after it was, which then only frees). */
void ch_timers_free(ch_timers *t);
void ch_timers_set_context(ch_timers *t, struct lws_context *lws);

carehost_timer ch_timers_start(ch_timers *t, carehost_plugin_ctx *ctx, uint32_t delay_ms,
                               int repeat, carehost_timer_fn fn, void *data);
int ch_timers_cancel(ch_timers *t, carehost_plugin_ctx *ctx, carehost_timer id);
/* Cancel every timer of one plugin (before it is unloaded). */
void ch_timers_cancel_plugin(ch_timers *t, carehost_plugin_ctx *ctx);

#endif
