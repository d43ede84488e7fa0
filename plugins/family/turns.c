/* turns.c -- structured turn-taking in a family session (TURNS.md): a speaking token that passes in
 * the order the therapist sets, each turn with an optional time limit on the plugin's clock.
 *
 * One exercise per session, in memory only (it lasts minutes; a live reload or a restart ends it,
 * and the panels then show none). The token is held by one person of the order ("turn"), by the
 * therapist ("therapist": taken back, or the round is over), or by nobody while the floor is open
 * ("floor": everyone may speak; the turn underneath is paused, its time kept).
 *
 * Every change of who holds the token, the order's marks or the mode adds one to `version`; a
 * verb that changes the token names the version it was clicked on, and a stale one is refused
 * (`stale_version`), so two therapists' crossing clicks or a double "I'm done" change nothing twice.
 * A turn's time running out and people coming and going are news, not changes of the token: they
 * are sent to everyone but leave `version` alone, so they never make a click stale.
 *
 * People are matched by user id, not participant id: a reconnect is a new participant of the same
 * user. A holder whose last connection leaves keeps the token for [family] turn_grace_s seconds
 * (default 20); a 1 s repeating timer, running while any exercise exists, checks that and the
 * turns' ends against the clock, so tests move CAREHOST_FAMILY_CLOCK_FILE instead of waiting.
 * Titles are the therapist's words: never logged or audited (ids only). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "family.h" /* family_now_ms: the plugin's clock (clock.c) */
#include "turns.h"

#define TURNS_ORDER_MAX 16       /* people in one exercise's order */
#define TURNS_TITLE_MAX 80       /* characters */
#define TURNS_SECONDS_MIN 30
#define TURNS_SECONDS_MAX 600
#define TURNS_GRACE_DEFAULT_S 20
#define TURNS_GRACE_MAX_S 600
#define TURNS_TICK_MS 1000
#define TURNS_USER_MAX 64

static const carehost_host_api *host;
static carehost_plugin_ctx *plugin;
static int64_t grace_ms;
static carehost_timer tick_timer;

/* ---- who is in which session now -------------------------------------------------------------- */

typedef struct member {
    carehost_participant participant;
    char *session;
    char user[TURNS_USER_MAX + 1];
    char *name;
    carehost_role role;
    struct member *next;
} member;

static member *members;

static const member *member_by_participant(const char *session, carehost_participant p)
{
    for (const member *m = members; m; m = m->next)
        if (m->participant == p && strcmp(m->session, session) == 0)
            return m;
    return NULL;
}

/* The newest connection of that user in the session (members are added at the front). */
static const member *member_by_user(const char *session, const char *user)
{
    for (const member *m = members; m; m = m->next)
        if (strcmp(m->user, user) == 0 && strcmp(m->session, session) == 0)
            return m;
    return NULL;
}

static void member_free(member *m)
{
    free(m->session);
    free(m->name);
    free(m);
}

/* ---- the exercises ------------------------------------------------------------------------------ */

typedef enum { MODE_TURN, MODE_THERAPIST, MODE_FLOOR } token_mode;
typedef enum { ST_WAITING, ST_SPEAKING, ST_DONE, ST_SKIPPED, ST_MISSED } entry_status;

typedef struct entry {
    carehost_participant participant; /* their connection now, or the last one we saw */
    char user[TURNS_USER_MAX + 1];
    char *name;
    entry_status status;
} entry;

typedef struct exercise {
    char *session;
    char *title;
    uint64_t id;
    uint64_t version;
    entry order[TURNS_ORDER_MAX];
    size_t n;
    token_mode mode;
    token_mode before_floor; /* the mode to go back to when the floor closes */
    int pos;                 /* the order's index of the holder (or the last one); -1 before any */
    int64_t turn_ms;         /* 0: no time limit */
    int64_t ends_at;         /* a timed turn running: its end on the plugin's clock, else 0 */
    int64_t paused_left;     /* floor open over a timed turn: what was left of it */
    int time_up;
    int64_t away_since;      /* the holder's last connection left at this time; 0: present */
    struct exercise *next;
} exercise;

static exercise *exercises;
static uint64_t last_id;

static exercise *find(const char *session)
{
    for (exercise *e = exercises; session && e; e = e->next)
        if (strcmp(e->session, session) == 0)
            return e;
    return NULL;
}

static void exercise_free(exercise *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->order[i].name);
    free(e->session);
    free(e->title);
    free(e);
}

static void tick(carehost_plugin_ctx *ctx, carehost_timer timer, void *data);

static void timer_follow(void)
{
    if (exercises && !tick_timer) {
        tick_timer = host->timer_start(plugin, TURNS_TICK_MS, 1, tick, NULL);
        if (!tick_timer) /* each verb and state request still applies the clock */
            host->log(plugin, CAREHOST_LOG_WARN, "turns: no timer for the turns' ends (too many timers)");
    } else if (!exercises && tick_timer) {
        host->timer_cancel(plugin, tick_timer);
        tick_timer = 0;
    }
}

static void forget(const char *session)
{
    for (exercise **p = &exercises; *p; p = &(*p)->next) {
        if (strcmp((*p)->session, session) == 0) {
            exercise *gone = *p;
            *p = gone->next;
            exercise_free(gone);
            break;
        }
    }
    timer_follow();
}

static int entry_of_participant(const exercise *e, carehost_participant p)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->order[i].participant == p)
            return (int)i;
    return -1;
}

static int holding(const exercise *e)
{
    return e->mode == MODE_TURN || (e->mode == MODE_FLOOR && e->before_floor == MODE_TURN);
}

/* Who gets the token after the holder: the first still waiting after them, else the first still
 * waiting from the top (someone given a turn out of order). -1: nobody is left. */
static int next_index(const exercise *e)
{
    for (size_t i = (size_t)e->pos + 1; i < e->n; i++)
        if (e->order[i].status == ST_WAITING)
            return (int)i;
    for (size_t i = 0; i < e->n; i++)
        if (e->order[i].status == ST_WAITING)
            return (int)i;
    return -1;
}

static void give_turn(exercise *e, int i, int64_t now)
{
    e->pos = i;
    e->mode = MODE_TURN;
    e->order[i].status = ST_SPEAKING;
    e->ends_at = e->turn_ms ? now + e->turn_ms : 0;
    e->paused_left = 0;
    e->time_up = 0;
    e->away_since = member_by_user(e->session, e->order[i].user) ? 0 : now;
}

static void therapist_holds(exercise *e)
{
    e->mode = MODE_THERAPIST;
    e->ends_at = e->paused_left = 0;
    e->time_up = 0;
    e->away_since = 0;
}

/* The holder's turn ends with that mark; the token goes to the next, or to the therapist after
 * the last. */
static void advance(exercise *e, entry_status mark, int64_t now)
{
    if (holding(e) && e->pos >= 0)
        e->order[e->pos].status = mark;
    int n = next_index(e);
    if (n >= 0)
        give_turn(e, n, now);
    else
        therapist_holds(e);
    e->version++;
}

/* ---- what everyone is sent ---------------------------------------------------------------------- */

static json_t *person_json(const entry *x)
{
    return json_pack("{s:I, s:s, s:s}", "participant", (json_int_t)x->participant, "user", x->user, "name",
                     x->name);
}

static json_t *state_json(const exercise *e, int64_t now)
{
    static const char *const modes[] = {"turn", "therapist", "floor"};
    static const char *const marks[] = {"waiting", "speaking", "done", "skipped", "missed"};
    json_t *order = json_array();
    for (size_t i = 0; i < e->n; i++) {
        json_t *p = person_json(&e->order[i]);
        json_object_set_new(p, "status", json_string(marks[e->order[i].status]));
        json_object_set_new(p, "present", json_boolean(member_by_user(e->session, e->order[i].user) != NULL));
        json_array_append_new(order, p);
    }
    int held = e->mode == MODE_TURN;
    int nxt = next_index(e);
    json_t *remaining = json_null(), *ends = json_null(), *passes = json_null();
    if (held && e->ends_at) {
        remaining = json_integer(e->ends_at > now ? e->ends_at - now : 0);
        ends = json_integer(e->ends_at);
    } else if (e->mode == MODE_FLOOR && e->before_floor == MODE_TURN && e->turn_ms) {
        remaining = json_integer(e->paused_left);
    }
    if (held && e->away_since)
        passes = json_integer(e->away_since + grace_ms);
    return json_pack("{s:I, s:s, s:I, s:o, s:s, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:b, s:b, s:o, s:I}",
                     "id", (json_int_t)e->id, "title", e->title, "version", (json_int_t)e->version,
                     "order", order, "mode", modes[e->mode],
                     "holder", held ? person_json(&e->order[e->pos]) : json_null(),
                     "next", nxt >= 0 ? person_json(&e->order[nxt]) : json_null(),
                     "turn_seconds", e->turn_ms ? json_integer(e->turn_ms / 1000) : json_null(),
                     "floor_open", e->mode == MODE_FLOOR,
                     "turn_ends_at", ends, "remaining_ms", remaining, "passes_at", passes,
                     "time_up", held && e->time_up, "holder_away", held && e->away_since != 0,
                     "grace_ms", json_integer(grace_ms), "server_now", (json_int_t)now);
}

static void broadcast(exercise *e, const char *cause)
{
    json_t *ev = json_pack("{s:s, s:o, s:s}", "session", e->session, "exercise", state_json(e, family_now_ms()),
                           "cause", cause);
    if (ev)
        host->send_to_session(plugin, e->session, CAREHOST_ROLES_SESSION, "turns", ev);
    json_decref(ev);
}

/* Apply the clock: the turn's time running out (told once), and an away holder's grace ending
 * (the token passes on). 1 when something was sent. */
static int catch_up(exercise *e, int64_t now)
{
    if (e->mode != MODE_TURN)
        return 0;
    if (e->away_since && now >= e->away_since + grace_ms) {
        advance(e, ST_MISSED, now);
        broadcast(e, "holder_gone");
        return 1;
    }
    if (e->ends_at && now >= e->ends_at && !e->time_up) {
        e->time_up = 1;
        broadcast(e, "time_up");
        return 1;
    }
    return 0;
}

static void tick(carehost_plugin_ctx *ctx, carehost_timer timer, void *data)
{
    (void)ctx;
    (void)timer;
    (void)data;
    int64_t now = family_now_ms();
    for (exercise *e = exercises; e; e = e->next)
        catch_up(e, now);
}

/* ---- the verbs ------------------------------------------------------------------------------------ */

static const char *role_name(carehost_role r)
{
    return r == CAREHOST_ROLE_THERAPIST ? "therapist" : r == CAREHOST_ROLE_PATIENT ? "patient" : "family";
}

/* The exercise (or null), and who is in the session now: the therapist picks the order from them. */
static void reply_state(carehost_request req, const char *session, const exercise *e)
{
    json_t *people = json_array();
    for (const member *m = members; m; m = m->next)
        if (strcmp(m->session, session) == 0)
            json_array_insert_new(people, 0, json_pack("{s:I, s:s, s:s, s:s}", "participant",
                                                       (json_int_t)m->participant, "user", m->user, "name",
                                                       m->name, "role", role_name(m->role)));
    json_t *r = json_pack("{s:o, s:o}", "exercise", e ? state_json(e, family_now_ms()) : json_null(), "people",
                          people);
    host->reply(plugin, req, r);
    json_decref(r);
}

static void audit(const carehost_peer *from, const char *action, const char *session, const char *outcome)
{
    if (CAREHOST_HOST_HAS(host, audit))
        host->audit(plugin, from, action, session, outcome);
}

/* The order, checked whole: participant ids of people in the session now, each once. On a refusal
 * *code and *message say why, and nothing is filled. */
static int read_order(exercise *e, const json_t *order, const char **code, const char **message)
{
    size_t i;
    json_t *v;
    json_array_foreach(order, i, v) {
        json_int_t id = json_is_integer(v) ? json_integer_value(v) : 0;
        if (id <= 0) {
            *code = "invalid_field";
            *message = "The order lists people by their participant number.";
            return -1;
        }
        const member *m = member_by_participant(e->session, (carehost_participant)id);
        if (!m) {
            *code = "unknown_participant";
            *message = "Someone in the order is not in this session now.";
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(e->order[j].user, m->user) == 0) {
                *code = "invalid_field";
                *message = "Each person can be in the order only once.";
                return -1;
            }
        }
        e->order[i].participant = m->participant;
        memcpy(e->order[i].user, m->user, sizeof e->order[i].user);
        e->order[i].status = ST_WAITING;
        e->order[i].name = strdup(m->name);
        e->n = i + 1;
        if (!e->order[i].name) {
            *code = "internal_error";
            *message = "The exercise could not be started; please try again.";
            return -1;
        }
    }
    return 0;
}

static void verb_start(const carehost_peer *from, json_t *msg, carehost_request req)
{
    if (find(from->session)) {
        host->reply_error(plugin, req, "exercise_running",
                          "A turn-taking exercise is already running; end it before starting another.");
        return;
    }
    exercise *e = calloc(1, sizeof *e);
    const char *code = "internal_error", *message = "The exercise could not be started; please try again.";
    if (e) {
        e->session = strdup(from->session);
        e->title = strdup(json_string_value(json_object_get(msg, "title")));
    }
    if (!e || !e->session || !e->title || read_order(e, json_object_get(msg, "order"), &code, &message) != 0) {
        host->reply_error(plugin, req, code, message);
        if (e)
            exercise_free(e);
        return;
    }
    json_t *secs = json_object_get(msg, "turn_seconds");
    e->turn_ms = secs ? (int64_t)json_integer_value(secs) * 1000 : 0;
    e->id = ++last_id;
    e->version = 1;
    e->pos = -1;
    give_turn(e, 0, family_now_ms());
    e->next = exercises;
    exercises = e;
    timer_follow();
    audit(from, "turns.start", e->session, "ok");
    reply_state(req, e->session, e);
    broadcast(e, "start");
}

/* The entry a verb's `participant` names, or -1 after answering the refusal. */
static int named_entry(const exercise *e, const json_t *p, carehost_request req)
{
    int i = json_is_integer(p) ? entry_of_participant(e, (carehost_participant)json_integer_value(p)) : -1;
    if (i < 0)
        host->reply_error(plugin, req, "unknown_participant", "That person is not in this exercise's order.");
    return i;
}

static void verb_change(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req,
                        exercise *e)
{
    int64_t now = family_now_ms();
    const char *cause = verb;
    if (strcmp(verb, "pass") == 0) {
        int therapist = from->role == CAREHOST_ROLE_THERAPIST;
        int mine = e->mode == MODE_TURN && strcmp(e->order[e->pos].user, from->user) == 0;
        json_t *to = json_object_get(msg, "to");
        if (!therapist && !mine) {
            host->reply_error(plugin, req, "not_your_turn",
                              e->mode == MODE_FLOOR ? "The floor is open to everyone just now; the token is paused."
                                                    : "Only the person holding the token can pass it on.");
            return;
        }
        if (to && !therapist) {
            host->reply_error(plugin, req, "forbidden", "Only the therapist can choose who speaks next.");
            return;
        }
        if (to) {
            int i = named_entry(e, to, req);
            if (i < 0)
                return;
            if (holding(e) && e->pos >= 0)
                e->order[e->pos].status = ST_DONE;
            give_turn(e, i, now);
            e->version++;
        } else {
            advance(e, ST_DONE, now);
        }
    } else if (strcmp(verb, "skip") == 0) {
        json_t *p = json_object_get(msg, "participant");
        int i = p ? named_entry(e, p, req) : holding(e) ? e->pos : next_index(e);
        if (p && i < 0)
            return;
        if (i < 0 || e->order[i].status == ST_DONE || e->order[i].status == ST_MISSED ||
            e->order[i].status == ST_SKIPPED) {
            host->reply_error(plugin, req, "nothing_to_skip", "Nobody is waiting for a turn to skip.");
            return;
        }
        if (holding(e) && i == e->pos) {
            e->mode = MODE_TURN; /* skipping the holder while the floor is open closes it */
            advance(e, ST_SKIPPED, now);
        } else {
            e->order[i].status = ST_SKIPPED;
            e->version++;
        }
    } else if (strcmp(verb, "take") == 0) {
        if (e->mode != MODE_THERAPIST) {
            if (holding(e) && e->pos >= 0)
                e->order[e->pos].status = ST_DONE;
            therapist_holds(e);
            e->version++;
        }
    } else if (strcmp(verb, "floor") == 0) {
        int open = json_is_true(json_object_get(msg, "open"));
        cause = open ? "floor_open" : "floor_closed";
        if (open && e->mode != MODE_FLOOR) {
            e->before_floor = e->mode;
            e->paused_left = e->mode == MODE_TURN && e->ends_at ? (e->ends_at > now ? e->ends_at - now : 0) : 0;
            e->ends_at = 0;
            e->mode = MODE_FLOOR;
            e->version++;
        } else if (!open && e->mode == MODE_FLOOR) {
            e->mode = e->before_floor;
            if (e->mode == MODE_TURN) {
                e->ends_at = e->turn_ms ? now + e->paused_left : 0;
                e->time_up = e->turn_ms && e->paused_left == 0;
                /* the grace starts again: whoever left while the floor was open gets all of it */
                e->away_since = member_by_user(e->session, e->order[e->pos].user) ? 0 : now;
            }
            e->paused_left = 0;
            e->version++;
        } else {
            reply_state(req, e->session, e); /* already so: nothing changes */
            return;
        }
    }
    reply_state(req, e->session, e);
    broadcast(e, cause);
}

static void verb_end(const carehost_peer *from, carehost_request req, exercise *e)
{
    json_t *ev = json_pack("{s:s, s:n, s:I, s:s}", "session", from->session, "exercise", "ended",
                           (json_int_t)e->id, "cause", "end");
    audit(from, "turns.end", from->session, "ok");
    forget(from->session);
    reply_state(req, from->session, NULL);
    if (ev)
        host->send_to_session(plugin, from->session, CAREHOST_ROLES_SESSION, "turns", ev);
    json_decref(ev);
}

int family_turns_handle(carehost_plugin_ctx *ctx, const carehost_peer *from, const char *verb, json_t *msg,
                        carehost_request req)
{
    (void)ctx;
    if (strcmp(verb, "turns_start") == 0) {
        verb_start(from, msg, req);
        return 1;
    }
    static const char *const changes[] = {"turns_pass", "turns_skip", "turns_take", "turns_floor", "turns_end"};
    int change = 0;
    for (size_t i = 0; i < sizeof changes / sizeof *changes; i++)
        change |= strcmp(verb, changes[i]) == 0;
    if (!change && strcmp(verb, "turns_state") != 0)
        return 0;

    exercise *e = find(from->session);
    if (e)
        catch_up(e, family_now_ms());
    if (!change) {
        reply_state(req, from->session, e);
        return 1;
    }
    if (!e) {
        host->reply_error(plugin, req, "no_exercise", "No turn-taking exercise is running in this session.");
        return 1;
    }
    json_int_t version = json_integer_value(json_object_get(msg, "version"));
    if ((uint64_t)version != e->version) {
        host->reply_error(plugin, req, "stale_version",
                          "The turns changed just before that, so nothing was done. The screen now shows the latest.");
        return 1;
    }
    if (strcmp(verb, "turns_end") == 0)
        verb_end(from, req, e);
    else
        verb_change(from, verb + strlen("turns_"), msg, req, e);
    return 1;
}

/* ---- people coming and going ---------------------------------------------------------------------- */

void family_turns_joined(carehost_plugin_ctx *ctx, const carehost_peer *peer)
{
    (void)ctx;
    if (!peer->session || !CAREHOST_PEER_HAS(peer, user) || !peer->user ||
        strlen(peer->user) > TURNS_USER_MAX)
        return;
    member *m = calloc(1, sizeof *m);
    if (m) {
        m->session = strdup(peer->session);
        m->name = strdup(peer->name ? peer->name : "");
    }
    if (!m || !m->session || !m->name) {
        host->log(plugin, CAREHOST_LOG_ERROR, "turns: out of memory for participant %llu",
                  (unsigned long long)peer->participant);
        if (m)
            member_free(m);
        return;
    }
    m->participant = peer->participant;
    memcpy(m->user, peer->user, strlen(peer->user) + 1);
    m->role = peer->role;
    m->next = members;
    members = m;

    exercise *e = find(peer->session);
    if (!e)
        return;
    int changed = 0;
    for (size_t i = 0; i < e->n; i++) {
        if (strcmp(e->order[i].user, peer->user) == 0 && e->order[i].participant != peer->participant) {
            e->order[i].participant = peer->participant;
            changed = 1;
        }
    }
    int back = e->mode == MODE_TURN && e->away_since && strcmp(e->order[e->pos].user, peer->user) == 0;
    if (back)
        e->away_since = 0;
    if (back || changed)
        broadcast(e, back ? "holder_back" : "rejoined");
}

void family_turns_left(carehost_plugin_ctx *ctx, const carehost_peer *peer)
{
    (void)ctx;
    char user[TURNS_USER_MAX + 1] = "";
    exercise *e = NULL;
    for (member **p = &members; *p; p = &(*p)->next) {
        if ((*p)->participant == peer->participant) {
            member *gone = *p;
            *p = gone->next;
            memcpy(user, gone->user, sizeof user);
            e = find(gone->session);
            member_free(gone);
            break;
        }
    }
    if (!e || member_by_user(e->session, user))
        return; /* not in an exercise, or still here on another connection */
    int in_order = 0;
    for (size_t i = 0; i < e->n; i++)
        in_order |= strcmp(e->order[i].user, user) == 0;
    if (!in_order)
        return;
    int holder = e->mode == MODE_TURN && strcmp(e->order[e->pos].user, user) == 0;
    if (holder && !e->away_since)
        e->away_since = family_now_ms();
    broadcast(e, holder ? "holder_away" : "left");
}

void family_turns_session_closed(carehost_plugin_ctx *ctx, const carehost_session_info *s)
{
    (void)ctx;
    forget(s->id);
    for (member **p = &members; *p;) {
        if (strcmp((*p)->session, s->id) == 0) {
            member *gone = *p;
            *p = gone->next;
            member_free(gone);
        } else {
            p = &(*p)->next;
        }
    }
}

/* ---- start and stop ------------------------------------------------------------------------------- */

static int register_verbs(carehost_plugin_ctx *ctx)
{
    const unsigned T = CAREHOST_ROLE_THERAPIST, ALL = CAREHOST_ROLES_SESSION;
    struct {
        const char *verb;
        unsigned roles;
        const char *fields;
    } verbs[] = {
        {"turns_start", T,
         "{\"title\": {\"type\": \"string\", \"min\": 1, \"max\": 80},"
         " \"order\": {\"type\": \"array\", \"min\": 1, \"max\": 16},"
         " \"turn_seconds\": {\"type\": \"integer\", \"min\": 30, \"max\": 600, \"required\": false}}"},
        {"turns_state", ALL, NULL},
        {"turns_pass", ALL,
         "{\"version\": {\"type\": \"integer\", \"min\": 1},"
         " \"to\": {\"type\": \"integer\", \"min\": 1, \"required\": false}}"},
        {"turns_skip", T,
         "{\"version\": {\"type\": \"integer\", \"min\": 1},"
         " \"participant\": {\"type\": \"integer\", \"min\": 1, \"required\": false}}"},
        {"turns_take", T, "{\"version\": {\"type\": \"integer\", \"min\": 1}}"},
        {"turns_floor", T, "{\"version\": {\"type\": \"integer\", \"min\": 1}, \"open\": {\"type\": \"boolean\"}}"},
        {"turns_end", T, "{\"version\": {\"type\": \"integer\", \"min\": 1}}"},
    };
    /* The limits above are TURNS_TITLE_MAX, TURNS_ORDER_MAX and TURNS_SECONDS_MIN/MAX. */
    _Static_assert(TURNS_TITLE_MAX == 80 && TURNS_ORDER_MAX == 16 && TURNS_SECONDS_MIN == 30 &&
                       TURNS_SECONDS_MAX == 600,
                   "the verb rules spell these limits out");
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
        json_t *fields = verbs[i].fields ? json_loads(verbs[i].fields, 0, NULL) : NULL;
        if (verbs[i].fields && !fields)
            return CAREHOST_EINVAL;
        int rc = host->register_verb(ctx, verbs[i].verb, verbs[i].roles, CAREHOST_VERB_IN_SESSION, fields);
        json_decref(fields);
        if (rc != CAREHOST_OK)
            return rc;
    }
    return 0;
}

int family_turns_init(carehost_plugin_ctx *ctx, const carehost_host_api *api)
{
    host = api;
    plugin = ctx;
    grace_ms = (int64_t)TURNS_GRACE_DEFAULT_S * 1000;
    const char *grace = CAREHOST_HOST_HAS(host, setting) ? host->setting(ctx, "turn_grace_s") : NULL;
    if (grace) {
        char *end = NULL;
        long s = strtol(grace, &end, 10);
        if (end == grace || *end || s < 0 || s > TURNS_GRACE_MAX_S) {
            host->log(ctx, CAREHOST_LOG_ERROR, "[family] turn_grace_s must be a whole number of seconds, 0 to %d",
                      TURNS_GRACE_MAX_S);
            return -1;
        }
        grace_ms = (int64_t)s * 1000;
    }
    return register_verbs(ctx);
}

void family_turns_shutdown(carehost_plugin_ctx *ctx)
{
    (void)ctx;
    while (exercises) {
        exercise *e = exercises;
        exercises = e->next;
        exercise_free(e);
    }
    while (members) {
        member *m = members;
        members = m->next;
        member_free(m);
    }
    tick_timer = 0; /* the host ends the plugin's timers at shutdown */
}
