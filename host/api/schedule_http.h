/* schedule_http.h -- the clinic's schedule over HTTP: therapists (and admins)
 * see and make sessions and enrol people in them from the browser.
 *
 *   GET  /api/sessions -> 200 {"sessions": [session...]}: a therapist's own
 *        (the sessions they lead), an admin's all; 403 for patients and family.
 *   POST /api/sessions {"kind", "title", "start" (ms since the epoch), "duration"
 *        (minutes), "weekdays" (["mon".."sun"], optional: none = once),
 *        "capacity" (optional, 0 = the kind's default), "enrol" ([usernames],
 *        optional), "therapist" (a username: an admin must name one; a
 *        therapist leads what they make)} -> 201 {"session": session}.
 *   POST /api/sessions/enrol {"session", "username"} -> 200 {"session": session}
 *        (the leading therapist or an admin; enrolling someone already
 *        enrolled changes nothing).
 *   GET  /api/people[?role=patient|family] -> 200 {"people": [person...]}
 *        (therapists and admins; disabled accounts are left out).
 *
 *   session: {"id", "kind", "title", "therapist": person, "start", "duration",
 *             "weekdays": ["mon"...], "capacity", "enrolled": [person...]}
 *   person:  {"id", "username", "display_name", "role"}
 *
 * Refusals are {"error", "message"}: 400 bad_request, 401 not_signed_in,
 * 403 forbidden (or csrf), 404 unknown_session / unknown_user, 409
 * enrolment_refused (the session's rules: full, one patient, family not linked).
 * The store's rules decide (accounts.h: ch_clinic_sessions_add, ch_enrol), on
 * the storage thread; changes are audited ("session.create", "session.enrol",
 * actor: the signed-in user) in the same transaction, and put in the session
 * registry before the answer, so the people enrolled can join at once. */
#ifndef CH_SESSIONS_HTTP_H
#define CH_SESSIONS_HTTP_H

#include "net/http_api.h"

void ch_schedule_http_list(const ch_api_request *r);
void ch_schedule_http_create(const ch_api_request *r);
void ch_schedule_http_enrol(const ch_api_request *r);
void ch_schedule_http_people(const ch_api_request *r);

#endif
