/* coedit_save.c -- a live room's answers made durable: written as a draft (version + 1)
 * on the worksheet's lane, like cbt.save, a moment after the last edit (the save delay,
 * restarted by each edit) and when the last person leaves. One write at a time per room;
 * edits made during a write are written next. The plugin writes for itself (no actor):
 * the people who opened the room were checked then, and may have gone by now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coedit.h"

static uint32_t save_ms(void)
{
    /* CAREHOST_CBT_LIVE_SAVE_MS (tests): the delay after the last edit. */
    const char *env = getenv("CAREHOST_CBT_LIVE_SAVE_MS");
    long v = env ? strtol(env, NULL, 10) : 0;
    return v >= 10 && v <= 60000 ? (uint32_t)v : 1000;
}

typedef struct saving {
    room *r;
    json_t *response; /* what is written: the room's answers when the write began */
} saving;

static void save_end(saving *s, int ok)
{
    room *r = s->r;
    char lane[sizeof r->lane];
    memcpy(lane, r->lane, sizeof lane);
    json_decref(s->response);
    free(s);
    r->saving = 0;
    if (!ok && !r->n)
        r->dirty = 0; /* nobody left to edit or to retry for: what was written stays */
    if (r->dirty && !r->n)
        cbt_room_save_now(r); /* queued behind this write on the lane */
    else if (r->dirty && !r->save_timer)
        cbt_room_save_soon(r);
    if (r->close_pending && !r->saving) {
        r->close_pending = 0;
        if (ok)
            cbt_reply(r->close_req, json_pack("{s:s, s:I}", "worksheet", r->id, "version", r->version));
        else
            cbt_reply_error(r->close_req, "storage_unavailable",
                            "The last answers could not be stored; they are still on your screen.");
    }
    cbt_room_release(r);
    cbt_lane_done(lane);
}

static void written(int status, const json_t *rec, void *arg)
{
    saving *s = arg;
    room *r = s->r;
    if (status != CAREHOST_OK) {
        cbt.host->log(cbt.ctx, CAREHOST_LOG_WARN, "a live worksheet could not be stored (status %d)", status);
        save_end(s, 0);
        return;
    }
    const json_t *d = json_object_get(rec, "data");
    r->version = json_integer_value(json_object_get(d, "version"));
    json_t *ev = json_pack("{s:s, s:I, s:O}", "worksheet", r->id, "version", r->version, "saved_at",
                           json_object_get(d, "saved_at"));
    cbt_room_send(r, 0, "live_saved", ev);
    json_decref(ev);
    save_end(s, 1);
}

static void read_done(int status, const json_t *rec, void *arg)
{
    saving *s = arg;
    const json_t *data = json_object_get(rec, "data");
    cbt_status st = cbt_status_of(data);
    if (status != CAREHOST_OK || !cbt_is_worksheet(rec) || (st != CBT_ASSIGNED && st != CBT_DRAFT)) {
        cbt.host->log(cbt.ctx, CAREHOST_LOG_WARN, "a live worksheet could not be stored (status %d, state %s)",
                      status, cbt_status_name(st));
        save_end(s, 0);
        return;
    }
    json_t *copy = cbt_worksheet_copy(rec);
    json_t *d = json_object_get(copy, "data");
    if (!d) {
        json_decref(copy);
        save_end(s, 0);
        return;
    }
    json_object_set(d, "response", s->response);
    json_object_set_new(d, "version", json_integer(json_integer_value(json_object_get(data, "version")) + 1));
    json_object_set_new(d, "status", json_string("draft"));
    json_object_set_new(d, "saved_at", json_integer(cbt_now_ms()));
    int rc = cbt_put(NULL, copy, written, s);
    json_decref(copy);
    if (rc != CAREHOST_OK)
        save_end(s, 0);
}

static void save_start(void *arg)
{
    saving *s = arg;
    if (cbt_get(NULL, s->r->id, read_done, s) != CAREHOST_OK)
        save_end(s, 0);
}

void cbt_room_save_now(room *r)
{
    if (r->save_timer) {
        cbt.host->timer_cancel(cbt.ctx, r->save_timer);
        r->save_timer = 0;
    }
    if (r->saving || !r->dirty || !r->response)
        return; /* a write is on: save_end starts the next */
    saving *s = calloc(1, sizeof *s);
    if (!s)
        return;
    s->r = r;
    s->response = json_incref(r->response);
    r->saving = 1;
    r->dirty = 0;
    r->opening++; /* holds the room: a write failing at once must not free it under the caller */
    if (cbt_lane_run(r->lane, save_start, s) != CAREHOST_OK) {
        json_decref(s->response);
        free(s);
        r->saving = 0;
        r->dirty = 1;
    }
    r->opening--;
}

static void fired(carehost_plugin_ctx *ctx, carehost_timer timer, void *data)
{
    (void)ctx;
    (void)timer;
    room *r = data;
    r->save_timer = 0;
    cbt_room_save_now(r);
    cbt_room_release(r);
}

void cbt_room_save_soon(room *r)
{
    if (r->save_timer)
        cbt.host->timer_cancel(cbt.ctx, r->save_timer);
    r->save_timer = cbt.host->timer_start(cbt.ctx, save_ms(), 0, fired, r);
    if (!r->save_timer)
        cbt_room_save_now(r);
}
