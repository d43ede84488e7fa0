/* plugin_exports.h -- plugins' downloads over HTTP (plugin ABI 1.3:
 * register_export, export_respond).
 *
 * GET /api/<plugin><suffix>?<query>: the host checks the sign-in (401) and the
 * role the plugin allowed (403), writes the request to the audit trail
 * (action "export.<plugin><suffix>", target the query, outcome "ok" or
 * "forbidden"), then calls the plugin, which answers with export_respond,
 * now or after its record reads. Loop thread only. */
#ifndef CH_PLUGIN_EXPORTS_H
#define CH_PLUGIN_EXPORTS_H

#include <stddef.h>

#include "net/http_api.h"
#include "carehost/plugin.h"

int ch_plugin_export_register(carehost_plugin_ctx *ctx, const char *suffix, unsigned roles,
                              carehost_export_fn fn);
int ch_plugin_export_respond(carehost_plugin_ctx *ctx, carehost_export req, int status,
                             const char *content_type, const char *filename, const char *body,
                             size_t len);
/* Whether uri (uri_len bytes, e.g. "/api/attendance.csv") is a registered export. */
int ch_plugin_export_known(const char *uri, int uri_len);
/* The endpoint (api/routes.c routes to it): r->rest is the path after "/api/". */
void ch_plugin_export_http(const ch_api_request *r);
/* Downloads asked of plugin instance ctx that it has not answered yet. */
size_t ch_plugin_exports_pending(const carehost_plugin_ctx *ctx);
/* Answer each of them 503 with the error code and message (the instance is
 * going away); returns how many. */
size_t ch_plugin_exports_fail(const carehost_plugin_ctx *ctx, const char *code, const char *message);
/* Forget a plugin's exports and answer its pending ones 503 "The server is
 * shutting down" (before unloading it: a reload has answered them already). */
void ch_plugin_exports_forget(carehost_plugin_ctx *ctx);

#endif
