/* turns.h -- structured turn-taking in a family session: a speaking token that
 * passes in the order the therapist sets (plugins/family/TURNS.md). family.c
 * calls these from the plugin's callbacks; turns.c keeps the state. */
#ifndef FAMILY_TURNS_H
#define FAMILY_TURNS_H

#include <carehost/plugin.h>

/* Register the turn verbs. 0 on success. */
int family_turns_init(carehost_plugin_ctx *ctx, const carehost_host_api *host);
void family_turns_shutdown(carehost_plugin_ctx *ctx);
/* 1 when verb is a turn verb (then req is answered), else 0. */
int family_turns_handle(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb,
                        json_t *msg, carehost_request req);
void family_turns_joined(carehost_plugin_ctx *ctx, const carehost_peer *peer);
void family_turns_left(carehost_plugin_ctx *ctx, const carehost_peer *peer);
void family_turns_session_closed(carehost_plugin_ctx *ctx, const carehost_session_info *s);

#endif
