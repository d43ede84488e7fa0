/* ice_http.c -- GET /api/ice (ice_http.h). */
#include "ice_http.h"

#include <string.h>

#include "auth/signin.h"
#include "auth/turn_credentials.h"
#include "host.h"
#include "lib/clock.h"
#include "log.h"

/* {"urls": [...]} from "a,b,c" (config.c keeps it checked, without spaces). */
static json_t *ice_server(const char *list)
{
    json_t *urls = json_array();
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        json_array_append_new(urls, json_stringn(p, n));
        p += n + (p[n] == ',');
    }
    return json_pack("{s:o}", "urls", urls);
}

void ch_ice_http_get(const ch_api_request *r)
{
    ch_auth_token tok;
    if (!ch_auth_request_user(r, &tok)) {
        ch_api_respond_error(r->id, 401, "not_signed_in", "Sign in first.");
        return;
    }
    const ch_config *cfg = &ch_the_host->cfg;
    json_t *servers = json_array();
    if (cfg->stun_urls[0])
        json_array_append_new(servers, ice_server(cfg->stun_urls));
    if (cfg->turn_urls[0]) {
        char username[CH_TURN_USERNAME_MAX], credential[CH_TURN_CREDENTIAL_MAX];
        int64_t expiry = ch_turn_expiry_s(ch_wall_ms(), cfg->turn_ttl_ms);
        if (ch_turn_credentials(cfg->turn_secret, strlen(cfg->turn_secret), tok.user.id, expiry,
                                username, sizeof username, credential, sizeof credential)) {
            ch_error("ice: cannot make TURN credentials for %s", tok.user.id);
            json_decref(servers);
            ch_api_respond_error(r->id, 500, "internal_error", "The host failed.");
            return;
        }
        json_t *turn = ice_server(cfg->turn_urls);
        json_object_set_new(turn, "username", json_string(username));
        json_object_set_new(turn, "credential", json_string(credential));
        json_array_append_new(servers, turn);
    }
    ch_api_respond(r->id, 200,
                   json_pack("{s:o, s:I, s:I}", "iceServers", servers, "ttl_s",
                             (json_int_t)ch_turn_ttl_s(cfg->turn_ttl_ms), "mesh_video_max",
                             (json_int_t)cfg->mesh_video_max),
                   NULL);
}
