/* plugin_dispatch.c -- the driver of the plugin_* harnesses (plugin_dispatch.h), and their
 * libFuzzer entry point: one input is one meeting of one session, with the plugin loaded fresh
 * (init, with the harness's settings), everyone connected and let in through the waiting room,
 * then the input's lines in order, then every timer firing once (time passes), everyone leaving,
 * the session closing and the plugin shut down (so a leak of any state is caught).
 *
 * Each line's first byte says what happens (a person is the next byte, a digit 0-4, else that
 * byte mod 5: 0 the therapist leading the session, 1 a patient, 2 a family member, 3 another
 * person of the session, 4 an admin, who never joins):
 *   0-4 <message>   that person sends the WebSocket message; the store then completes every
 *                   record call (as the storage thread soon does). $ID in it stands for the
 *                   first "id" string of the latest reply (ids made from the time or a counter)
 *   A-E <message>   the same, but the record calls stay owed (answers arrive later, interleaved)
 *   j<p>            the person joins: waiting room (after the plugin's admission_check), or from
 *                   there into the session; the therapist goes straight in
 *   l<p>            the person leaves the session or its waiting room
 *   d<p>            the person's connection drops (they leave; their owed answers are discarded;
 *                   their next line reconnects them as a new participant)
 *   s               the store completes the oldest owed record call
 *   t               every timer the plugin started fires once
 *   x               the session closes (everyone leaves) and opens again
 *   c<d>            the plugins' clock moves on d days (a digit; 0: one hour)
 *   e<n><p><query>  person asks for the plugin's export number n; query: a JSON object of strings
 *   r<p><d>         the therapist moves the person to breakout room d (a digit: room-<d>; 0: back to
 *                   the main room), making the rooms up to d first if fewer were made; the plugin
 *                   hears participant_moved (host/session/breakout.c). Only someone admitted moves;
 *                   a room closed in this meeting is not made again
 *   R<d>            breakout room d closes: everyone in it back to the main room (each moved), then
 *                   it is gone. Rooms are forgotten when the session empties (as on x). A person's
 *                   next join lands in the room they were put in while it is open; remove_participant
 *                   forgets it. send_to_room reaches only the people in that room
 *   S<d>            as the first line: the clinic's settings d (mod how many the harness offers;
 *                   plugin_family: minor_consent = patient, guardian, patient_and_guardian),
 *                   read by the plugin's init; elsewhere nothing
 * Every message goes through what the daemon checks first (host/session/dispatch.c): the
 * envelope (ch_proto_parse), the verb, the sender's role, being admitted to a session
 * (CAREHOST_VERB_IN_SESSION), the verb's fields (ch_schema_check); only then handle_message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "plugin_dispatch.h"
#include "plugin_host.h"

#define CTX ((carehost_plugin_ctx *)&fh)

/* ---- the plugins' test clock: every run starts on Thursday 3 December 2026, 12:00 UTC ---- */

#define FUZZ_NOW_MS 1796313600000LL
static int clock_fd = -1;
static int64_t clock_offset;

/* The offset the plugins add to the real time (plugins/<name>/clock.c read the file named by
 * CAREHOST_<NAME>_CLOCK_FILE at each call). */
static void clock_write(void)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%lld", (long long)clock_offset);
    if (ftruncate(clock_fd, 0) || pwrite(clock_fd, text, (size_t)n, 0) != n)
        abort();
}

static void clock_start(void)
{
    if (clock_fd < 0) {
        clock_fd = memfd_create("fuzz-clock", 0);
        if (clock_fd < 0)
            abort();
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", clock_fd);
        static const char *const vars[] = {"CAREHOST_ATTENDANCE_CLOCK_FILE", "CAREHOST_CBT_CLOCK_FILE",
                                           "CAREHOST_DBT_CLOCK_FILE", "CAREHOST_FAMILY_CLOCK_FILE"};
        for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
            setenv(vars[i], path, 1);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    clock_offset = FUZZ_NOW_MS - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    clock_write();
}

static void clock_advance(const char *s, size_t len)
{
    int days = len && s[0] >= '0' && s[0] <= '9' ? s[0] - '0' : 0;
    clock_offset += days ? days * 86400000LL : 3600000LL;
    clock_write();
}

static int person_at(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    unsigned char c = (unsigned char)s[0];
    return (c >= '0' && c <= '9' ? c - '0' : c) % FUZZ_PEOPLE;
}

static void connect_person(int p)
{
    fh.conns[p].connected = 1;
    fh.conns[p].participant = ++fh.next_participant;
    fh.conns[p].place = PLACE_OUT;
    fh.conns[p].room = 0;
}

/* The refusal an admission_check gives must be one the host can send. */
static void check_refusal(const char *code, const char *message)
{
    size_t n = code ? strlen(code) : 0;
    size_t m = message ? strlen(message) : 0;
    if (n < 1 || n > 40 || strspn(code, "abcdefghijklmnopqrstuvwxyz_") != n || m < 1 || m > 300 ||
        !ch_utf8_valid(message, m))
        fuzz_plugin_fail("admission_check refused with code '%s' and a message the host cannot send",
                         code ? code : "(null)");
}

static void join(int p)
{
    fuzz_conn *c = &fh.conns[p];
    if (!c->connected)
        connect_person(p);
    if (!fh.session_open || c->place == PLACE_IN || fh.setup->people[p].role == CAREHOST_ROLE_ADMIN)
        return;
    const carehost_plugin *pl = fh.plugin;
    if (p != 0 && c->place == PLACE_OUT) {
        if (pl->admission_check) {
            carehost_peer *peer = fuzz_peer(p);
            const char *code = NULL, *message = NULL;
            int refused = pl->admission_check(CTX, peer, FUZZ_SESSION, &code, &message);
            if (refused)
                check_refusal(code, message);
            fuzz_peer_done(peer);
            if (refused)
                return;
        }
        c->place = PLACE_WAITING;
        if (pl->participant_waiting) {
            carehost_peer *peer = fuzz_peer(p);
            pl->participant_waiting(CTX, peer, FUZZ_SESSION, 1);
            fuzz_peer_done(peer);
        }
        return;
    }
    if (c->place == PLACE_WAITING && pl->participant_waiting) { /* let in */
        carehost_peer *peer = fuzz_peer(p);
        pl->participant_waiting(CTX, peer, FUZZ_SESSION, 0);
        fuzz_peer_done(peer);
    }
    c->place = PLACE_IN;
    /* Back to the room the therapist put them in, if it is still open (waiting_room.c). */
    c->room = fuzz_room_open(fh.placement[p]) ? fh.placement[p] : 0;
    if (pl->participant_joined) {
        carehost_peer *peer = fuzz_peer(p);
        pl->participant_joined(CTX, peer);
        fuzz_peer_done(peer);
    }
}

void fuzz_leave(int p)
{
    fuzz_conn *c = &fh.conns[p];
    if (!c->connected || c->place == PLACE_OUT)
        return;
    carehost_peer *peer = fuzz_peer(p); /* while it still names the session */
    fuzz_place was = c->place;
    c->place = PLACE_OUT;
    c->room = 0;
    if (was == PLACE_IN && fh.plugin->participant_left)
        fh.plugin->participant_left(CTX, peer);
    else if (was == PLACE_WAITING && fh.plugin->participant_waiting)
        fh.plugin->participant_waiting(CTX, peer, FUZZ_SESSION, 0);
    fuzz_peer_done(peer);
    /* Everyone has gone: the next meeting starts in one room (ch_session_rooms_reset). */
    int anyone = 0;
    for (int i = 0; i < FUZZ_PEOPLE; i++)
        anyone |= fh.conns[i].connected && fh.conns[i].place == PLACE_IN;
    if (!anyone) {
        fh.rooms_made = fh.rooms_open = 0;
        memset(fh.placement, 0, sizeof fh.placement);
    }
}

/* r<p><d>: as ch_breakout_move, the therapist's room_move. */
static void move(int p, unsigned room)
{
    fuzz_conn *c = &fh.conns[p];
    if (!fh.session_open || !c->connected || c->place != PLACE_IN || room > FUZZ_ROOMS_MAX)
        return;
    for (; fh.rooms_made < room; fh.rooms_made++) /* room_create, as often as it takes */
        fh.rooms_open |= 1u << (fh.rooms_made + 1);
    if (!fuzz_room_open(room) || c->room == room)
        return;
    unsigned from = c->room;
    c->room = room;
    fh.placement[p] = room; /* 0: forgotten */
    if (fh.plugin->participant_moved) {
        char from_id[16];
        fuzz_room_id(from, from_id, sizeof from_id);
        carehost_peer *peer = fuzz_peer(p);
        fh.plugin->participant_moved(CTX, peer, from_id);
        fuzz_peer_done(peer);
    }
}

/* R<d>: as ch_breakout_close. */
static void close_room(unsigned room)
{
    if (room == 0 || !fuzz_room_open(room))
        return;
    for (int p = 0; p < FUZZ_PEOPLE; p++)
        if (fh.conns[p].connected && fh.conns[p].place == PLACE_IN && fh.conns[p].room == room)
            move(p, 0);
    fh.rooms_open &= ~(1u << room);
    for (int p = 0; p < FUZZ_PEOPLE; p++)
        if (fh.placement[p] == room)
            fh.placement[p] = 0;
}

/* A digit's value, else the byte's (as person_at). */
static unsigned digit_at(const char *s, size_t len)
{
    unsigned char c = len ? (unsigned char)s[0] : '0';
    return c >= '0' && c <= '9' ? (unsigned)(c - '0') : c;
}

static void disconnect(int p)
{
    fuzz_leave(p);
    fh.conns[p].connected = 0;
    fuzz_requests_drop(p);
}

static void session_open(void)
{
    fh.session_open = 1;
    if (fh.plugin->session_opened) {
        carehost_session_info *s = fuzz_session_info();
        fh.plugin->session_opened(CTX, s);
        fuzz_session_info_done(s);
    }
}

static void session_close(void)
{
    for (int p = 0; p < FUZZ_PEOPLE; p++)
        fuzz_leave(p);
    if (fh.plugin->session_closed) {
        carehost_session_info *s = fuzz_session_info();
        fh.plugin->session_closed(CTX, s);
        fuzz_session_info_done(s);
    }
    fh.session_open = 0;
}

/* The message with every $ID replaced by the latest reply's id; *len updated. Free it. */
static char *with_ids(const char *text, size_t *len)
{
    size_t idlen = strlen(fh.last_id), n = 0;
    char *out = malloc(*len * (idlen > 3 ? idlen : 3) / 3 + 1);
    if (!out)
        abort();
    for (size_t i = 0; i < *len; i++) {
        if (i + 3 <= *len && memcmp(text + i, "$ID", 3) == 0) {
            memcpy(out + n, fh.last_id, idlen);
            n += idlen;
            i += 2;
        } else {
            out[n++] = text[i];
        }
    }
    *len = n;
    return out;
}

/* The daemon's checks, then the plugin's handler. */
static void message(int p, const char *text, size_t len)
{
    if (!fh.conns[p].connected)
        connect_person(p);
    ch_envelope env;
    ch_proto_error err;
    char *expanded = with_ids(text, &len);
    int bad = ch_proto_parse(expanded, len, &env, &err);
    free(expanded);
    if (bad)
        return; /* the host's error; the plugin never hears of it */
    const char *dot = strchr(env.type, '.');
    size_t n = strlen(fh.plugin->name);
    const fuzz_verb *v = NULL;
    if (dot && (size_t)(dot - env.type) == n && strncmp(env.type, fh.plugin->name, n) == 0)
        for (size_t i = 0; i < fh.nverbs && !v; i++)
            if (strcmp(fh.verbs[i].name, dot + 1) == 0)
                v = &fh.verbs[i];
    const fuzz_person *who = &fh.setup->people[p];
    if (v && (v->roles & (unsigned)who->role) &&
        (!(v->flags & CAREHOST_VERB_IN_SESSION) || fh.conns[p].place == PLACE_IN) &&
        ch_schema_check(v->schema, env.msg, &err) == 0) {
        carehost_request req = fuzz_request_new(p, v->name);
        carehost_peer *peer = fuzz_peer(p);
        fh.handling = env.msg;
        fh.plugin->handle_message(CTX, peer, v->name, env.msg, req);
        fh.handling = NULL;
        fuzz_peer_done(peer);
    }
    json_decref(env.msg);
}

/* e<n><p><query>: the query as the host gives it, an object of strings. */
static void export_line(const char *s, size_t len)
{
    if (len < 2)
        return;
    size_t i = (size_t)person_at(s, 1);
    int p = person_at(s + 1, 1);
    json_t *parsed = json_loadb(s + 2, len - 2, 0, NULL);
    json_t *query = json_object();
    const char *key;
    json_t *value;
    json_object_foreach(parsed, key, value) {
        if (json_is_string(value))
            json_object_set(query, key, value);
    }
    json_decref(parsed);
    fuzz_export_ask(i, p, query);
    json_decref(query);
}

static void line(const char *s, size_t len)
{
    if (len == 0)
        return;
    char c = s[0];
    const char *rest = s + 1;
    size_t n = len - 1;
    if (c >= '0' && c <= '4') {
        message(c - '0', rest, n);
        fuzz_store_drain();
    } else if (c >= 'A' && c <= 'E') {
        message(c - 'A', rest, n);
    } else if (c == 'j') {
        join(person_at(rest, n));
    } else if (c == 'l') {
        fuzz_leave(person_at(rest, n));
    } else if (c == 'd') {
        disconnect(person_at(rest, n));
    } else if (c == 's') {
        fuzz_store_step();
    } else if (c == 't') {
        fuzz_timers_fire();
    } else if (c == 'x') {
        if (fh.session_open)
            session_close();
        session_open();
    } else if (c == 'e') {
        export_line(rest, n);
    } else if (c == 'c') {
        clock_advance(rest, n);
    } else if (c == 'r') {
        move(person_at(rest, n), n >= 2 ? digit_at(rest + 1, n - 1) : 0);
    } else if (c == 'R') {
        close_room(digit_at(rest, n));
    }
}

/* The settings an input's first line S<d> picks, else the first. */
static const char *const *settings_for(const fuzz_plugin_setup *setup, const uint8_t *data, size_t size)
{
    unsigned n = 1;
    while (n < FUZZ_SETTINGS_MAX && setup->settings[n])
        n++;
    if (size < 1 || data[0] != 'S')
        return setup->settings[0];
    return setup->settings[size >= 2 && data[1] != '\n' ? digit_at((const char *)data + 1, 1) % n : 0];
}

static int fuzz_plugin_run(const carehost_plugin *plugin, const fuzz_plugin_setup *setup, const uint8_t *data,
                           size_t size)
{
    /* The clinic's zone, with daylight saving; set once, so mktime need not look it up each time. */
    setenv("TZ", "Europe/London", 0);
    clock_start();
    fuzz_host_begin(plugin, setup, settings_for(setup, data, size));
    /* Mondays and Thursdays at 10:00 from Monday 2 November 2026 (London: GMT then), so that
     * the seeds and the dictionary can name its occurrences (dict/plugin_attendance.dict). */
    fh.session_start_ms = 1793613600000;
    fh.in_init = 1;
    if (plugin->init(CTX, &fh.api) != 0)
        fuzz_plugin_fail("init failed: fix the harness's settings");
    fh.in_init = 0;
    session_open();
    for (int p = 0; p < FUZZ_PEOPLE; p++) {
        join(p); /* connect; waiting room (or straight in) */
        join(p); /* let in */
    }
    fuzz_store_drain();

    const char *text = (const char *)data;
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || text[i] == '\n') {
            line(text + start, i - start);
            start = i + 1;
        }
    }

    /* Time passes before the meeting ends: what waits for a timer (echo's `later`) is answered. */
    fuzz_store_drain();
    fuzz_timers_fire();
    fuzz_store_drain();
    fuzz_requests_check_answered();
    fuzz_exports_check_answered();
    session_close();
    fuzz_store_drain();
    plugin->shutdown(CTX);
    fuzz_host_end();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_plugin_run(carehost_plugin_entry(), &fuzz_plugin_harness, data, size);
}

/* A whole plugin starts and stops on every input: ASan's defaults (fill 4 KiB of every
 * allocation, a 256 MiB quarantine) cost most of each run in page faults. ASAN_OPTIONS still
 * overrides these. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "max_malloc_fill_size=0:quarantine_size_mb=16"; }
