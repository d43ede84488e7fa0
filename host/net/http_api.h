/* http_api.h -- the framework of the JSON endpoints under /api: one request at a
 * time per HTTP connection, answered now or later.
 *
 * lws hands every /api path to the carehost protocol (a LWSMPRO_CALLBACK mount). This
 * file reads the request (method, path, cookie, client address, a JSON body of
 * at most CH_API_BODY_MAX bytes), enforces the CSRF rule, finds the endpoint in
 * the route table it was handed (api/routes.c: adding an endpoint never edits
 * this file), calls it,
 * and writes its answer when the endpoint calls ch_api_respond -- possibly
 * after store and pool jobs, long after the callback returned. Requests are
 * named by id, never by pointer: an answer for a request whose connection has
 * gone is dropped.
 *
 * CSRF: every POST needs Content-Type: application/json and an Origin equal to
 * the origin served (origin.h); otherwise 403 {"error":"csrf"}. A page on
 * another site can send neither without a CORS preflight, which carehost never
 * grants. */
#ifndef CH_API_HTTP_H
#define CH_API_HTTP_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stdint.h>

#include "conn.h"

#define CH_API_BODY_MAX 4096
#define CH_API_MAX_PENDING 1024   /* requests in progress at once; more get 503 */
#define CH_API_ANSWER_MAX_S 300   /* how long an endpoint (a plugin's export) may take to answer */
#define CH_API_SESSION_HASH_BYTES 32

typedef enum { CH_API_GET, CH_API_POST } ch_api_method;

/* What an endpoint sees of its request (valid during the endpoint call). */
typedef struct ch_api_request {
    uint64_t id;
    ch_api_method method;
    const json_t *body;       /* POST: the JSON object sent; GET: NULL */
    const char *address;      /* the client's address */
    int has_session;          /* a well-formed sign-in cookie came (ch_api_serve) */
    unsigned char session_hash[CH_API_SESSION_HASH_BYTES]; /* its hash */
    int secure;               /* cookies set on the answer need Secure */
    const char *rest;         /* a prefix route: the path after the prefix; else "" */
    const char *origin;       /* POST: the Origin sent (checked equal to the origin served) */
    const char *query;        /* the arguments after '?', URL-decoded, joined by '&'; "" when none */
} ch_api_request;

/* One endpoint: a method on a path. A prefix route's path ends in '/' and takes
 * whatever non-empty rest follows (ch_api_request.rest); claims, when set, says
 * which of those paths it serves (a plugin's downloads), the others falling
 * through to the routes after it. Routes are tried in order. */
typedef struct ch_api_route {
    const char *path;
    ch_api_method method;
    void (*endpoint)(const ch_api_request *r);
    int prefix;
    int (*claims)(const char *uri, int uri_len);
} ch_api_route;

/* Serve routes (n of them, kept, not copied). Requests carry the sign-in cookie
 * cookie_name as the hash hash_cookie makes of its value (0, or -1 for a value
 * that cannot be a sign-in). Call once, before serving. */
void ch_api_serve(const ch_api_route *routes, size_t n, const char *cookie_name,
                  int (*hash_cookie)(const char *value, unsigned char hash[CH_API_SESSION_HASH_BYTES]));

/* Handle the HTTP callback reasons of /api requests; returns what lws expects.
 * Reasons that are not about an /api request go to lws's default handler. */
int ch_api_http_callback(struct lws *wsi, enum lws_callback_reasons reason, ch_conn *c, void *in,
                         size_t len);

/* Answer request id: status, a JSON body (the reference is stolen), and an
 * optional Set-Cookie value. Does nothing when the request is gone. */
void ch_api_respond(uint64_t id, unsigned status, json_t *body, const char *set_cookie);
/* Answer with any body (copied): content_type, and filename (optional) for a
 * Content-Disposition: attachment. For exports (plugin_exports.h). */
void ch_api_respond_raw(uint64_t id, unsigned status, const char *content_type, const char *filename,
                        const char *body, size_t len);
/* {"error": code, "message": message} */
void ch_api_respond_error(uint64_t id, unsigned status, const char *code, const char *message);

/* Called if request id goes away (the client closed) before it was answered,
 * so the endpoint can drop what it holds for it; cleared by passing NULL. */
void ch_api_on_abort(uint64_t id, void (*fn)(void *arg), void *arg);

/* Requests in progress. */
size_t ch_api_pending(void);

#endif
