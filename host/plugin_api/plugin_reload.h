/* plugin_reload.h -- replacing a running plugin with a new build of it, while
 * sessions go on (carehostctl plugin reload, SIGHUP; README "Reloading a
 * plugin").
 *
 * ch_plugin_reload(name), step by step, all on the loop thread:
 *  1. Refuse at once: no such plugin, a reload of it already under way, or the
 *     plugin declares CAREHOST_PLUGIN_NO_LIVE_RELOAD (its reason is given).
 *  2. On the work pool: read the plugin sections of the --config file again
 *     (a file that no longer parses refuses the reload: the old instance keeps
 *     serving with the settings it has; the daemon's own keys are not read
 *     again), and copy the plugin's installed file to a private image
 *     (plugins/plugin_image.h), so the new code is really mapped.
 *  3. Back on the loop: dlopen the image, check it as at start, and init it
 *     with the settings just read, while the old instance still serves. The new instance registers its
 *     verbs and exports on its own ctx; nothing reaches it yet. It must keep
 *     the name and every verb the old one declares. Any refusal ends the
 *     reload here: the old instance never stopped, the reason is logged at
 *     error level and given to the caller.
 *  4. The old instance retires: messages for the plugin are held, in order
 *     (plugins/plugin_hold.h). It gets up to CH_RELOAD_ANSWER_MS to answer the
 *     requests and the downloads (exports) it owes (its timers still run, so a
 *     delayed answer still comes); whatever is still unanswered then is
 *     answered with the error `plugin_reloaded` ("please send it again"; a
 *     download: 503, "This tool is being updated", never the words of a
 *     shutdown). Then its timers are
 *     cancelled, and the host waits for every record call it made to come back
 *     (a callback into its code is owed; the store always answers).
 *  5. Its shutdown() (sessions are not closed: they go on), dlclose; the new
 *     instance takes its place, hears the world (session_opened, then
 *     participant_joined and participant_waiting for who is there now), gets
 *     the held messages, and every client gets
 *     {"type": "plugin.reloaded", "plugin": NAME, "version": V}.
 * Nobody is disconnected. Loop thread only. */
#ifndef CH_PLUGIN_RELOAD_H
#define CH_PLUGIN_RELOAD_H

#include "host.h"

/* How long a retiring instance may take to answer the requests it owes (the
 * environment's CAREHOST_RELOAD_ANSWER_MS overrides it, for tests). */
#define CH_RELOAD_ANSWER_MS 5000

/* The outcome of one reload: ok with the new version in text, or not ok with
 * the reason (one line) in text. Called exactly once per ch_plugin_reload,
 * possibly before it returns. */
typedef void (*ch_reload_done_fn)(void *arg, const char *plugin, int ok, const char *text);

void ch_plugin_reload(ch_host *h, const char *name, ch_reload_done_fn done, void *arg);

/* Reload every loaded plugin, each on its own (a failing one keeps its old
 * instance); outcomes go to the log. SIGHUP does this. */
void ch_plugin_reload_all(ch_host *h);

/* At shutdown, once the work pool and the store have stopped (no callback is
 * owed any more): end reloads under way. A new instance not yet serving is
 * shut down and unloaded; held messages go to the old one. */
void ch_plugin_reload_abort_all(ch_host *h);

#endif
