/* signin_body.c -- libFuzzer harness: signing in and out over HTTP (host/api/signin_login.c:
 * POST /api/login {username, password}; host/api/signin_http.c: GET /api/me and its ?peek=1
 * query, POST /api/logout), through the real path behind the body: the throttle
 * (auth/login_throttle.c), the token table and cookies (auth/auth_tokens.c, auth/signin.c).
 * What they call of the daemon is faked: the storage thread, the work pool, lws's timers and
 * monotonic clock, the client going away, the answer (fake_api.c), and below the store (four
 * accounts, the token rows, the audit trail) and argon2id (a cheap stand-in with the same
 * answers). Jobs run in order, later, as the daemon runs them; the harness moves time on by
 * firing the throttle's timers.
 *
 * Input: the body of POST /api/login (JSON); the same bytes, as text, are the query of
 * GET /api/me. One input is one script:
 *   1. GET /api/me?<input>, not signed in: 200 {"user": null} for no query or peek=1, else 400.
 *   2. A body that is not a JSON object ends it there (http_api.c answers 400 itself).
 *   3. POST /api/login with the body: 400 bad_request unless username and password are strings;
 *      else 200 with the session cookie and the account when they name a usable account (found
 *      ignoring case, not disabled, with a password) and its password, else 401 invalid_login;
 *      a login audit entry (ok or failed, the account or "anonymous", never the password).
 *   4. The same body five times more at once from the same address, the last client leaving
 *      while it waits: the same answers; once the name has 3 failures, an attempt waits >= 1 s.
 *   5. alice signs in from elsewhere (200 however throttled her name is); GET /api/me with her
 *      cookie (and with the input as query); POST /api/logout; GET /api/me again: signed out.
 *   6. Nothing is left: no job, no timer, no attempt in flight in the throttle.
 * Every answer must be one the daemon can send, given once, with a status the route gives. */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/signin_http.h"
#include "auth/auth_tokens.h"
#include "auth/login_throttle.h"
#include "auth/signin.h"
#include "auth/signin_watch.h"
#include "auth/workpool.h"
#include "fake_api.h"
#include "host.h"
#include "lib/clock.h"
#include "store/accounts.h"
#include "store/store.h"

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "signin_body: " __VA_ARGS__);                                              \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

/* ---- the store, faked: accounts, token rows, the audit trail ------------------------------- */

typedef struct account {
    const char *id, *username, *display_name, *role, *password; /* password NULL: none set yet */
    int disabled;
} account;

/* tests/auth/login.test.cjs's people, and one invited who has not chosen a password. */
static const account accounts[] = {
    {"u-alice", "alice", "Alice Example", "patient", "correct horse battery", 0},
    {"u-bruno", "bruno", "Dr. Bruno", "therapist", "therapist pass 1", 0},
    {"u-carol", "carol", "Carol", "patient", "disabled person", 1},
    {"u-dana", "dana", "Dana", "family", NULL, 0},
};
#define NACCOUNTS (sizeof accounts / sizeof accounts[0])
#define HASH_PREFIX "fake-argon2id$"

static int fake_store_here; /* its address is the ch_store the jobs get */
#define FAKE_STORE ((ch_store *)&fake_store_here)

static const account *account_named(const char *username)
{
    for (size_t i = 0; i < NACCOUNTS; i++)
        if (strcasecmp(accounts[i].username, username) == 0) /* COLLATE NOCASE: ASCII only */
            return &accounts[i];
    return NULL;
}

static void check_store(ch_store *st)
{
    if (st != FAKE_STORE)
        FAIL("a store call off the storage thread's store");
}

static char *copy_of(const char *s) { return s ? strdup(s) : NULL; }

/* The member key of v is the string s. */
static int str_is(const json_t *v, const char *key, const char *s)
{
    const char *got = json_string_value(json_object_get(v, key));
    return got && strcmp(got, s) == 0;
}

int ch_users_get_by_username(ch_store *st, const char *username, ch_user *out)
{
    check_store(st);
    memset(out, 0, sizeof *out);
    size_t n = strlen(username);
    if (n < 3 || n > 64)
        return CH_STORE_INVALID;
    const account *a = account_named(username);
    if (!a)
        return CH_STORE_NOTFOUND;
    char hash[128];
    snprintf(hash, sizeof hash, HASH_PREFIX "%s", a->password ? a->password : "");
    out->id = copy_of(a->id);
    out->username = copy_of(a->username);
    out->display_name = copy_of(a->display_name);
    out->role = copy_of(a->role);
    out->password_hash = a->password ? copy_of(hash) : NULL;
    out->disabled = a->disabled;
    out->created_ms = 1;
    return CH_STORE_OK;
}

#define ROWS_MAX 64
static unsigned char token_rows[ROWS_MAX][CH_TOKEN_HASH_BYTES];
static size_t ntoken_rows;

static long token_row(const unsigned char hash[CH_TOKEN_HASH_BYTES])
{
    for (size_t i = 0; i < ntoken_rows; i++)
        if (memcmp(token_rows[i], hash, CH_TOKEN_HASH_BYTES) == 0)
            return (long)i;
    return -1;
}

int ch_tokens_add(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], const char *user_id,
                  int64_t now_ms, int64_t expires_ms)
{
    check_store(st);
    int known = 0;
    for (size_t i = 0; i < NACCOUNTS; i++)
        known |= strcmp(accounts[i].id, user_id) == 0;
    if (!known || expires_ms <= now_ms || token_row(hash) >= 0 || ntoken_rows == ROWS_MAX)
        FAIL("a token row the store would refuse (user %s)", user_id);
    memcpy(token_rows[ntoken_rows++], hash, CH_TOKEN_HASH_BYTES);
    return CH_STORE_OK;
}

int ch_tokens_touch(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES], int64_t now_ms)
{
    check_store(st);
    (void)now_ms;
    return token_row(hash) >= 0 ? CH_STORE_OK : CH_STORE_NOTFOUND;
}

int ch_tokens_revoke(ch_store *st, const unsigned char hash[CH_TOKEN_HASH_BYTES])
{
    check_store(st);
    long i = token_row(hash);
    if (i < 0)
        return CH_STORE_NOTFOUND;
    memcpy(token_rows[i], token_rows[--ntoken_rows], CH_TOKEN_HASH_BYTES);
    return CH_STORE_OK;
}

int ch_tokens_load(ch_store *st, int64_t now_ms, json_t **out)
{
    (void)st;
    (void)now_ms;
    (void)out;
    abort(); /* the daemon's start and resync: not run here */
}

const char *ch_store_errmsg(const ch_store *st)
{
    (void)st;
    return "the fake store failed";
}

/* The last entry of each action (fake_api_audit_check: one the store takes). */
typedef struct entry {
    int fresh; /* appended since the harness last looked */
    char actor[128], role[32], target[128], outcome[32], address[64];
} entry;
static entry last_login, last_logout;

int ch_audit_append(ch_store *st, const ch_audit_entry *e)
{
    check_store(st);
    fake_api_audit_check(e);
    entry *to = strcmp(e->action, "login") == 0 ? &last_login : strcmp(e->action, "logout") == 0 ? &last_logout : NULL;
    if (!to)
        FAIL("an audit action the sign-in never writes: %s", e->action);
    to->fresh = 1;
    snprintf(to->actor, sizeof to->actor, "%s", e->actor);
    snprintf(to->role, sizeof to->role, "%s", e->role ? e->role : "");
    snprintf(to->target, sizeof to->target, "%s", e->target ? e->target : "");
    snprintf(to->outcome, sizeof to->outcome, "%s", e->outcome);
    snprintf(to->address, sizeof to->address, "%s", e->address ? e->address : "");
    return CH_STORE_OK;
}

/* ---- argon2id, faked: the same answers, none of the cost ------------------------------------ */

int ch_password_verify(const char *hash, const char *password)
{
    if (!hash || strncmp(hash, HASH_PREFIX, strlen(HASH_PREFIX)) != 0)
        FAIL("verifying against a hash the store never gave");
    return strcmp(hash + strlen(HASH_PREFIX), password) == 0;
}

int ch_password_verify_dummy(const char *password)
{
    (void)password;
    return 0;
}

/* ---- the rest of the daemon the sign-in files reach ----------------------------------------- */

static int watch_looks;
void ch_signin_watch_now(ch_host *h)
{
    (void)h;
    watch_looks++;
}

int lws_http_cookie_get(struct lws *wsi, const char *name, char *buf, size_t *max)
{
    (void)wsi;
    (void)name;
    (void)buf;
    (void)max;
    abort(); /* ch_auth_identify: the WebSocket upgrade, not an API request */
}

/* ---- the answers ---------------------------------------------------------------------------- */

#define REQS 32
typedef struct answer {
    int count;
    unsigned status;
    json_t *body;
    char cookie[256];
    int64_t asked_ms, answered_ms; /* monotonic */
} answer;
static answer answers[REQS];
static uint64_t next_id;

static void on_answer(uint64_t id, unsigned status, const json_t *body, const char *set_cookie)
{
    if (id == 0 || id >= REQS)
        FAIL("an answer to request %llu, never asked", (unsigned long long)id);
    answer *a = &answers[id];
    if (a->count++)
        FAIL("request %llu answered twice (%u, then %u)", (unsigned long long)id, a->status, status);
    a->status = status;
    a->body = json_deep_copy(body);
    a->answered_ms = fake_api_mono_ms();
    snprintf(a->cookie, sizeof a->cookie, "%s", set_cookie ? set_cookie : "");
}

static ch_api_request request(ch_api_method method, const char *address)
{
    ch_api_request r;
    memset(&r, 0, sizeof r);
    r.id = ++next_id;
    if (r.id >= REQS)
        abort();
    answers[r.id].asked_ms = fake_api_mono_ms();
    r.method = method;
    r.address = address;
    r.origin = "http://127.0.0.1:8080";
    r.rest = "";
    r.query = "";
    return r;
}

static const answer *answered(uint64_t id)
{
    if (answers[id].count != 1)
        FAIL("request %llu answered %d times", (unsigned long long)id, answers[id].count);
    return &answers[id];
}

static void expect_error(const answer *a, unsigned status, const char *code)
{
    const char *got = json_string_value(json_object_get(a->body, "error"));
    if (a->status != status || !got || strcmp(got, code) != 0 ||
        !json_is_string(json_object_get(a->body, "message")) || a->cookie[0])
        FAIL("expected %u %s, got %u %s", status, code, a->status, got ? got : "(no error)");
}

/* ---- sign-in: what the answer must be --------------------------------------------------------- */

typedef struct expectation {
    unsigned status;        /* 400, 401 or 200 */
    const account *account; /* the one the name finds, usable or not */
    char name[65];          /* the name as the job keeps it (cut to 64 bytes) */
} expectation;

static expectation expect_login(const json_t *body)
{
    expectation x = {400, NULL, ""};
    const json_t *user = json_object_get(body, "username"), *pass = json_object_get(body, "password");
    if (!json_is_string(user) || !json_is_string(pass))
        return x;
    snprintf(x.name, sizeof x.name, "%s", json_string_value(user));
    x.account = strlen(x.name) >= 3 ? account_named(x.name) : NULL;
    const account *a = x.account;
    x.status = a && !a->disabled && a->password && strcmp(a->password, json_string_value(pass)) == 0 ? 200 : 401;
    return x;
}

static int secure_of(uint64_t id) { return (int)(id & 1); }

/* The cookie of a new session: the token, and the attributes (Secure on a TLS request). */
static void check_session_cookie(const answer *a, int secure, unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES])
{
    static const char prefix[] = CH_SESSION_COOKIE "=";
    char token[CH_AUTH_TOKEN_TEXT_LEN + 1], want[256];
    if (strncmp(a->cookie, prefix, sizeof prefix - 1) != 0)
        FAIL("a 200 without the session cookie: '%s'", a->cookie);
    snprintf(token, sizeof token, "%s", a->cookie + sizeof prefix - 1);
    snprintf(want, sizeof want, "%s%s; Path=/; HttpOnly; SameSite=Strict%s", prefix, token,
             secure ? "; Secure" : "");
    if (strcmp(a->cookie, want) != 0 || ch_auth_token_hash(token, hash) != 0)
        FAIL("a session cookie that is not one: '%s'", a->cookie);
    if (ch_auth_tokens_find(ch_the_host->tokens, hash, ch_wall_ms(), 0, NULL, NULL) != CH_AUTH_VALID ||
        token_row(hash) < 0)
        FAIL("a session cookie whose token the table or the store does not have");
}

/* A finished sign-in: its answer and its audit entry. */
static void check_login(uint64_t id, const expectation *x, const char *address, unsigned char hash[CH_AUTH_TOKEN_HASH_BYTES])
{
    const answer *a = answered(id);
    if (x->status == 400) {
        expect_error(a, 400, "bad_request");
        return;
    }
    if (a->status != x->status)
        FAIL("sign-in as '%s' answered %u, expected %u", x->name, a->status, x->status);
    if (x->status == 401) {
        expect_error(a, 401, "invalid_login");
        if (!str_is(a->body, "message", "The username or password is not right."))
            FAIL("a 401 that differs: the answer would tell whether the account exists");
    } else {
        const json_t *u = json_object_get(a->body, "user");
        const account *ac = x->account;
        if (json_object_size(a->body) != 2 || !json_is_object(json_object_get(a->body, "signin")) ||
            !str_is(u, "id", ac->id) || !str_is(u, "username", ac->username) ||
            !str_is(u, "display_name", ac->display_name) || !str_is(u, "role", ac->role))
            FAIL("a 200 that does not describe %s", ac->username);
        check_session_cookie(a, secure_of(id), hash);
    }
    /* The entry its storage job wrote just before the answer. */
    const account *ac = x->account;
    char target[128];
    snprintf(target, sizeof target, "user:%s", ac ? ac->username : "(unknown)");
    if (!last_login.fresh || strcmp(last_login.actor, ac ? ac->id : "anonymous") != 0 ||
        strcmp(last_login.role, ac ? ac->role : "") != 0 || strcmp(last_login.target, target) != 0 ||
        strcmp(last_login.outcome, x->status == 200 ? "ok" : "failed") != 0 ||
        strcmp(last_login.address, address) != 0)
        FAIL("sign-in as '%s': the audit entry is missing or wrong (%s %s %s %s)", x->name, last_login.actor,
             last_login.target, last_login.outcome, last_login.address);
    last_login.fresh = 0;
}

/* POST /api/login; the answer is checked once the jobs have run. */
static uint64_t login(const json_t *body, const char *address)
{
    ch_api_request r = request(CH_API_POST, address);
    r.body = body;
    r.secure = secure_of(r.id);
    ch_auth_http_login(&r);
    return r.id;
}

/* Run the jobs one at a time, checking each sign-in as soon as it is answered (its audit entry
 * is the latest then). */
static void settle_logins(const uint64_t *ids, size_t n, const expectation *x, const char *address,
                          unsigned char hashes[][CH_AUTH_TOKEN_HASH_BYTES])
{
    int checked[REQS] = {0};
    for (int steps = 0;; steps++) {
        for (size_t i = 0; i < n; i++)
            if (!checked[ids[i]] && answers[ids[i]].count) {
                check_login(ids[i], x, address, hashes[i]);
                checked[ids[i]] = 1;
            }
        if (!fake_api_step())
            break;
        if (steps > 10000)
            FAIL("sign-in jobs that never end");
    }
}

/* ---- GET /api/me, POST /api/logout ------------------------------------------------------------ */

static uint64_t me(const char *query, const unsigned char *session)
{
    ch_api_request r = request(CH_API_GET, "192.0.2.1");
    r.query = query;
    if (session) {
        r.has_session = 1;
        memcpy(r.session_hash, session, sizeof r.session_hash);
    }
    ch_auth_http_me(&r);
    fake_api_settle(); /* a touch of the token row */
    return r.id;
}

static void check_me(uint64_t id, const char *query, const char *username)
{
    const answer *a = answered(id);
    if (*query && strcmp(query, "peek=1") != 0) {
        expect_error(a, 400, "bad_request");
        return;
    }
    const json_t *u = json_object_get(a->body, "user");
    if (a->status != 200 ||
        (username ? !str_is(u, "username", username) || !json_is_object(json_object_get(a->body, "signin"))
                  : !json_is_null(u) || json_object_size(a->body) != 1))
        FAIL("GET /api/me?%s: not the answer for %s", query, username ? username : "nobody");
}

/* ---- the harness ---------------------------------------------------------------------------- */

static void host_begin(void)
{
    ch_host *h = ch_the_host;
    h->cfg.session_idle_ms = 30 * 60 * 1000;
    h->cfg.session_max_ms = 12 * 60 * 60 * 1000;
    h->lws = (struct lws_context *)h; /* non-NULL: the timers are fake_api.c's */
    h->work = (ch_workpool *)h;
    if (ch_auth_start(h))
        abort();
    fake_api_set_store(FAKE_STORE);
    fake_api_on_answer(on_answer);
    next_id = 0;
}

static void host_end(void)
{
    ch_auth_stop(ch_the_host);
    fake_api_end();
    for (size_t i = 0; i < REQS; i++)
        json_decref(answers[i].body);
    memset(answers, 0, sizeof answers);
    ntoken_rows = 0;
    memset(&last_login, 0, sizeof last_login);
    memset(&last_logout, 0, sizeof last_logout);
    watch_looks = 0;
}

#define ADDRESS "192.0.2.1"
#define ELSEWHERE "198.51.100.7"
#define BURST 6

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The query as http_api.c hands it over: text, at most 255 bytes. */
    char query[256];
    size_t qn = strnlen((const char *)data, size < sizeof query - 1 ? size : sizeof query - 1);
    memcpy(query, data, qn);
    query[qn] = '\0';
    host_begin();

    /* 1. Who am I, not signed in. */
    check_me(me(query, NULL), query, NULL);
    /* 2. As http_api.c: no body is an empty object; anything but an object is its own 400. */
    json_t *body = size ? json_loadb((const char *)data, size, 0, NULL) : json_object();
    if (!json_is_object(body)) {
        json_decref(body);
        host_end();
        return 0;
    }
    expectation x = expect_login(body);
    const char *pass = json_string_value(json_object_get(body, "password"));
    /* A password with a byte no log line of this path has can be looked for in them. */
    for (const char *p = pass; p && *p; p++)
        if ((unsigned char)*p >= 0x80) {
            fake_api_log_forbid(pass);
            break;
        }

    /* 3. Sign in once. */
    unsigned char hashes[BURST][CH_AUTH_TOKEN_HASH_BYTES];
    uint64_t first = login(body, ADDRESS);
    if (x.status == 400) {
        check_login(first, &x, ADDRESS, hashes[0]); /* at once, touching nothing */
        if (ch_login_throttle_count(ch_the_host->throttle) != 0 || fake_api_step())
            FAIL("a malformed body went further than its 400");
    } else {
        settle_logins(&first, 1, &x, ADDRESS, hashes);
    }

    if (x.status != 400) {
        /* 4. The same, several at once; the last client goes away while it waits. */
        uint64_t ids[BURST];
        for (int i = 0; i < BURST; i++)
            ids[i] = login(body, ADDRESS);
        int left_waiting = fake_api_client_leaves(ids[BURST - 1]);
        settle_logins(ids, BURST - 1, &x, ADDRESS, hashes);
        if (answers[ids[BURST - 1]].count)
            FAIL("an answer to a client that had gone");
        /* After 3 failures of the name (the first sign-in's, then the ones in flight) an attempt
         * waits. */
        for (int i = 0; x.status == 401 && i < BURST - 1; i++)
            if (1 + i >= CH_THROTTLE_FREE_FAILURES &&
                answers[ids[i]].answered_ms - answers[ids[i]].asked_ms < 1000)
                FAIL("attempt %d at '%s' after %d failures answered without waiting", i + 2, x.name, 1 + i);
        /* The one that left while waiting was never evaluated: no audit entry after the last
         * answer (settle_logins checked each), none written at all when it left in time. */
        if (left_waiting && last_login.fresh)
            FAIL("an attempt whose client left while it waited was still evaluated");
        last_login.fresh = 0;
    }

    /* 5. alice signs in from elsewhere, asks who she is, signs out. */
    fake_api_log_forbid(accounts[0].password);
    json_t *alice = json_pack("{s:s, s:s}", "username", "alice", "password", accounts[0].password);
    expectation ax = expect_login(alice);
    unsigned char session[1][CH_AUTH_TOKEN_HASH_BYTES];
    uint64_t id = login(alice, ELSEWHERE);
    settle_logins(&id, 1, &ax, ELSEWHERE, session);
    json_decref(alice);
    check_me(me("", session[0]), "", "alice");
    check_me(me("peek=1", session[0]), "peek=1", "alice");
    check_me(me(query, session[0]), query, "alice");

    ch_api_request out = request(CH_API_POST, ELSEWHERE);
    json_t *empty = json_object();
    out.body = empty;
    out.has_session = 1;
    memcpy(out.session_hash, session[0], sizeof out.session_hash);
    ch_auth_http_logout(&out);
    fake_api_settle();
    const answer *bye = answered(out.id);
    char clearing[128];
    ch_auth_clearing_cookie(clearing, sizeof clearing, 0);
    if (bye->status != 200 || !json_is_true(json_object_get(bye->body, "ok")) || strcmp(bye->cookie, clearing) != 0)
        FAIL("sign-out: %u, cookie '%s'", bye->status, bye->cookie);
    if (!last_logout.fresh || strcmp(last_logout.target, "user:alice") != 0 || strcmp(last_logout.actor, "u-alice") != 0 ||
        token_row(session[0]) >= 0 || watch_looks != 1)
        FAIL("sign-out: the row, the audit entry or the sign-in watch was missed");
    uint64_t after = me("", session[0]);
    check_me(after, "", NULL);
    if (strcmp(answers[after].cookie, clearing) != 0)
        FAIL("GET /api/me with an ended session does not clear the cookie");
    /* Signing out again, or never signed in: 200 and the cookie cleared all the same. */
    ch_api_request again = request(CH_API_POST, ELSEWHERE);
    again.body = empty;
    ch_auth_http_logout(&again);
    if (answered(again.id)->status != 200)
        FAIL("sign-out without a session");
    json_decref(empty);

    /* 6. Every attempt in flight was ended or cancelled: the name takes as many again. */
    if (x.status != 400) {
        for (int i = 0; i < CH_THROTTLE_USER_MAX_INFLIGHT; i++)
            if (ch_login_throttle_begin(ch_the_host->throttle, x.name, "203.0.113.9", fake_api_mono_ms()) < 0)
                FAIL("the throttle still counts attempts in flight for '%s'", x.name);
    }
    json_decref(body);
    host_end();
    return 0;
}
