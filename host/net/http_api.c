/* http_api.c -- see http_api.h.
 *
 * A request lives in a ch_api_req hung off the connection's per-session data
 * (ch_conn.api) and listed here by id. Its life: headers (LWS_CALLBACK_HTTP) ->
 * body pieces (HTTP_BODY) -> body complete -> the endpoint -> ch_api_respond
 * -> WRITEABLE: headers -> WRITEABLE: body, transaction complete. A POST is
 * never answered before its body has been read, so the connection stays in
 * step for the next request (keep-alive); a body over the limit is answered
 * 413 and the connection closed. */
#include "http_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "log.h"
#include "request_origin.h"

/* A declared body past this is not read at all: the connection is closed. */
#define CH_API_DISCARD_MAX (1024 * 1024)

typedef enum {
    REQ_RECEIVING,     /* waiting for the rest of the body */
    REQ_WORKING,       /* the endpoint has it */
    REQ_HEADERS,       /* answer ready: write the headers next */
    REQ_BODY           /* headers written: write the body next */
} req_state;

typedef struct ch_api_req {
    uint64_t id;
    struct lws *wsi;
    ch_conn *conn;
    req_state state;
    ch_api_method method;
    void (*endpoint)(const ch_api_request *r);
    unsigned reject_status;     /* non-zero: answer this once the body is read */
    const char *reject_code, *reject_message;
    char address[64];
    int has_session;
    unsigned char session_hash[CH_API_SESSION_HASH_BYTES];
    int secure;
    char rest[128];             /* see ch_api_request.rest */
    char origin[256];
    char query[256];            /* see ch_api_request.query */
    char *body;
    size_t body_len;
    int body_too_large;
    const char *allow;          /* the method the path takes (for 405) */
    unsigned status;
    unsigned char *answer;      /* LWS_PRE bytes of headroom, then the JSON */
    size_t answer_len;
    char content_type[64];      /* "" : application/json */
    char disposition[160];      /* "" : none */
    char set_cookie[160];
    void (*abort_fn)(void *);
    void *abort_arg;
    struct ch_api_req *prev, *next;
} ch_api_req;

static const ch_api_route *routes;
static size_t route_count;
static const char *cookie_name;
static int (*hash_cookie)(const char *value, unsigned char hash[CH_API_SESSION_HASH_BYTES]);

void ch_api_serve(const ch_api_route *table, size_t n, const char *cookie,
                  int (*hash)(const char *value, unsigned char out[CH_API_SESSION_HASH_BYTES]))
{
    routes = table;
    route_count = n;
    cookie_name = cookie;
    hash_cookie = hash;
}

static ch_api_req *pending_head;
static size_t pending_count;
static uint64_t next_id;

size_t ch_api_pending(void) { return pending_count; }

static ch_api_req *find(uint64_t id)
{
    for (ch_api_req *r = pending_head; r; r = r->next)
        if (r->id == id)
            return r;
    return NULL;
}

static void req_free(ch_api_req *r)
{
    if (!r)
        return;
    if (r->prev)
        r->prev->next = r->next;
    else
        pending_head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    pending_count--;
    if (r->conn && r->conn->api == r)
        r->conn->api = NULL;
    if (r->body) {
        sodium_memzero(r->body, r->body_len);
        free(r->body);
    }
    free(r->answer);
    free(r);
}

/* The client went away (or lws dropped the protocol) before the answer. */
static void req_abandon(ch_api_req *r)
{
    void (*fn)(void *) = r->abort_fn;
    void *arg = r->abort_arg;
    req_free(r);
    if (fn)
        fn(arg);
}

void ch_api_on_abort(uint64_t id, void (*fn)(void *arg), void *arg)
{
    ch_api_req *r = find(id);
    if (r) {
        r->abort_fn = fn;
        r->abort_arg = arg;
    }
}

void ch_api_respond(uint64_t id, unsigned status, json_t *body, const char *set_cookie)
{
    ch_api_req *r = find(id);
    if (!r || r->state >= REQ_HEADERS) {
        json_decref(body);
        return;
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    size_t len = text ? strlen(text) : 0;
    r->answer = malloc(LWS_PRE + (len ? len : 2));
    if (!r->answer) {
        free(text);
        lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    if (text) {
        memcpy(r->answer + LWS_PRE, text, len);
    } else {
        /* Out of memory making the JSON: still a well-formed answer. */
        memcpy(r->answer + LWS_PRE, "{}", 2);
        len = 2;
        status = 500;
    }
    free(text);
    r->answer_len = len;
    r->status = status;
    snprintf(r->set_cookie, sizeof r->set_cookie, "%s", set_cookie ? set_cookie : "");
    r->abort_fn = NULL;
    r->state = REQ_HEADERS;
    lws_callback_on_writable(r->wsi);
}

void ch_api_respond_raw(uint64_t id, unsigned status, const char *content_type, const char *filename,
                        const char *body, size_t len)
{
    ch_api_req *r = find(id);
    if (!r || r->state >= REQ_HEADERS)
        return;
    r->answer = malloc(LWS_PRE + (len ? len : 1));
    if (!r->answer) {
        ch_api_respond_error(id, 500, "internal_error", "The server ran out of memory.");
        return;
    }
    if (len)
        memcpy(r->answer + LWS_PRE, body, len);
    r->answer_len = len;
    r->status = status;
    snprintf(r->content_type, sizeof r->content_type, "%s", content_type);
    if (filename)
        snprintf(r->disposition, sizeof r->disposition, "attachment; filename=\"%s\"", filename);
    r->set_cookie[0] = '\0';
    r->abort_fn = NULL;
    r->state = REQ_HEADERS;
    lws_callback_on_writable(r->wsi);
}

void ch_api_respond_error(uint64_t id, unsigned status, const char *code, const char *message)
{
    ch_api_respond(id, status, json_pack("{s:s, s:s}", "error", code, "message", message), NULL);
}

/* ---- reading the request ---------------------------------------------------- */

/* A prefix route needs something after the prefix, short enough to keep. */
static int route_matches(const ch_api_route *rt, const char *uri, int uri_len, char *rest,
                         size_t rest_size)
{
    size_t n = strlen(rt->path);
    if (!rt->prefix)
        return (size_t)uri_len == n && memcmp(uri, rt->path, n) == 0;
    if ((size_t)uri_len <= n || (size_t)uri_len - n >= rest_size || memcmp(uri, rt->path, n) != 0)
        return 0;
    if (rt->claims && !rt->claims(uri, uri_len))
        return 0;
    memcpy(rest, uri + n, (size_t)uri_len - n);
    rest[(size_t)uri_len - n] = '\0';
    return 1;
}

static int is_json_content_type(struct lws *wsi)
{
    char ct[128];
    if (lws_hdr_copy(wsi, ct, sizeof ct, WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0)
        return 0;
    static const char want[] = "application/json";
    size_t n = sizeof want - 1;
    if (strncasecmp(ct, want, n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}

static void reject_later(ch_api_req *r, unsigned status, const char *code, const char *message)
{
    if (r->reject_status)
        return; /* the first reason stands */
    r->reject_status = status;
    r->reject_code = code;
    r->reject_message = message;
}

static void run_endpoint(ch_api_req *r)
{
    r->state = REQ_WORKING;
    /* lws gives a request its 5 s network timeout, which would cut off an
     * endpoint that answers later (a plugin's report built from the store):
     * allow it a bound of its own instead. */
    lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, CH_API_ANSWER_MAX_S);
    if (r->reject_status) {
        ch_api_respond_error(r->id, r->reject_status, r->reject_code, r->reject_message);
        return;
    }
    json_t *body = NULL;
    if (r->method == CH_API_POST) {
        if (r->body_too_large) {
            ch_api_respond_error(r->id, 413, "too_large", "The request body is over 4096 bytes.");
            return;
        }
        /* No body is an empty object: POST /api/logout needs nothing. */
        json_error_t jerr;
        body = r->body_len ? json_loadb(r->body, r->body_len, 0, &jerr) : json_object();
        if (!json_is_object(body)) {
            json_decref(body);
            ch_api_respond_error(r->id, 400, "bad_request", "Send one JSON object.");
            return;
        }
    }
    ch_api_request req = {
        .id = r->id,
        .method = r->method,
        .body = body,
        .address = r->address,
        .has_session = r->has_session,
        .secure = r->secure,
        .rest = r->rest,
        .origin = r->origin,
        .query = r->query,
    };
    memcpy(req.session_hash, r->session_hash, sizeof req.session_hash);
    r->endpoint(&req);
    json_decref(body);
    sodium_memzero(req.session_hash, sizeof req.session_hash);
}

static int64_t content_length(struct lws *wsi, int *chunked)
{
    char v[32];
    *chunked = 0;
    if (lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0 &&
        strcasestr(v, "chunked"))
        *chunked = 1;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
        return 0;
    if (lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
        return -1;
    char *end;
    long long n = strtoll(v, &end, 10);
    return *end || n < 0 ? -1 : n;
}

/* The URI arguments, one fragment each, joined by '&' (lws_hdr_copy joins them with ','
 * in libwebsockets 4.1, which makes "from=...&to=..." one argument). 0, or -1 if too long. */
static int copy_query(struct lws *wsi, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0;; i++) {
        int flen = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (flen <= 0)
            return 0;
        if (used + (i > 0) + (size_t)flen + 1 > outlen)
            return -1;
        if (i > 0)
            out[used++] = '&';
        int n = lws_hdr_copy_fragment(wsi, out + used, (int)(outlen - used), WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0)
            return -1;
        used += (size_t)n;
    }
}

static int on_http(struct lws *wsi, ch_conn *c)
{
    ch_api_req *old = c->api;
    if (old) /* a new request before the last was answered: not ours to keep */
        req_abandon(old);
    char *uri = NULL;
    int uri_len = 0;
    int meth = lws_http_get_uri_and_method(wsi, &uri, &uri_len);
    ch_api_req *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    r->id = ++next_id;
    r->wsi = wsi;
    r->conn = c;
    r->next = pending_head;
    if (pending_head)
        pending_head->prev = r;
    pending_head = r;
    pending_count++;
    c->api = r;
    r->method = meth == LWSHUMETH_POST ? CH_API_POST : CH_API_GET;
    lws_get_peer_simple(wsi, r->address, sizeof r->address);
    r->secure = ch_http_request_is_https(wsi);

    char cookie[64]; /* a sign-in token is 43 characters */
    size_t clen = sizeof cookie;
    if (cookie_name && lws_http_cookie_get(wsi, cookie_name, cookie, &clen) == 0 &&
        hash_cookie(cookie, r->session_hash) == 0)
        r->has_session = 1;
    sodium_memzero(cookie, sizeof cookie);

    if (copy_query(wsi, r->query, sizeof r->query) != 0)
        reject_later(r, 414, "uri_too_long", "The query string is too long.");

    const ch_api_route *found = NULL;
    int path_known = 0;
    for (size_t i = 0; uri && i < route_count && !found; i++)
        if (route_matches(&routes[i], uri, uri_len, r->rest, sizeof r->rest)) {
            path_known = 1;
            r->allow = routes[i].method == CH_API_POST ? "POST" : "GET";
            if (routes[i].method == r->method && (meth == LWSHUMETH_GET || meth == LWSHUMETH_POST))
                found = &routes[i];
        }
    if (!path_known)
        reject_later(r, 404, "not_found", "There is no such API endpoint.");
    else if (!found)
        reject_later(r, 405, "method_not_allowed", "This endpoint does not take that method.");
    else
        r->endpoint = found->endpoint;
    if (pending_count > CH_API_MAX_PENDING)
        reject_later(r, 503, "busy", "The server is busy; try again in a minute.");

    if (meth != LWSHUMETH_POST) {
        run_endpoint(r);
        return 0;
    }
    /* CSRF: a page on another site can send neither without a preflight. */
    if (!is_json_content_type(wsi) || !ch_http_origin_ok(wsi, 0))
        reject_later(r, 403, "csrf",
                     "This request must come from the carehost page itself, as JSON.");
    else if (lws_hdr_copy(wsi, r->origin, sizeof r->origin, WSI_TOKEN_ORIGIN) <= 0)
        r->origin[0] = '\0'; /* ch_http_origin_ok read it: only a failed copy gets here */
    int chunked;
    int64_t n = content_length(wsi, &chunked);
    if (n < 0 || n > CH_API_DISCARD_MAX)
        return -1; /* not worth reading even to answer: close */
    if (chunked) {
        /* lws 4.1 does not read chunked request bodies: say so, then close (as every answer). */
        r->reject_status = 0;
        r->state = REQ_WORKING;
        ch_api_respond_error(r->id, 411, "length_required", "Send the body with a Content-Length.");
        return 0;
    }
    if (n > CH_API_BODY_MAX) {
        /* Read and drop it, then answer 413: answering before it is read
         * would have the client's unread bytes reset the connection. */
        r->body_too_large = 1;
        r->reject_status = 0; /* the size is the answer */
    }
    if (n == 0 && !chunked) {
        run_endpoint(r); /* no body is coming: lws will not report its completion */
        return 0;
    }
    r->state = REQ_RECEIVING;
    return 0;
}

static int on_body(ch_api_req *r, const void *in, size_t len)
{
    if (r->state != REQ_RECEIVING || r->body_too_large)
        return 0;
    if (r->body_len + len > CH_API_BODY_MAX) {
        r->body_too_large = 1;
        return 0;
    }
    char *b = realloc(r->body, r->body_len + len + 1);
    if (!b)
        return -1;
    r->body = b;
    memcpy(r->body + r->body_len, in, len);
    r->body_len += len;
    return 0;
}

static int close_when_sent(struct lws *wsi);

static int on_writeable(struct lws *wsi, ch_api_req *r)
{
    if (r->state == REQ_HEADERS) {
        unsigned char buf[LWS_PRE + 1536];
        unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
        if (lws_add_http_common_headers(wsi, r->status,
                                        r->content_type[0] ? r->content_type : "application/json",
                                        r->answer_len, &p, end))
            return -1;
        if (r->disposition[0]) {
            static const char cd[] = "content-disposition:";
            if (lws_add_http_header_by_name(wsi, (const unsigned char *)cd,
                                            (const unsigned char *)r->disposition,
                                            (int)strlen(r->disposition), &p, end))
                return -1;
        }
        static const char nostore[] = "no-store";
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                         (const unsigned char *)nostore, sizeof nostore - 1, &p, end))
            return -1;
        if (r->set_cookie[0] &&
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_SET_COOKIE,
                                         (const unsigned char *)r->set_cookie,
                                         (int)strlen(r->set_cookie), &p, end))
            return -1;
        if (r->status == 405 && r->allow) {
            static const char allow[] = "allow:";
            const char *a = r->allow;
            if (lws_add_http_header_by_name(wsi, (const unsigned char *)allow,
                                            (const unsigned char *)a, (int)strlen(a), &p, end))
                return -1;
        }
        sodium_memzero(r->set_cookie, sizeof r->set_cookie);
        if (lws_finalize_write_http_header(wsi, start, &p, end))
            return -1;
        r->state = REQ_BODY;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (r->state != REQ_BODY)
        return 0;
    /* A failed write changes nothing: the connection closes below either way. */
    lws_write(wsi, r->answer + LWS_PRE, r->answer_len, LWS_WRITE_HTTP_FINAL);
    ch_conn *c = r->conn;
    req_free(r);
    if (c)
        c->api_answered = 1;
    return close_when_sent(wsi);
}

/* Close once lws has sent everything: asked to close while it still holds part
 * of a write, lws 4.1 parks the connection in FLUSHING_BEFORE_CLOSE, where its
 * forced-service loop can spin for ever on it (the whole daemon stops answering)
 * and where the socket is dropped without waiting for the peer. */
static int close_when_sent(struct lws *wsi)
{
    if (lws_partial_buffered(wsi)) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    /* Then close, whatever the request asked: one request per connection (net/one_request.h). */
    return -1;
}

int ch_api_http_callback(struct lws *wsi, enum lws_callback_reasons reason, ch_conn *c, void *in,
                         size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        if (!c)
            return -1;
        return on_http(wsi, c);
    case LWS_CALLBACK_HTTP_BODY:
        if (c && c->api)
            return on_body(c->api, in, len);
        break;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        /* Also comes after an empty body (Content-Length: 0), already handled. */
        if (c && c->api) {
            if (c->api->state == REQ_RECEIVING)
                run_endpoint(c->api);
            return 0;
        }
        break;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (c && c->api)
            return on_writeable(wsi, c->api);
        if (c && c->api_answered)
            return close_when_sent(wsi);
        break;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (c && c->api)
            req_abandon(c->api);
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, c, in, len);
}
