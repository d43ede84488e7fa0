/* host_header.c -- see host_header.h. */
#include "host_header.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_BYTES 253

/* "name" out of "name:port", "[v6]:port" or "name"; 0, or -1 when malformed.
 * *literal is set when it was a bracketed IPv6 address. */
static int host_name(const char *host, char out[NAME_MAX_BYTES + 1], int *literal)
{
    *literal = 0;
    size_t len;
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        if (!end || (end[1] && end[1] != ':'))
            return -1;
        len = (size_t)(end - host - 1);
        if (len == 0 || len > NAME_MAX_BYTES)
            return -1;
        memcpy(out, host + 1, len);
        out[len] = '\0';
        struct in6_addr a6;
        if (inet_pton(AF_INET6, out, &a6) != 1)
            return -1;
        *literal = 1;
        return 0;
    }
    const char *colon = strchr(host, ':');
    len = colon ? (size_t)(colon - host) : strlen(host);
    if (colon && colon[1 + strspn(colon + 1, "0123456789")] != '\0')
        return -1; /* a port is digits only */
    if (len == 0 || len > NAME_MAX_BYTES)
        return -1;
    memcpy(out, host, len);
    out[len] = '\0';
    while (len > 1 && out[len - 1] == '.') /* "localhost." is localhost */
        out[--len] = '\0';
    return 0;
}

static int listed(const char *name, const char *list)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncasecmp(p, name, n) == 0)
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

int ch_host_header_allowed(const char *host, const char *public_hosts)
{
    if (!host || !*host)
        return 1;
    char name[NAME_MAX_BYTES + 1];
    int literal;
    if (host_name(host, name, &literal))
        return 0;
    if (literal)
        return 1;
    struct in_addr a4;
    if (inet_pton(AF_INET, name, &a4) == 1)
        return 1;
    size_t n = strlen(name);
    if (strcasecmp(name, "localhost") == 0 || (n > 10 && strcasecmp(name + n - 10, ".localhost") == 0))
        return 1;
    return listed(name, public_hosts);
}

int ch_host_names_valid(const char *list)
{
    if (!list || !*list)
        return 0;
    for (const char *p = list; p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0 || len > NAME_MAX_BYTES)
            return 0;
        for (size_t i = 0; i < len; i++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", p[i]))
                return 0;
        p = comma ? comma + 1 : NULL;
    }
    return 1;
}
