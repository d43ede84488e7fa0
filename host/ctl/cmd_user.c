/* cmd_user.c -- carehostctl user add | list | disable | enable | reset.
 *
 * Accounts are security-relevant, so every change commits together with its
 * audit entry (one transaction: no account change without its entry). Entries
 * name user ids, never a password or its hash. Passwords are hashed before the
 * transaction starts, so the write lock is not held through argon2id. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "ctl.h"

static const char usage[] =
    "Usage: carehostctl user add --username NAME --role ROLE --name \"DISPLAY NAME\" [--password-stdin]\n"
    "                            [--patient USERNAME]\n"
    "       carehostctl user list\n"
    "       carehostctl user disable USERNAME\n"
    "       carehostctl user enable USERNAME\n"
    "       carehostctl user reset USERNAME [--password-stdin]\n"
    "Manage the clinic's accounts ('carehostctl user ACTION --help' for each). Every change is\n"
    "recorded in the audit trail.\n\n";

static const char add_usage[] =
    "Usage: carehostctl user add --username NAME --role ROLE --name \"DISPLAY NAME\" [OPTION]...\n"
    "Create an account. Without --password-stdin a random 16-character password is generated\n"
    "and printed once: hand it over, it is not stored anywhere in clear.\n\n"
    "  --username NAME     3 to 64 of a-z 0-9 . _ - (case does not matter; stored lower case)\n"
    "  --role ROLE         admin, therapist, patient or family\n"
    "  --name TEXT         the display name, 1 to 64 characters\n"
    "  --password-stdin    read the password (8 or more characters) from one line of stdin\n"
    "  --patient USERNAME  for a family member: the patient who consented to them (family\n"
    "                      sessions of that patient may then enrol them)\n"
    "Passwords are hashed with argon2id (libsodium crypto_pwhash_str, interactive limits).\n\n";

static const char list_usage[] =
    "Usage: carehostctl user list [OPTION]...\n"
    "Show every account: username, display name, role, and whether it is disabled.\n\n";

static const char disable_usage[] =
    "Usage: carehostctl user disable USERNAME [OPTION]...\n"
    "Disable an account: it can no longer sign in, and its sign-in tokens are revoked.\n\n";

static const char enable_usage[] =
    "Usage: carehostctl user enable USERNAME [OPTION]...\n"
    "Enable a disabled account again.\n\n";

static const char reset_usage[] =
    "Usage: carehostctl user reset USERNAME [--password-stdin] [OPTION]...\n"
    "Set a new password and revoke the account's sign-in tokens. Without --password-stdin a\n"
    "random 16-character password is generated and printed once.\n\n"
    "  --password-stdin    read the password (8 or more characters) from one line of stdin\n\n";

enum { OPT_USERNAME = CTL_OPT_LOCAL, OPT_ROLE, OPT_NAME, OPT_PASSWORD_STDIN, OPT_PATIENT };

typedef struct user_args {
    const char *cmd;
    const char *username, *role, *name, *patient;
    int password_stdin;
} user_args;

static int own_option(int c, const char *value, void *arg)
{
    user_args *a = arg;
    switch (c) {
    case OPT_USERNAME:
        a->username = value;
        return CTL_EXIT_OK;
    case OPT_ROLE:
        if (strcmp(value, "admin") != 0 && strcmp(value, "therapist") != 0 &&
            strcmp(value, "patient") != 0 && strcmp(value, "family") != 0)
            return ctl_usage_error(a->cmd, "--role %.64s: expected admin, therapist, patient or "
                                   "family", value);
        a->role = value;
        return CTL_EXIT_OK;
    case OPT_NAME:
        a->name = value;
        return CTL_EXIT_OK;
    case OPT_PASSWORD_STDIN:
        a->password_stdin = 1;
        return CTL_EXIT_OK;
    case OPT_PATIENT:
        a->patient = value;
        return CTL_EXIT_OK;
    default:
        return ctl_usage_error(a->cmd, "unexpected option");
    }
}

/* Parse, then resolve the configuration: CTL_PARSED when the action should
 * run, else the exit status (0 after --help). operands: how many operands the
 * action takes (0 or 1); the one is returned in *operand. */
static int parse(ctl_ctx *ctx, user_args *a, int argc, char **argv, const struct option *opts,
                 const char *help, int operands, const char **operand)
{
    int rc = ctl_parse_options(ctx, a->cmd, argc, argv, opts, help, own_option, a);
    if (rc != CTL_PARSED)
        return rc;
    if (operands == 1) {
        if (optind >= argc)
            return ctl_usage_error(a->cmd, "give the USERNAME");
        *operand = argv[optind++];
    }
    if (optind < argc)
        return ctl_usage_error(a->cmd, "unexpected argument '%.64s'", argv[optind]);
    rc = ctl_resolve(ctx, a->cmd);
    return rc == CTL_EXIT_OK ? CTL_PARSED : rc;
}

/* A password from stdin, or a generated one (*generated set), hashed. */
static int new_password_hash(const user_args *a, char hash[CTL_HASH_MAX],
                             char shown[CTL_GENERATED_PASSWORD_CHARS + 1], int *generated)
{
    if (sodium_init() < 0)
        return ctl_fail(a->cmd, "libsodium failed to initialise");
    char *pw = sodium_malloc(CTL_PASSWORD_MAX + 1); /* locked, wiped on free */
    if (!pw)
        return ctl_fail(a->cmd, "out of memory");
    int rc = CTL_EXIT_OK;
    *generated = !a->password_stdin;
    if (a->password_stdin)
        rc = ctl_read_password(a->cmd, pw, CTL_PASSWORD_MAX + 1);
    else
        ctl_generate_password(shown);
    if (rc == CTL_EXIT_OK)
        rc = ctl_hash_password(a->cmd, a->password_stdin ? pw : shown, hash);
    sodium_free(pw);
    return rc;
}

/* The store's status as an exit status, with one line on stderr. */
static int store_error(const char *cmd, ch_store *st, int status)
{
    if (status == CH_STORE_INVALID)
        return ctl_usage_error(cmd, "%s", ch_store_errmsg(st));
    return ctl_fail(cmd, "%s", ch_store_errmsg(st));
}

/* Commit the open transaction together with its audit entry. */
static int commit_audited(ch_store *st, const char *cmd, const char *action, const char *target)
{
    int rc = ctl_audit(st, cmd, action, target, "ok");
    if (rc != CTL_EXIT_OK) {
        ch_store_rollback(st);
        return rc;
    }
    if (ch_store_commit(st) != CH_STORE_OK)
        return ctl_fail(cmd, "%s", ch_store_errmsg(st));
    return CTL_EXIT_OK;
}

/* The user called username: CTL_EXIT_OK, or one line and the exit status. */
static int find_user(ch_store *st, const char *cmd, const char *username, ch_user *u)
{
    int status = ch_users_get_by_username(st, username, u);
    if (status == CH_STORE_NOTFOUND)
        return ctl_fail(cmd, "no user named '%.64s'", username);
    if (status != CH_STORE_OK)
        return store_error(cmd, st, status);
    return CTL_EXIT_OK;
}

/* Inside the transaction: the account, its family link, their audit entries. */
static int add_in_transaction(ch_store *st, const user_args *a, const char *hash,
                              const ch_user *patient, ch_user *u)
{
    int status = ch_users_add(st, a->username, a->name, a->role, hash, ctl_now_ms(), u);
    if (status != CH_STORE_OK) {
        int rc = store_error(a->cmd, st, status);
        ch_store_rollback(st);
        if (status == CH_STORE_CONFLICT) /* a refused attempt is worth a line in the trail */
            ctl_audit(st, a->cmd, "account.create", a->username, "conflict");
        return rc;
    }
    int rc = ctl_audit(st, a->cmd, "account.create", u->id, "ok");
    if (rc == CTL_EXIT_OK && patient->id) {
        status = ch_family_link(st, patient->id, u->id);
        if (status != CH_STORE_OK) {
            rc = store_error(a->cmd, st, status);
        } else {
            char link[2 * 64 + 2];
            snprintf(link, sizeof link, "%s/%s", patient->id, u->id);
            rc = ctl_audit(st, a->cmd, "account.family_link", link, "ok");
        }
    }
    if (rc != CTL_EXIT_OK) {
        ch_store_rollback(st);
        return rc;
    }
    if (ch_store_commit(st) != CH_STORE_OK)
        return ctl_fail(a->cmd, "%s", ch_store_errmsg(st));
    return CTL_EXIT_OK;
}

static int add(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS,
                                         {"username", required_argument, NULL, OPT_USERNAME},
                                         {"role", required_argument, NULL, OPT_ROLE},
                                         {"name", required_argument, NULL, OPT_NAME},
                                         {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
                                         {"patient", required_argument, NULL, OPT_PATIENT},
                                         {NULL, 0, NULL, 0}};
    user_args a = {.cmd = "user add"};
    int rc = parse(ctx, &a, argc, argv, opts, add_usage, 0, NULL);
    if (rc != CTL_PARSED)
        return rc;
    if (!a.username)
        return ctl_usage_error(a.cmd, "give --username");
    if (!a.role)
        return ctl_usage_error(a.cmd, "give --role (admin, therapist, patient or family)");
    if (!a.name)
        return ctl_usage_error(a.cmd, "give --name (the display name)");
    if (a.patient && strcmp(a.role, "family") != 0)
        return ctl_usage_error(a.cmd, "--patient is for --role family");

    char hash[CTL_HASH_MAX], shown[CTL_GENERATED_PASSWORD_CHARS + 1];
    int generated = 0;
    if ((rc = new_password_hash(&a, hash, shown, &generated)) != CTL_EXIT_OK)
        return rc;
    ch_store *st = NULL;
    ch_user u, patient;
    memset(&u, 0, sizeof u);
    memset(&patient, 0, sizeof patient);
    if ((rc = ctl_open_store(ctx, a.cmd, 0, &st)) != CTL_EXIT_OK ||
        (a.patient && (rc = find_user(st, a.cmd, a.patient, &patient)) != CTL_EXIT_OK))
        goto out;
    if (a.patient && strcmp(patient.role, "patient") != 0) {
        rc = ctl_usage_error(a.cmd, "--patient %.64s: that user is not a patient (role %s)", a.patient,
                             patient.role);
        goto out;
    }
    if (ch_store_begin(st) != CH_STORE_OK) {
        rc = ctl_fail(a.cmd, "%s", ch_store_errmsg(st));
        goto out;
    }
    rc = add_in_transaction(st, &a, hash, &patient, &u);
    if (rc == CTL_EXIT_OK) {
        printf("added %s user %s (%s)\n", u.role, u.username, u.id);
        if (patient.id)
            printf("linked %s to patient %s\n", u.username, patient.username);
        if (generated)
            printf("password for %s (shown only now): %s\n", u.username, shown);
    }
out:
    sodium_memzero(shown, sizeof shown);
    sodium_memzero(hash, sizeof hash);
    ch_user_clear(&u);
    ch_user_clear(&patient);
    ch_store_close(st);
    return rc;
}

static int list(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    user_args a = {.cmd = "user list"};
    int rc = parse(ctx, &a, argc, argv, opts, list_usage, 0, NULL);
    if (rc != CTL_PARSED)
        return rc;
    ch_store *st = NULL;
    if ((rc = ctl_open_store(ctx, a.cmd, 0, &st)) != CTL_EXIT_OK)
        return rc;
    json_t *users = NULL;
    int status = ch_users_list(st, &users);
    if (status != CH_STORE_OK) {
        rc = store_error(a.cmd, st, status);
        ctl_audit(st, a.cmd, "account.list", "users", "failed");
        ch_store_close(st);
        return rc;
    }
    static const char *const headers[] = {"USERNAME", "NAME", "ROLE", "DISABLED"};
    ctl_table *t = ctl_table_new(4, headers);
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u) {
        const char *cells[] = {json_string_value(json_object_get(u, "username")),
                               json_string_value(json_object_get(u, "display_name")),
                               json_string_value(json_object_get(u, "role")),
                               json_is_true(json_object_get(u, "disabled")) ? "yes" : "no"};
        if (t && ctl_table_add(t, cells) != 0) {
            ctl_table_free(t);
            t = NULL;
        }
    }
    json_decref(users);
    /* Reading the account list is audited like reading records. */
    rc = ctl_audit(st, a.cmd, "account.list", "users", t ? "ok" : "failed");
    if (!t)
        rc = ctl_fail(a.cmd, "out of memory");
    else if (rc == CTL_EXIT_OK)
        ctl_table_print(t, stdout);
    ctl_table_free(t);
    ch_store_close(st);
    return rc;
}

/* disable and enable. */
static int set_disabled(ctl_ctx *ctx, int argc, char **argv, int disabled)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    user_args a = {.cmd = disabled ? "user disable" : "user enable"};
    const char *username = NULL;
    int rc = parse(ctx, &a, argc, argv, opts, disabled ? disable_usage : enable_usage, 1,
                   &username);
    if (rc != CTL_PARSED)
        return rc;
    ch_store *st = NULL;
    if ((rc = ctl_open_store(ctx, a.cmd, 0, &st)) != CTL_EXIT_OK)
        return rc;
    ch_user u;
    memset(&u, 0, sizeof u);
    if ((rc = find_user(st, a.cmd, username, &u)) != CTL_EXIT_OK)
        goto out;
    if (ch_store_begin(st) != CH_STORE_OK) {
        rc = ctl_fail(a.cmd, "%s", ch_store_errmsg(st));
        goto out;
    }
    int status = ch_users_set_disabled(st, u.id, disabled);
    /* A disabled account is signed out everywhere, at once. */
    if (status == CH_STORE_OK && disabled)
        status = ch_tokens_revoke_user(st, u.id);
    if (status != CH_STORE_OK) {
        rc = store_error(a.cmd, st, status);
        ch_store_rollback(st);
        goto out;
    }
    rc = commit_audited(st, a.cmd, disabled ? "account.disable" : "account.enable", u.id);
    if (rc == CTL_EXIT_OK)
        printf("%s %s\n", disabled ? "disabled" : "enabled", u.username);
out:
    ch_user_clear(&u);
    ch_store_close(st);
    return rc;
}

static int reset(ctl_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {CTL_COMMON_OPTIONS,
                                         {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
                                         {NULL, 0, NULL, 0}};
    user_args a = {.cmd = "user reset"};
    const char *username = NULL;
    int rc = parse(ctx, &a, argc, argv, opts, reset_usage, 1, &username);
    if (rc != CTL_PARSED)
        return rc;
    ch_store *st = NULL;
    if ((rc = ctl_open_store(ctx, a.cmd, 0, &st)) != CTL_EXIT_OK)
        return rc;
    ch_user u;
    memset(&u, 0, sizeof u);
    char hash[CTL_HASH_MAX] = "", shown[CTL_GENERATED_PASSWORD_CHARS + 1] = "";
    int generated = 0;
    /* The user first: no point asking for a password for nobody. */
    if ((rc = find_user(st, a.cmd, username, &u)) != CTL_EXIT_OK ||
        (rc = new_password_hash(&a, hash, shown, &generated)) != CTL_EXIT_OK)
        goto out;
    if (ch_store_begin(st) != CH_STORE_OK) {
        rc = ctl_fail(a.cmd, "%s", ch_store_errmsg(st));
        goto out;
    }
    int status = ch_users_set_password(st, u.id, hash);
    if (status == CH_STORE_OK) /* whoever knew the old password is signed out */
        status = ch_tokens_revoke_user(st, u.id);
    if (status != CH_STORE_OK) {
        rc = store_error(a.cmd, st, status);
        ch_store_rollback(st);
        goto out;
    }
    rc = commit_audited(st, a.cmd, "account.password_reset", u.id);
    if (rc == CTL_EXIT_OK) {
        printf("reset the password of %s; their sign-ins are revoked\n", u.username);
        if (generated)
            printf("password for %s (shown only now): %s\n", u.username, shown);
    }
out:
    sodium_memzero(shown, sizeof shown);
    sodium_memzero(hash, sizeof hash);
    ch_user_clear(&u);
    ch_store_close(st);
    return rc;
}

int ctl_cmd_user(ctl_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return ctl_usage_error("user", "give an action: add, list, disable, enable or reset");
    const char *action = argv[1];
    if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0) {
        printf("%s%s", usage, ctl_common_help);
        return CTL_EXIT_OK;
    }
    if (strcmp(action, "add") == 0)
        return add(ctx, argc - 1, argv + 1);
    if (strcmp(action, "list") == 0)
        return list(ctx, argc - 1, argv + 1);
    if (strcmp(action, "disable") == 0)
        return set_disabled(ctx, argc - 1, argv + 1, 1);
    if (strcmp(action, "enable") == 0)
        return set_disabled(ctx, argc - 1, argv + 1, 0);
    if (strcmp(action, "reset") == 0)
        return reset(ctx, argc - 1, argv + 1);
    if (action[0] == '-')
        return ctl_usage_error("user", "give the action (add, list, disable, enable or reset) "
                               "before '%.64s'", action);
    return ctl_usage_error("user", "unknown action '%.64s': expected add, list, disable, enable "
                           "or reset", action);
}
