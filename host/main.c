/* main.c -- carehost: parse the configuration, then run the server. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "autoconfig.h"
#include "config.h"
#include "log.h"
#include "net/protocol.h"
#include "plugins/plugin_check.h"
#include "server.h"

int main(int argc, char **argv)
{
    /* Two malloc arenas, not glibc's eight per CPU: the loop thread keeps the main one and the
     * store and sign-in workers share the other. Each extra arena keeps its own freed memory, and
     * that was most of the resident growth in bench/soak (2,000 connections: 6 to 7% after the
     * warm-up with the default; 28 MiB and flat from the second minute with two). An administrator's
     * MALLOC_ARENA_MAX still wins. Before any thread starts. */
    if (!getenv("MALLOC_ARENA_MAX"))
        mallopt(M_ARENA_MAX, 2);
    ch_config cfg;
    char err[512];
    ch_config_defaults(&cfg);
    switch (ch_config_parse_args(&cfg, argc, argv, err, sizeof err)) {
    case CH_CONFIG_HELP:
        fputs(ch_config_usage(), stdout);
        return 0;
    case CH_CONFIG_VERSION:
        printf("carehost %s (plugin ABI %d.%d, protocol %d)\n", PACKAGE_VERSION,
               CAREHOST_PLUGIN_ABI_MAJOR, CAREHOST_PLUGIN_ABI_MINOR, CH_PROTOCOL_VERSION);
        return 0;
    case CH_CONFIG_ERROR:
        fprintf(stderr, "carehost: %s\n", err);
        ch_config_free(&cfg);
        return 2;
    case CH_CONFIG_CHECK_PLUGIN: {
        /* One plugin alone: no store, no network (plugins/plugin_check.h). */
        ch_log_set_level(cfg.log_level);
        int problems = ch_plugin_check(cfg.check_plugin, &cfg, stdout);
        ch_config_free(&cfg);
        return problems ? 1 : 0;
    }
    case CH_CONFIG_RUN:
        break;
    }
    ch_log_set_level(cfg.log_level);
    /* Before any thread starts: every local time (schedules, plugins' reports) is the clinic's. */
    if (cfg.timezone[0] && setenv("TZ", cfg.timezone, 1) != 0) {
        fprintf(stderr, "carehost: cannot set the time zone %s\n", cfg.timezone);
        ch_config_free(&cfg);
        return 2;
    }
    tzset();
    int status = ch_server_run(&cfg);
    ch_config_free(&cfg);
    return status;
}
