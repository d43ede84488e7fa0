/* http_host.c -- libFuzzer harness: the request headers the host parses itself before any
 * endpoint: Host (host/lib/host_header.c, the DNS-rebinding check) and Origin
 * (host/net/origin.c, the CSRF check). Input: "host\norigin\npublic-hosts", each optional. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/host_header.h"
#include "net/origin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *host = text;
    char *origin = strchr(host, '\n');
    if (origin)
        *origin++ = '\0';
    char *public_hosts = origin ? strchr(origin, '\n') : NULL;
    if (public_hosts)
        *public_hosts++ = '\0';
    const char *names = public_hosts && ch_host_names_valid(public_hosts) ? public_hosts : "clinic.example";
    (void)ch_host_header_allowed(host, names);
    (void)ch_host_header_allowed(host, "");
    if (origin) {
        for (int tls = 0; tls < 2; tls++)
            for (int proxy = 0; proxy < 2; proxy++)
                (void)ch_origin_matches(origin, host, tls, proxy);
    }
    free(text);
    return 0;
}
