/* routes.c -- see routes.h. Tried in order: a plugin's downloads come last, so
 * they can never shadow the host's own endpoints. */
#include "routes.h"

#include "ice_http.h"
#include "invite_http.h"
#include "plugin_api/plugin_exports.h"
#include "schedule_http.h"
#include "signin_http.h"

const ch_api_route ch_api_routes[] = {
    {"/api/login", CH_API_POST, ch_auth_http_login, 0, NULL},
    {"/api/logout", CH_API_POST, ch_auth_http_logout, 0, NULL},
    {"/api/me", CH_API_GET, ch_auth_http_me, 0, NULL},
    {"/api/invites", CH_API_POST, ch_invite_http_create, 0, NULL},
    {"/api/invites/", CH_API_GET, ch_invite_http_check, 1, NULL},
    {"/api/invites/", CH_API_POST, ch_invite_http_accept, 1, NULL},
    {"/api/sessions", CH_API_GET, ch_schedule_http_list, 0, NULL},
    {"/api/sessions", CH_API_POST, ch_schedule_http_create, 0, NULL},
    {"/api/sessions/enrol", CH_API_POST, ch_schedule_http_enrol, 0, NULL},
    {"/api/people", CH_API_GET, ch_schedule_http_people, 0, NULL},
    {"/api/ice", CH_API_GET, ch_ice_http_get, 0, NULL},
    /* GET /api/<plugin><suffix>: what a plugin registered (plugin_exports.h). */
    {"/api/", CH_API_GET, ch_plugin_export_http, 1, ch_plugin_export_known},
};

const size_t ch_api_route_count = sizeof ch_api_routes / sizeof ch_api_routes[0];
