/* test_workpool.c -- the work pool (host/workpool.h): jobs run on pool threads,
 * `done` only inside ch_workpool_complete on the calling thread, the wake
 * callback fires, stop finishes what was queued; and argon2id hashing through
 * ch_password_hash / ch_password_verify. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "auth/workpool.h"

static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static int wakes;

static void wake(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&wake_lock);
    wakes++;
    pthread_cond_signal(&wake_cond);
    pthread_mutex_unlock(&wake_lock);
}

typedef struct item {
    pthread_t ran_on;
    pthread_t done_on;
    int ran;
    int done_calls;
    int ran_before_done;
    int gate;            /* the job waits until this is set (guarded by gate_lock) */
} item;

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;

static void work(void *arg)
{
    item *it = arg;
    pthread_mutex_lock(&gate_lock);
    while (it->gate == 0)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    it->ran_on = pthread_self();
    it->ran = 1;
}

static void done(void *arg)
{
    item *it = arg;
    it->done_on = pthread_self();
    it->ran_before_done = it->ran;
    it->done_calls++;
}

static void open_gate(item *it, size_t n)
{
    pthread_mutex_lock(&gate_lock);
    for (size_t i = 0; i < n; i++)
        it[i].gate = 1;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
}

/* Complete until `expected` dones ran; every wait has a 10 s deadline. */
static void complete_all(ch_workpool *p, size_t expected)
{
    size_t n = 0;
    while (n < expected) {
        pthread_mutex_lock(&wake_lock);
        while (wakes == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 10;
            ck_assert_msg(pthread_cond_timedwait(&wake_cond, &wake_lock, &ts) == 0,
                          "the pool never woke the loop (%zu of %zu done)", n, expected);
        }
        wakes = 0;
        pthread_mutex_unlock(&wake_lock);
        n += ch_workpool_complete(p);
    }
    ck_assert_uint_eq(n, expected);
}

START_TEST(jobs_run_on_pool_threads_and_done_only_in_complete)
{
    wakes = 0;
    ch_workpool *p = ch_workpool_start(2, wake, NULL);
    ck_assert_ptr_nonnull(p);
    enum { N = 8 };
    item it[N];
    memset(it, 0, sizeof it);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(ch_workpool_submit(p, work, done, &it[i]), 0);
    /* Nothing has run yet (the gate is closed), so nothing can be complete. */
    ck_assert_uint_eq(ch_workpool_complete(p), 0);
    open_gate(it, N);
    complete_all(p, N);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(it[i].done_calls, 1);
        ck_assert_int_eq(it[i].ran_before_done, 1);
        ck_assert(!pthread_equal(it[i].ran_on, pthread_self()));
        ck_assert(pthread_equal(it[i].done_on, pthread_self()));
    }
    ck_assert_uint_eq(ch_workpool_complete(p), 0);
    ch_workpool_stop(p);
}
END_TEST

/* Two jobs that each wait for the other prove two threads run at once. */
typedef struct pair {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int arrived;
    int both_seen;
} pair;

static void meet(void *arg)
{
    pair *pr = arg;
    pthread_mutex_lock(&pr->lock);
    pr->arrived++;
    pthread_cond_broadcast(&pr->cond);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    while (pr->arrived < 2)
        if (pthread_cond_timedwait(&pr->cond, &pr->lock, &ts))
            break;
    if (pr->arrived >= 2)
        pr->both_seen++;
    pthread_mutex_unlock(&pr->lock);
}

static void meet_done(void *arg) { (void)arg; }

START_TEST(two_threads_by_default)
{
    wakes = 0;
    ch_workpool *p = ch_workpool_start(0, wake, NULL);
    ck_assert_ptr_nonnull(p);
    pair pr = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    ck_assert_int_eq(ch_workpool_submit(p, meet, meet_done, &pr), 0);
    ck_assert_int_eq(ch_workpool_submit(p, meet, meet_done, &pr), 0);
    complete_all(p, 2);
    ck_assert_int_eq(pr.both_seen, 2);
    ch_workpool_stop(p);
}
END_TEST

/* Pool threads run below the loop's priority, so argon2id cannot starve sessions. */
static int job_nice = -100;
static void read_nice(void *arg)
{
    (void)arg;
    errno = 0;
    job_nice = getpriority(PRIO_PROCESS, (id_t)gettid());
}

START_TEST(pool_threads_yield_to_the_loop)
{
    wakes = 0;
    int loop_nice = getpriority(PRIO_PROCESS, (id_t)gettid());
    ch_workpool *p = ch_workpool_start(1, wake, NULL);
    ck_assert_int_eq(ch_workpool_submit(p, read_nice, meet_done, NULL), 0);
    complete_all(p, 1);
    ch_workpool_stop(p);
    ck_assert_msg(job_nice >= 10 && job_nice > loop_nice, "pool thread nice %d, loop %d", job_nice, loop_nice);
    ck_assert_int_eq(getpriority(PRIO_PROCESS, (id_t)gettid()), loop_nice); /* the caller is untouched */
}
END_TEST

START_TEST(stop_finishes_queued_work_and_refuses_more)
{
    ch_workpool *p = ch_workpool_start(1, NULL, NULL);
    ck_assert_ptr_nonnull(p);
    enum { N = 50 };
    item *it = calloc(N, sizeof *it);
    for (int i = 0; i < N; i++) {
        it[i].gate = 1;
        ck_assert_int_eq(ch_workpool_submit(p, work, done, &it[i]), 0);
    }
    ch_workpool_stop(p); /* no complete() first: stop runs every job and its done */
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(it[i].ran, 1);
        ck_assert_int_eq(it[i].done_calls, 1);
    }
    free(it);
}
END_TEST

static int resubmitted;
static ch_workpool *the_pool;
static void nothing(void *arg) { (void)arg; }
static void resubmit_done(void *arg)
{
    (void)arg;
    /* A done running inside stop cannot queue more work. */
    resubmitted = ch_workpool_submit(the_pool, nothing, nothing, NULL);
}

START_TEST(submit_during_stop_is_refused)
{
    the_pool = ch_workpool_start(1, NULL, NULL);
    resubmitted = 99;
    ck_assert_int_eq(ch_workpool_submit(the_pool, nothing, resubmit_done, NULL), 0);
    ch_workpool_stop(the_pool);
    ck_assert_int_eq(resubmitted, -1);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    ck_assert_int_eq(ch_workpool_submit(NULL, nothing, nothing, NULL), -1);
    ch_workpool *p = ch_workpool_start(1, NULL, NULL);
    ck_assert_int_eq(ch_workpool_submit(p, NULL, nothing, NULL), -1);
    ck_assert_int_eq(ch_workpool_submit(p, nothing, NULL, NULL), -1);
    ck_assert_uint_eq(ch_workpool_complete(NULL), 0);
    ch_workpool_stop(p);
    ch_workpool_stop(NULL);
}
END_TEST

START_TEST(hash_and_verify_round_trip)
{
    char h[128];
    ck_assert_int_eq(ch_password_hash("correct horse battery staple", h), 0);
    ck_assert_msg(strncmp(h, "$argon2id$", 10) == 0, "not argon2id: %s", h);
    /* The documented parameters: 64 MiB, 2 passes, 1 lane. */
    ck_assert_ptr_nonnull(strstr(h, "$m=65536,t=2,p=1$"));
    ck_assert_int_eq(ch_password_verify(h, "correct horse battery staple"), 1);
    ck_assert_int_eq(ch_password_verify(h, "correct horse battery stapl"), 0);
    ck_assert_int_eq(ch_password_verify(h, ""), 0);

    /* Salted: the same password hashes differently, and both verify. */
    char h2[128];
    ck_assert_int_eq(ch_password_hash("correct horse battery staple", h2), 0);
    ck_assert_str_ne(h, h2);
    ck_assert_int_eq(ch_password_verify(h2, "correct horse battery staple"), 1);
}
END_TEST

/* The dummy used for unknown accounts costs the same: same algorithm and parameters. */
START_TEST(the_dummy_hash_matches_real_ones)
{
    char h[128];
    ck_assert_int_eq(ch_password_hash("anything", h), 0);
    const char *d = ch_password_dummy_hash();
    const char *h_p = strstr(h, ",p="), *d_p = strstr(d, ",p=");
    ck_assert_ptr_nonnull(h_p);
    ck_assert_ptr_nonnull(d_p);
    const char *h_salt = strchr(h_p, '$'), *d_salt = strchr(d_p, '$');
    ck_assert_ptr_nonnull(h_salt);
    ck_assert_ptr_nonnull(d_salt);
    ck_assert_int_eq((int)(h_salt - h), (int)(d_salt - d));
    ck_assert_int_eq(strncmp(h, d, (size_t)(h_salt - h)), 0); /* "$argon2id$v=19$m=65536,t=2,p=1" */
    ck_assert_uint_eq(strlen(h), strlen(d));
    ck_assert_int_eq(ch_password_verify(d, "anything"), 0);
    ck_assert_int_eq(ch_password_verify_dummy("anything"), 0);
    ck_assert_int_eq(ch_password_verify_dummy(NULL), 0);
}
END_TEST

START_TEST(garbage_hashes_never_verify)
{
    ck_assert_int_eq(ch_password_verify(NULL, "x"), 0);
    ck_assert_int_eq(ch_password_verify("$argon2id$v=19$m=65536,t=2,p=1$abc", NULL), 0);
    ck_assert_int_eq(ch_password_verify("", ""), 0);
    ck_assert_int_eq(ch_password_verify("plaintext", "plaintext"), 0);
    ck_assert_int_eq(ch_password_verify("$argon2id$garbage", "x"), 0);
    /* An argon2i hash is not ours. */
    char i_hash[crypto_pwhash_argon2i_STRBYTES];
    ck_assert_int_eq(crypto_pwhash_argon2i_str(i_hash, "pw", 2, 3, 8192), 0);
    ck_assert_int_eq(ch_password_verify(i_hash, "pw"), 0);
    /* No NUL within 128 bytes. */
    char long_hash[300];
    memset(long_hash, 'a', sizeof long_hash - 1);
    memcpy(long_hash, "$argon2id$", 10);
    long_hash[sizeof long_hash - 1] = '\0';
    ck_assert_int_eq(ch_password_verify(long_hash, "pw"), 0);
    char out[128];
    ck_assert_int_eq(ch_password_hash(NULL, out), -1);
}
END_TEST

static Suite *workpool_suite(void)
{
    Suite *s = suite_create("workpool");
    TCase *tc = tcase_create("pool");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, jobs_run_on_pool_threads_and_done_only_in_complete);
    tcase_add_test(tc, two_threads_by_default);
    tcase_add_test(tc, pool_threads_yield_to_the_loop);
    tcase_add_test(tc, stop_finishes_queued_work_and_refuses_more);
    tcase_add_test(tc, submit_during_stop_is_refused);
    tcase_add_test(tc, bad_arguments_are_refused);
    suite_add_tcase(s, tc);
    TCase *pw = tcase_create("password");
    tcase_set_timeout(pw, 60);
    tcase_add_test(pw, hash_and_verify_round_trip);
    tcase_add_test(pw, garbage_hashes_never_verify);
    tcase_add_test(pw, the_dummy_hash_matches_real_ones);
    suite_add_tcase(s, pw);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(workpool_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
