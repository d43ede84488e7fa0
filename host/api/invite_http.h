/* invite_http.h -- invites over HTTP: a therapist makes a single-use link, the
 * person invited opens it (web/invite.html) and chooses a display name and a
 * passphrase, and is signed in.
 *
 *   POST /api/invites {"username", "role": "patient"|"family", "patient"}
 *        (a signed-in therapist or admin; "patient", the patient's username, for
 *        role family only) -> 201 {"link": "<origin>/invite/<token>", "expires"};
 *        401 not_signed_in, 403 forbidden, 409 username_taken, 400 bad_request.
 *   GET  /api/invites/<token> -> 200 {"username", "role", "expires"}, or 410
 *        {"error": "used"|"expired", "message": a kind sentence}, or 404.
 *   POST /api/invites/<token>/accept {"display_name", "passphrase"} -> 200
 *        {"user": ...} with the carehost_session cookie; 410 and 404 as above.
 *
 * The token (32 random bytes, base64url) appears only in the answer to the
 * therapist and in the link; the store keeps its BLAKE2b-256 hash, and neither
 * the log nor the audit trail sees it. The link works for --invite-hours. */
#ifndef CH_INVITE_HTTP_H
#define CH_INVITE_HTTP_H

#include "net/http_api.h"

void ch_invite_http_create(const ch_api_request *r);   /* invite_create.c */
void ch_invite_http_check(const ch_api_request *r);    /* invite_redeem.c */
void ch_invite_http_accept(const ch_api_request *r);   /* invite_redeem.c */

#endif
