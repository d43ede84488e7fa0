/* main.c -- carehostctl: the clinic administrator's tool. Reads the global
 * options, then hands the rest of the command line to one command. */
#include <stdio.h>
#include <string.h>

#include "autoconfig.h"
#include "ctl.h"

typedef struct command {
    const char *name;
    int (*run)(ctl_ctx *ctx, int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"init", ctl_cmd_init, "init                create the data dir, database and key file"},
    {"backup", ctl_cmd_backup, "backup FILE         copy the store to FILE, online (the daemon may run)"},
    {"restore", ctl_cmd_restore, "restore FILE        replace the store with a backup (not while the daemon runs)"},
    {"audit", ctl_cmd_audit, "audit verify        check the audit trail's chain\n"
                             "  audit export        write audit entries as CSV or JSON lines"},
    {"rekey", ctl_cmd_rekey, "rekey               rotate the data key, re-encrypting every record"},
    {"user", ctl_cmd_user, "user ACTION         manage accounts: add, list, disable, enable, reset"},
    {"session", ctl_cmd_session, "session ACTION      schedule sessions and enrol people: add, list"},
    {"attendance", ctl_cmd_attendance, "attendance export   write session attendance as CSV (the attendance plugin's export)"},
    {"plugin", ctl_cmd_plugin, "plugin reload NAME  replace a plugin in the running daemon (--all: every plugin)\n"
                               "  plugin install FILE check a plugin and install it safely, then reload it\n"
                               "  plugin list         the running daemon's plugins and versions"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(void)
{
    printf("Usage: carehostctl [OPTION]... COMMAND [ARG]...\n"
           "Administer a carehost clinic's store, with the daemon's config file, data dir and key file.\n"
           "\nCommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("  %s\n", commands[i].summary);
    printf("\nOptions (also accepted after COMMAND):\n%s"
           "  --version           show the version\n"
           "\n'carehostctl COMMAND --help' describes a command.\n"
           "Exit status: 0 done, 1 the operation failed, 2 a usage error.\n",
           ctl_common_help);
}

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS,
                                         {"version", no_argument, NULL, CTL_OPT_VERSION},
                                         {NULL, 0, NULL, 0}};
    ctl_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctl_getopt_begin();
    int c;
    /* '+': stop at the command's name; what follows is the command's. */
    while ((c = getopt_long(argc, argv, "+" CTL_SHORT_OPTIONS, opts, NULL)) != -1) {
        if (c == CTL_OPT_VERSION) {
            printf("carehostctl %s (store schema %d)\n", PACKAGE_VERSION, CH_STORE_SCHEMA_VERSION);
            return CTL_EXIT_OK;
        }
        switch (ctl_common_option(&ctx, NULL, c, argv)) {
        case CTL_OPT_TAKEN:
            break;
        case CTL_OPT_SHOW_HELP:
            usage();
            return CTL_EXIT_OK;
        case CTL_OPT_BAD:
            return CTL_EXIT_USAGE;
        case CTL_OPT_NOT_MINE:
            return ctl_usage_error(NULL, "unexpected option");
        }
    }
    if (optind >= argc)
        return ctl_usage_error(NULL, "no command given");
    const char *name = argv[optind];
    /* "carehostctl help [COMMAND]" is "carehostctl [COMMAND] --help". */
    if (strcmp(name, "help") == 0) {
        if (optind + 1 >= argc) {
            usage();
            return CTL_EXIT_OK;
        }
        const command *cmd = find_command(argv[optind + 1]);
        if (!cmd)
            return ctl_usage_error(NULL, "unknown command '%s'", argv[optind + 1]);
        char *help_argv[] = {argv[optind + 1], "--help", NULL};
        return cmd->run(&ctx, 2, help_argv);
    }
    const command *cmd = find_command(name);
    if (!cmd)
        return ctl_usage_error(NULL, "unknown command '%s'", name);
    return cmd->run(&ctx, argc - optind, argv + optind);
}
