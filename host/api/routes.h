/* routes.h -- every endpoint under /api, in one table the server hands to the
 * HTTP framework (net/http_api.h: ch_api_serve). An endpoint is added here and
 * in the file that answers it, never in the framework. */
#ifndef CH_ROUTES_H
#define CH_ROUTES_H

#include <stddef.h>

#include "net/http_api.h"

extern const ch_api_route ch_api_routes[];
extern const size_t ch_api_route_count;

#endif
