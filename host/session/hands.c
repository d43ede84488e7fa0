/* hands.c -- see hands.h. */
#include "hands.h"

#include <stdlib.h>

#include "fanout.h"
#include "net/conn.h"

json_t *ch_hands_queue(ch_host *h, ch_session *s)
{
    json_t *queue = json_array();
    ch_hand *hands = malloc((ch_session_size(s) + 1) * sizeof *hands);
    if (!queue || !hands) {
        free(hands);
        return queue;
    }
    size_t n = ch_session_hands(s, hands);
    for (size_t i = 0; i < n; i++) {
        const ch_conn *c = ch_conns_find(h->conns, hands[i].participant);
        if (c)
            json_array_append_new(queue, json_pack("{s:I, s:s, s:I}", "participant",
                                                   (json_int_t)c->participant, "name", c->name,
                                                   "since", (json_int_t)hands[i].since_ms));
    }
    free(hands);
    return queue;
}

void ch_hands_tell(ch_host *h, ch_session *s)
{
    json_t *e = json_pack("{s:s, s:s, s:o}", "type", "hands", "session", ch_session_id(s), "queue",
                          ch_hands_queue(h, s));
    if (e)
        ch_send_to_session(h, s, CAREHOST_ROLES_ALL, 0, e);
    json_decref(e);
}
