/* ice_http.h -- the ICE servers a browser's RTCPeerConnection uses, with
 * short-lived TURN credentials for whoever asks (README "ICE servers (STUN/TURN)").
 *
 *   GET /api/ice -> 200 {"iceServers": [{"urls": [stun...]},
 *                                       {"urls": [turn...], "username", "credential"}],
 *                        "ttl_s": N, "mesh_video_max": N}
 *
 * For any signed-in account (401 not_signed_in otherwise). The STUN entry is
 * there when --stun is set, the TURN entry when --turn is (its credentials in
 * coturn's REST-API scheme, auth/turn_credentials.h, for the signed-in user's
 * id, expiring ttl_s from now); "iceServers" is [] when neither is: host
 * candidates then work on a LAN and on loopback. */
#ifndef CH_ICE_HTTP_H
#define CH_ICE_HTTP_H

#include "net/http_api.h"

void ch_ice_http_get(const ch_api_request *r);

#endif
