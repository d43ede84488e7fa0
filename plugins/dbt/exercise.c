/* exercise.c -- the guided group exercise (PROTOCOL.md, "Guided group exercise"): the therapist
 * leading a session walks the group through a library skill, step by step, on the host's clock.
 *
 * The host keeps the state (one exercise per session): the skill, the step, running / paused /
 * ended, and for a timed step its end on the host's clock (or what was left of it when paused).
 * Every change goes to everyone in the session as dbt.exercise with server_now and remaining_ms,
 * so a client whose own clock is off counts down from what it received, not from its clock.
 *
 * A running timed step is checked against the clock at its end and at least every
 * DBT_EXERCISE_TICK_MS (a short one-shot timer, started again after each check), and whenever
 * someone asks for the state: the clock can move under us (NTP, or a test's clock file) and the
 * host's timers run on real time.
 *
 * Distress ratings (0-100, before and after) live in memory for the exercise only -- never stored,
 * never logged. The leading therapist sees their distribution without names or ids, and none at all
 * under DBT_RATINGS_SHOWN_MIN answers. Nothing here logs clinical content. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dbt.h"

#define SESSION_MAX 128 /* a session id we keep (the host's are far shorter) */
#define MEMBERS_MAX 4096 /* people in sessions at once, over every session */

/* ---- who is in which session now ------------------------------------------------------------ */

typedef struct member {
    carehost_participant participant;
    char session[SESSION_MAX + 1];
    char user[DBT_ID_MAX + 1];
    struct member *next;
} member;

static member *members;
static size_t nmembers;

static int session_anyone(const char *session)
{
    for (member *m = members; m; m = m->next)
        if (strcmp(m->session, session) == 0)
            return 1;
    return 0;
}

/* ---- the exercises ------------------------------------------------------------------------ */

typedef enum { RUNNING, PAUSED, ENDED } ex_status;

typedef struct rating {
    char user[DBT_ID_MAX + 1];
    int before, after; /* -1: not given */
} rating;

typedef struct exercise {
    char session[SESSION_MAX + 1];
    uint64_t id;  /* tells one exercise from the next */
    uint64_t seq; /* grows with every change: a client keeps the state with the highest */
    const json_t *skill; /* the library's (valid until shutdown) */
    size_t nsteps, step;
    ex_status status;
    int64_t ends_at;   /* RUNNING, timed step: the step's end on the host's clock */
    int64_t remaining; /* PAUSED, timed step: what was left of it */
    int64_t started_at, ended_at;
    carehost_timer timer;
    rating ratings[DBT_RATERS_MAX];
    size_t nratings;
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

static void stop_timer(exercise *e)
{
    if (e->timer)
        dbt.host->timer_cancel(dbt.ctx, e->timer);
    e->timer = 0;
}

static void forget(const char *session)
{
    for (exercise **p = &exercises; *p; p = &(*p)->next) {
        if (strcmp((*p)->session, session) == 0) {
            exercise *gone = *p;
            *p = gone->next;
            stop_timer(gone);
            free(gone);
            return;
        }
    }
}

/* The step's time in ms; 0 for an untimed step. */
static int64_t step_ms(const exercise *e, size_t step)
{
    const json_t *s = json_array_get(json_object_get(e->skill, "steps"), step);
    return (int64_t)json_integer_value(json_object_get(s, "seconds")) * 1000;
}

/* Move to e->step, which starts at `start` on the host's clock. */
static void enter_step(exercise *e, int64_t start)
{
    int64_t ms = step_ms(e, e->step);
    e->ends_at = e->status == RUNNING && ms ? start + ms : 0;
    e->remaining = e->status == PAUSED ? ms : 0;
}

static void finish(exercise *e, int64_t at)
{
    e->status = ENDED;
    e->ended_at = at;
    e->ends_at = e->remaining = 0;
}

/* Apply the clock: each timed step that is over gives way to the next, which starts when it ended;
 * after the last, the exercise ends. 1 when something changed. */
static int catch_up(exercise *e, int64_t now)
{
    int changed = 0;
    while (e->status == RUNNING && e->ends_at && now >= e->ends_at) {
        int64_t end = e->ends_at;
        if (e->step + 1 < e->nsteps) {
            e->step++;
            enter_step(e, end);
        } else {
            finish(e, end);
        }
        changed = 1;
    }
    if (changed)
        e->seq++;
    return changed;
}

static json_t *state_json(const exercise *e, int64_t now)
{
    int64_t ms = step_ms(e, e->step);
    json_t *remaining = json_null(), *ends = json_null();
    if (e->status == RUNNING && ms) {
        remaining = json_integer(e->ends_at > now ? e->ends_at - now : 0);
        ends = json_integer(e->ends_at);
    } else if (e->status == PAUSED && ms) {
        remaining = json_integer(e->remaining);
    }
    static const char *const names[] = {"running", "paused", "ended"};
    return json_pack("{s:I, s:I, s:{s:O?, s:O?, s:O?}, s:o, s:I, s:I, s:s, s:I, s:o, s:o, s:o, s:I, s:o}",
                     "id", (json_int_t)e->id, "seq", (json_int_t)e->seq,
                     "skill", "id", json_object_get(e->skill, "id"), "name", json_object_get(e->skill, "name"),
                     "module", json_object_get(e->skill, "module"),
                     "steps", json_deep_copy(json_object_get(e->skill, "steps")),
                     "step", (json_int_t)e->step, "steps_total", (json_int_t)e->nsteps,
                     "status", names[e->status], "server_now", (json_int_t)now,
                     "remaining_ms", remaining, "step_ms", ms ? json_integer(ms) : json_null(),
                     "step_ends_at", ends, "started_at", (json_int_t)e->started_at,
                     "ended_at", e->status == ENDED ? json_integer(e->ended_at) : json_null());
}

static void broadcast(exercise *e, const char *cause)
{
    json_t *ev = json_pack("{s:o, s:s}", "exercise", state_json(e, dbt_now_ms()), "cause", cause);
    if (ev)
        dbt.host->send_to_session(dbt.ctx, e->session, CAREHOST_ROLES_SESSION, "exercise", ev);
    json_decref(ev);
}

static void schedule(exercise *e);

static void on_tick(carehost_plugin_ctx *ctx, carehost_timer timer, void *data)
{
    (void)ctx;
    (void)timer;
    exercise *e = data;
    e->timer = 0; /* a one-shot timer: it is spent */
    if (catch_up(e, dbt_now_ms()))
        broadcast(e, "time");
    schedule(e);
}

/* While a timed step runs: check it at its end, and at least every DBT_EXERCISE_TICK_MS. */
static void schedule(exercise *e)
{
    stop_timer(e);
    if (e->status != RUNNING || !e->ends_at)
        return;
    int64_t left = e->ends_at - dbt_now_ms();
    uint32_t delay = left < 1 ? 1 : left > DBT_EXERCISE_TICK_MS ? DBT_EXERCISE_TICK_MS : (uint32_t)left;
    e->timer = dbt.host->timer_start(dbt.ctx, delay, 0, on_tick, e);
    if (!e->timer) /* the next state request or control still applies the clock */
        dbt.host->log(dbt.ctx, CAREHOST_LOG_WARN, "exercise: no timer for the step's end (too many timers)");
}

/* Apply the clock to the session's exercise and tell everyone if it moved on. */
static exercise *current(const char *session)
{
    exercise *e = find(session);
    if (e && catch_up(e, dbt_now_ms())) {
        broadcast(e, "time");
        schedule(e);
    }
    return e;
}

/* ---- who leads, and the ratings -------------------------------------------------------------- */

static const char *user_of(const carehost_peer *p)
{
    return CAREHOST_PEER_HAS(p, user) && p->user && strlen(p->user) <= DBT_ID_MAX ? p->user : NULL;
}

/* The leading therapist's user id of session (new string), or NULL. */
static char *lead_of(const char *session)
{
    if (!CAREHOST_HOST_HAS(dbt.host, session_people))
        return NULL;
    json_t *people = dbt.host->session_people(dbt.ctx, session);
    const json_t *first = json_array_get(people, 0); /* the leading therapist comes first */
    const char *role = json_string_value(json_object_get(first, "role"));
    const char *user = json_string_value(json_object_get(first, "user"));
    char *lead = role && user && strcmp(role, "therapist") == 0 ? strdup(user) : NULL;
    json_decref(people);
    return lead;
}

static int leads(const carehost_peer *from)
{
    const char *user = user_of(from);
    char *lead = from->session && user ? lead_of(from->session) : NULL;
    int yes = lead && strcmp(lead, user) == 0;
    free(lead);
    return yes;
}

static int by_value(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static json_t *distribution(const exercise *e, int after)
{
    int values[DBT_RATERS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < e->nratings; i++) {
        int v = after ? e->ratings[i].after : e->ratings[i].before;
        if (v >= 0)
            values[n++] = v;
    }
    if (n < DBT_RATINGS_SHOWN_MIN)
        return json_pack("{s:I, s:n}", "n", (json_int_t)n, "values");
    qsort(values, n, sizeof values[0], by_value);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, json_integer(values[i]));
    return json_pack("{s:I, s:o}", "n", (json_int_t)n, "values", list);
}

/* What the leading therapist sees: counts, and sorted values from DBT_RATINGS_SHOWN_MIN answers. */
static json_t *ratings_json(const exercise *e)
{
    return json_pack("{s:o, s:o, s:i}", "before", distribution(e, 0), "after", distribution(e, 1),
                     "shown_from", DBT_RATINGS_SHOWN_MIN);
}

static const rating *rating_of(const exercise *e, const char *user)
{
    for (size_t i = 0; user && i < e->nratings; i++)
        if (strcmp(e->ratings[i].user, user) == 0)
            return &e->ratings[i];
    return NULL;
}

/* A patient's own ratings: {before, after, change (after - before)}, null where missing. */
static json_t *yours_json(const exercise *e, const char *user)
{
    const rating *r = rating_of(e, user);
    int before = r ? r->before : -1, after = r ? r->after : -1;
    return json_pack("{s:o, s:o, s:o}", "before", before >= 0 ? json_integer(before) : json_null(),
                     "after", after >= 0 ? json_integer(after) : json_null(),
                     "change", before >= 0 && after >= 0 ? json_integer(after - before) : json_null());
}

/* The ratings to the leading therapist's connections in the session. */
static void tell_lead(const exercise *e)
{
    char *lead = lead_of(e->session);
    json_t *ev = lead ? json_pack("{s:I, s:o}", "exercise_id", (json_int_t)e->id, "ratings", ratings_json(e)) : NULL;
    for (member *m = members; ev && m; m = m->next)
        if (strcmp(m->session, e->session) == 0 && strcmp(m->user, lead) == 0)
            dbt.host->send_to(dbt.ctx, m->participant, "exercise_ratings", ev);
    json_decref(ev);
    free(lead);
}

/* ---- the verbs ---------------------------------------------------------------------------- */

static void reply_state(const exercise *e, carehost_request req, const char *key, json_t *extra)
{
    json_t *r = json_pack("{s:o}", "exercise", e ? state_json(e, dbt_now_ms()) : json_null());
    if (r && key && extra)
        json_object_set_new(r, key, extra);
    else
        json_decref(extra);
    dbt_reply(req, r);
}

static void forbidden(carehost_request req, const char *what)
{
    dbt_reply_error(req, "forbidden", "Only the therapist leading this session can %s an exercise.", what);
}

static void start(const carehost_peer *from, json_t *msg, carehost_request req)
{
    if (!leads(from)) {
        forbidden(req, "start");
        return;
    }
    const json_t *skill = dbt_skill(json_string_value(json_object_get(msg, "skill")));
    if (!skill) {
        dbt_reply_error(req, "unknown_skill", "There is no skill with that id in the library.");
        return;
    }
    if (strlen(from->session) > SESSION_MAX) {
        dbt_reply_error(req, "internal_error", "This session's id is too long for an exercise.");
        return;
    }
    exercise *e = current(from->session);
    if (e && e->status != ENDED) {
        dbt_reply_error(req, "busy", "An exercise (%s) is already under way in this session: end it before "
                        "starting another.", json_string_value(json_object_get(e->skill, "name")));
        return;
    }
    if (e) { /* an ended one is replaced, with its ratings */
        exercise *next = e->next;
        stop_timer(e);
        memset(e, 0, sizeof *e);
        e->next = next;
    } else {
        e = calloc(1, sizeof *e);
        if (!e) {
            dbt_reply_error(req, "internal_error", "The server ran out of memory; please try again.");
            return;
        }
        e->next = exercises;
        exercises = e;
    }
    snprintf(e->session, sizeof e->session, "%s", from->session);
    e->id = ++last_id;
    e->seq = 1;
    e->skill = skill;
    e->nsteps = json_array_size(json_object_get(skill, "steps"));
    e->status = RUNNING;
    e->started_at = dbt_now_ms();
    enter_step(e, e->started_at);
    schedule(e);
    broadcast(e, "start");
    reply_state(e, req, "ratings", ratings_json(e));
}

static void state(const carehost_peer *from, carehost_request req)
{
    exercise *e = current(from->session);
    if (!e)
        reply_state(NULL, req, NULL, NULL);
    else if (from->role == CAREHOST_ROLE_PATIENT)
        reply_state(e, req, "yours", yours_json(e, user_of(from)));
    else if (leads(from))
        reply_state(e, req, "ratings", ratings_json(e));
    else
        reply_state(e, req, NULL, NULL);
}

static void control(const carehost_peer *from, json_t *msg, carehost_request req)
{
    if (!leads(from)) {
        forbidden(req, "control");
        return;
    }
    const char *action = json_string_value(json_object_get(msg, "action"));
    static const char *const actions[] = {"pause", "resume", "next", "back", "end"};
    size_t a = 0;
    while (action && a < 5 && strcmp(action, actions[a]) != 0)
        a++;
    if (a == 5) {
        dbt_reply_error(req, "invalid_field", "The field 'action' must be one of pause, resume, next, back or end.");
        return;
    }
    exercise *e = current(from->session);
    if (!e) {
        dbt_reply_error(req, "no_exercise", "No exercise has been started in this session.");
        return;
    }
    if (e->status == ENDED) {
        dbt_reply_error(req, "exercise_ended", "The exercise has ended: start a new one to go on.");
        return;
    }
    int64_t now = dbt_now_ms();
    switch (a) {
    case 0: /* pause */
        if (e->status == PAUSED) {
            dbt_reply_error(req, "already_paused", "The exercise is paused already.");
            return;
        }
        e->remaining = e->ends_at ? (e->ends_at > now ? e->ends_at - now : 0) : 0;
        e->ends_at = 0;
        e->status = PAUSED;
        break;
    case 1: /* resume */
        if (e->status == RUNNING) {
            dbt_reply_error(req, "not_paused", "The exercise is not paused.");
            return;
        }
        e->status = RUNNING;
        e->ends_at = step_ms(e, e->step) ? now + e->remaining : 0;
        e->remaining = 0;
        break;
    case 2: /* next: past the last step, the exercise ends */
        if (e->step + 1 >= e->nsteps) {
            finish(e, now);
        } else {
            e->step++;
            enter_step(e, now);
        }
        break;
    case 3: /* back: the previous step, from its start */
        if (e->step == 0) {
            dbt_reply_error(req, "at_first_step", "The exercise is at its first step: there is no step before it.");
            return;
        }
        e->step--;
        enter_step(e, now);
        break;
    default: /* end */
        finish(e, now);
        break;
    }
    e->seq++;
    schedule(e);
    broadcast(e, actions[a]);
    reply_state(e, req, "ratings", ratings_json(e));
}

static void rate(const carehost_peer *from, json_t *msg, carehost_request req)
{
    const char *when = json_string_value(json_object_get(msg, "when"));
    int value = (int)json_integer_value(json_object_get(msg, "value")); /* 0-100: the host checked */
    int after = when && strcmp(when, "after") == 0;
    if (!after && (!when || strcmp(when, "before") != 0)) {
        dbt_reply_error(req, "invalid_field", "The field 'when' must be before or after.");
        return;
    }
    const char *user = user_of(from);
    if (!user) {
        dbt_reply_error(req, "internal_error", "The server could not tell who you are; please sign in again.");
        return;
    }
    exercise *e = current(from->session);
    if (!e) {
        dbt_reply_error(req, "no_exercise", "No exercise has been started in this session.");
        return;
    }
    if (!after && e->status == ENDED) {
        dbt_reply_error(req, "too_late", "The exercise has ended: the 'before' rating is taken while it runs.");
        return;
    }
    if (after && e->status != ENDED) {
        dbt_reply_error(req, "too_early", "The 'after' rating is taken once the exercise has ended.");
        return;
    }
    rating *r = (rating *)rating_of(e, user);
    if (!r) {
        if (e->nratings == DBT_RATERS_MAX) {
            dbt_reply_error(req, "too_many_ratings", "This exercise has as many ratings as it can hold.");
            return;
        }
        r = &e->ratings[e->nratings++];
        snprintf(r->user, sizeof r->user, "%s", user);
        r->before = r->after = -1;
    }
    if (after) /* a second rating replaces the first */
        r->after = value;
    else
        r->before = value;
    dbt_reply(req, json_pack("{s:I, s:s, s:i, s:o}", "exercise_id", (json_int_t)e->id, "when", when,
                             "value", value, "yours", yours_json(e, user)));
    tell_lead(e);
}

int dbt_exercise_verb(const carehost_peer *from, const char *verb, json_t *msg, carehost_request req)
{
    if (!from->session) { /* the verbs are declared IN_SESSION: the host refuses this first */
        if (strncmp(verb, "exercise_", 9) != 0)
            return 0;
        dbt_reply_error(req, "not_in_session", "Join a session first.");
        return 1;
    }
    if (strcmp(verb, "exercise_start") == 0)
        start(from, msg, req);
    else if (strcmp(verb, "exercise_state") == 0)
        state(from, req);
    else if (strcmp(verb, "exercise_control") == 0)
        control(from, msg, req);
    else if (strcmp(verb, "exercise_rate") == 0)
        rate(from, msg, req);
    else
        return 0;
    return 1;
}

/* ---- the host's events ------------------------------------------------------------------- */

void dbt_exercise_joined(const carehost_peer *peer)
{
    const char *user = user_of(peer);
    if (!peer->session || !user || strlen(peer->session) > SESSION_MAX)
        return;
    int known = 0;
    for (member *m = members; m; m = m->next)
        known |= m->participant == peer->participant && strcmp(m->session, peer->session) == 0;
    if (!known && nmembers < MEMBERS_MAX) { /* not known: a replayed join after a reload is */
        member *m = calloc(1, sizeof *m);
        if (m) {
            m->participant = peer->participant;
            snprintf(m->session, sizeof m->session, "%s", peer->session);
            snprintf(m->user, sizeof m->user, "%s", user);
            m->next = members;
            members = m;
            nmembers++;
        }
    }
    /* Whoever arrives while an exercise is on (a late joiner, a reconnecting phone) finds it. */
    exercise *e = current(peer->session);
    if (!e)
        return;
    json_t *ev = json_pack("{s:o, s:s}", "exercise", state_json(e, dbt_now_ms()), "cause", "joined");
    if (ev)
        dbt.host->send_to(dbt.ctx, peer->participant, "exercise", ev);
    json_decref(ev);
    if (leads(peer)) {
        ev = json_pack("{s:I, s:o}", "exercise_id", (json_int_t)e->id, "ratings", ratings_json(e));
        if (ev)
            dbt.host->send_to(dbt.ctx, peer->participant, "exercise_ratings", ev);
        json_decref(ev);
    }
}

void dbt_exercise_left(const carehost_peer *peer)
{
    for (member **p = &members; *p;) {
        if ((*p)->participant == peer->participant) {
            member *gone = *p;
            *p = gone->next;
            free(gone);
            nmembers--;
        } else {
            p = &(*p)->next;
        }
    }
    /* The last one out: an ended exercise is over for good. A running or paused one stays, for
     * whoever comes back (a therapist alone whose connection dropped). */
    exercise *e = peer->session ? find(peer->session) : NULL;
    if (e && e->status == ENDED && !session_anyone(peer->session))
        forget(peer->session);
}

void dbt_exercise_session_closed(const char *session)
{
    if (session)
        forget(session);
}

void dbt_exercise_free(void)
{
    while (exercises) {
        exercise *e = exercises;
        exercises = e->next;
        stop_timer(e);
        free(e);
    }
    while (members) {
        member *m = members;
        members = m->next;
        free(m);
    }
    nmembers = 0;
}
