/* origin.c -- see origin.h. */
#include "origin.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define AUTHORITY_MAX 300

/* Lower-case an authority (host[:port]) into out, dropping the scheme's
 * default port. -1 when it is empty, too long, or holds anything but a host
 * and port. */
static int normalise(const char *in, size_t len, int https, char out[AUTHORITY_MAX])
{
    if (len == 0 || len >= AUTHORITY_MAX)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (!isalnum(ch) && !strchr(".-_:[]", ch))
            return -1;
        out[i] = (char)tolower(ch);
    }
    out[len] = '\0';
    const char *def = https ? ":443" : ":80";
    size_t dl = strlen(def);
    if (len > dl && strcmp(out + len - dl, def) == 0)
        out[len - dl] = '\0';
    return out[0] ? 0 : -1;
}

int ch_origin_matches(const char *origin, const char *host, int tls, int behind_proxy)
{
    if (!origin || !host)
        return 0;
    int https;
    const char *rest;
    if (strncasecmp(origin, "https://", 8) == 0) {
        https = 1;
        rest = origin + 8;
    } else if (strncasecmp(origin, "http://", 7) == 0) {
        https = 0;
        rest = origin + 7;
    } else {
        return 0;
    }
    if (tls ? !https : (https && !behind_proxy))
        return 0;
    char a[AUTHORITY_MAX], b[AUTHORITY_MAX];
    if (normalise(rest, strlen(rest), https, a) || normalise(host, strlen(host), https, b))
        return 0;
    return strcmp(a, b) == 0;
}
