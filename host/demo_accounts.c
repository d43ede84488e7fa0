/* demo_accounts.c -- the demo clinic. Every name is invented; the passwords are
 * public (README) and their argon2id hashes are precomputed, so seeding costs
 * nothing at start. */
#include "demo_accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/accounts.h"

/* crypto_pwhash_str (argon2id, OPSLIMIT/MEMLIMIT_INTERACTIVE) of the demo passphrases below. */
#define HASH_ADMIN "$argon2id$v=19$m=65536,t=2,p=1$Kwkizl142P+VQ9Q0hfZ6eQ$+SIv/6NqeVu7A3M0F+WyP2W70/m8W4jrZE9uXKeE1PE"
#define HASH_THERAPIST "$argon2id$v=19$m=65536,t=2,p=1$w842FLjRvTfaoKduZTRT8A$967h1qmSXuP/62CaaVzvbb0ywDSahnjhslzo2B2uU4I"
#define HASH_PATIENT "$argon2id$v=19$m=65536,t=2,p=1$FaJ0wlhWpkSpmeuEl64sYA$SWlt6um1Xi0HidMbtpK1kOIajmhYAE38y9Bgy6WLCrg"
#define HASH_FAMILY "$argon2id$v=19$m=65536,t=2,p=1$B50cv+kUFCOb9DldZm+FFQ$QDC4Y4k9QLLMyb2obQs6qDRugqBFFkeeNU9eHNMUDTc"

#define PASS_ADMIN "demo-admin-pass"
#define PASS_THERAPIST "demo-therapist-pass"
#define PASS_PATIENT "demo-patient-pass"
#define PASS_FAMILY "demo-family-pass"

static const struct {
    const char *username, *name, *role, *hash, *passphrase;
} people[] = {
    {"admin", "Morgan Lee (clinic admin)", "admin", HASH_ADMIN, PASS_ADMIN},
    {"dr.rivera", "Dr. Sam Rivera", "therapist", HASH_THERAPIST, PASS_THERAPIST},
    {"dr.chen", "Dr. Alex Chen", "therapist", HASH_THERAPIST, PASS_THERAPIST},
    {"jordan", "Jordan", "patient", HASH_PATIENT, PASS_PATIENT},
    {"casey", "Casey", "patient", HASH_PATIENT, PASS_PATIENT},
    {"riley", "Riley", "patient", HASH_PATIENT, PASS_PATIENT},
    {"avery", "Avery", "patient", HASH_PATIENT, PASS_PATIENT},
    {"quinn", "Quinn", "patient", HASH_PATIENT, PASS_PATIENT},
    {"taylor", "Taylor", "patient", HASH_PATIENT, PASS_PATIENT},
    {"pat", "Pat (Jordan's parent)", "family", HASH_FAMILY, PASS_FAMILY},
};
enum { NPEOPLE = sizeof people / sizeof people[0] };

static int seeded_now; /* this run added the clinic (ch_demo_accounts_announce) */

/* The first meeting, in ms since the epoch, of a weekly session at hh:mm local time for
 * duration_min minutes on the weekdays given (CH_WEEKDAY_*, Monday bit 0): today's if today is one of
 * them and that meeting has not ended, else the next such day's. A session's start is its first
 * meeting, so it must fall on one of its days. */
static int64_t first_meeting(int hour, int minute, int duration_min, unsigned weekdays)
{
    time_t now = time(NULL);
    struct tm today;
    localtime_r(&now, &today);
    for (int day = 0; day <= 7; day++) {
        struct tm tm = today;
        tm.tm_mday += day;
        tm.tm_hour = hour;
        tm.tm_min = minute;
        tm.tm_sec = 0;
        tm.tm_isdst = -1;
        time_t start = mktime(&tm); /* normalises the date and sets tm_wday */
        unsigned bit = 1u << ((tm.tm_wday + 6) % 7);
        if ((weekdays & bit) && start + (time_t)duration_min * 60 > now)
            return (int64_t)start * 1000;
    }
    return (int64_t)now * 1000; /* no weekday given: not a weekly session */
}

int ch_demo_accounts_seed(ch_store *st, char *err, size_t errlen)
{
    json_t *users = NULL;
    if (ch_users_list(st, &users) != CH_STORE_OK) {
        snprintf(err, errlen, "demo: %s", ch_store_errmsg(st));
        return -1;
    }
    size_t existing = json_array_size(users);
    json_decref(users);
    if (existing)
        return 0; /* seeded before, or a real clinic: never touch it */

    int64_t now = (int64_t)time(NULL) * 1000;
    char *id[NPEOPLE] = {0};
    int rc = ch_store_begin(st) == CH_STORE_OK ? 0 : -1;
    for (int i = 0; rc == 0 && i < NPEOPLE; i++) {
        ch_user u = {0};
        if (ch_users_add(st, people[i].username, people[i].name, people[i].role, people[i].hash,
                         now, &u) != CH_STORE_OK)
            rc = -1;
        id[i] = u.id;
        u.id = NULL;
        ch_user_clear(&u);
        /* Account changes are security events; the caller audits them (accounts.h). */
        ch_audit_entry e = {.time_ms = now, .actor = "system:demo", .role = "", .action = "account.create",
                            .target = id[i] ? id[i] : "", .outcome = "ok", .address = ""};
        if (rc == 0 && ch_audit_append(st, &e) != CH_STORE_OK)
            rc = -1;
    }
    /* Indices into people[]: 1 dr.rivera, 2 dr.chen, 3..8 patients, 9 pat (Jordan's family). */
    if (rc == 0 && ch_family_link(st, id[3], id[9]) != CH_STORE_OK)
        rc = -1;
    const char *group[] = {id[3], id[4], id[5], id[6], id[7], id[8], NULL};
    const char *individual[] = {id[4], NULL};
    const char *family[] = {id[3], id[9], NULL};
    enum { GROUP_DAYS = CH_WEEKDAY_MON | CH_WEEKDAY_WED | CH_WEEKDAY_THU };
    const struct {
        ch_clinic_session s;
        const char *const *enrolled;
    } sessions[] = {
        {{"evening-iop", "group", "Evening IOP group \xe2\x80\x94 Mon/Wed/Thu 18:00\xe2\x80\x93" "21:00",
          id[1], first_meeting(18, 0, 180, GROUP_DAYS), 180, GROUP_DAYS, 0},
         group},
        {{"individual-demo", "individual", "Individual session \xe2\x80\x94 Dr. Chen and Casey",
          id[2], first_meeting(16, 0, 50, CH_WEEKDAY_TUE), 50, CH_WEEKDAY_TUE, 0},
         individual},
        {{"family-demo", "family", "Family session \xe2\x80\x94 Jordan and Pat", id[1],
          first_meeting(17, 0, 60, CH_WEEKDAY_FRI), 60, CH_WEEKDAY_FRI, 0},
         family},
    };
    for (size_t i = 0; rc == 0 && i < sizeof sessions / sizeof sessions[0]; i++)
        if (ch_clinic_sessions_add(st, &sessions[i].s, sessions[i].enrolled, now, NULL) != CH_STORE_OK)
            rc = -1;
    if (rc == 0)
        rc = ch_store_commit(st) == CH_STORE_OK ? 0 : -1;
    seeded_now = rc == 0;
    if (rc != 0) {
        snprintf(err, errlen, "demo: %s", ch_store_errmsg(st));
        ch_store_rollback(st);
    }
    for (int i = 0; i < NPEOPLE; i++)
        free(id[i]);
    return rc;
}

void ch_demo_accounts_announce(FILE *out, int tls, const char *host, int port)
{
    /* A wildcard address is reached through loopback. */
    if (strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    int v6 = strchr(host, ':') != NULL;
    fprintf(out, "carehost: open %s://%s%s%s:%d/\n", tls ? "https" : "http", v6 ? "[" : "", host,
            v6 ? "]" : "", port);
    if (!seeded_now) {
        fputs("carehost: --demo added no one: this store already had accounts (the demo clinic's logins "
              "are in README.md, \"Demo clinic\")\n", out);
    } else {
        fputs("carehost: the fictional demo clinic is ready; sign in as one of (shown once, and in README.md):\n",
              out);
        fprintf(out, "  %-10s  %-20s  %s\n", "username", "passphrase", "role");
        for (int i = 0; i < NPEOPLE; i++)
            fprintf(out, "  %-10s  %-20s  %s\n", people[i].username, people[i].passphrase, people[i].role);
        fputs("carehost: a second window of the same browser shares its sign-in: sign in as someone "
              "else in a private window or another browser\n", out);
    }
    fflush(out);
}
