/* test_store_worker.c -- the storage thread (host/store/store_worker.h): jobs
 * run off the calling thread, `done` runs only on ch_store_worker_complete and
 * only after the commit, a failing job leaves the rest of its batch committed,
 * and queued jobs are grouped into fewer transactions than jobs. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_worker.h"

static char dir[1024];

static ch_store *open_store(void)
{
    snprintf(dir, sizeof dir, "%s/worker-XXXXXX", TEST_TMPDIR);
    char mk[1100];
    snprintf(mk, sizeof mk, "mkdir -p %s", TEST_TMPDIR);
    ck_assert_int_eq(system(mk), 0);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ch_store_config cfg = {.data_dir = dir, .create = 1};
    ch_store *st = NULL;
    char err[256];
    ck_assert_msg(ch_store_open(&cfg, &st, err, sizeof err) == CH_STORE_OK, "open: %s", err);
    return st;
}

/* The loop side of the test: woken by the worker through a condition variable. */
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

typedef struct save {
    char id[32];
    int fail;           /* make this job fail */
    pthread_t ran_on;
    int status;         /* as given to done */
    int done_calls;
} save;

static int run_save(ch_store *st, void *arg)
{
    save *s = arg;
    s->ran_on = pthread_self();
    if (s->fail) {
        /* Write something first: the savepoint must undo it. */
        json_t *d = json_pack("{s:s}", "text", "half");
        ch_records_put(st, "test", s->id, "owner", NULL, "note", d, 1, NULL);
        json_decref(d);
        return CH_STORE_IO;
    }
    json_t *d = json_pack("{s:s}", "text", s->id);
    int rc = ch_records_put(st, "test", s->id, "owner", NULL, "note", d, 1, NULL);
    json_decref(d);
    return rc;
}

static void done_save(void *arg, int status)
{
    save *s = arg;
    s->status = status;
    s->done_calls++;
}

/* Run completions until every job is done (deadline 10 s). */
static void complete_all(ch_store_worker *w, size_t expected)
{
    size_t n = 0;
    for (int i = 0; i < 1000 && n < expected; i++) {
        pthread_mutex_lock(&wake_lock);
        while (wakes == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 10;
            ck_assert_msg(pthread_cond_timedwait(&wake_cond, &wake_lock, &ts) == 0,
                          "the worker never woke the loop");
        }
        wakes = 0;
        pthread_mutex_unlock(&wake_lock);
        n += ch_store_worker_complete(w);
    }
    ck_assert_uint_eq(n, expected);
}

START_TEST(jobs_run_on_the_storage_thread_and_done_after_commit)
{
    char err[256];
    ch_store_worker *w = ch_store_worker_start(open_store(), wake, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(w);
    save s = {.id = "one"};
    ck_assert_int_eq(ch_store_worker_submit(w, run_save, done_save, &s), 0);
    ck_assert_uint_eq(ch_store_worker_outstanding(w), 1);
    complete_all(w, 1);
    ck_assert_int_eq(s.done_calls, 1);
    ck_assert_int_eq(s.status, CH_STORE_OK);
    ck_assert(!pthread_equal(s.ran_on, pthread_self()));
    ck_assert_uint_eq(ch_store_worker_outstanding(w), 0);
    ch_store_worker_stop(w);

    /* Committed: a fresh open of the same store reads it. */
    ch_store_config cfg = {.data_dir = dir};
    ch_store *st;
    ck_assert_int_eq(ch_store_open(&cfg, &st, err, sizeof err), CH_STORE_OK);
    ch_record r = {0};
    ck_assert_int_eq(ch_records_get(st, "test", "one", &r), CH_STORE_OK);
    ch_record_clear(&r);
    ch_store_close(st);
}
END_TEST

START_TEST(a_failing_job_does_not_undo_its_batch)
{
    char err[256];
    ch_store_worker *w = ch_store_worker_start(open_store(), wake, NULL, err, sizeof err);
    enum { N = 50 };
    save *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        snprintf(s[i].id, sizeof s[i].id, "n%d", i);
        s[i].fail = i == 7;
        ck_assert_int_eq(ch_store_worker_submit(w, run_save, done_save, &s[i]), 0);
    }
    complete_all(w, N);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(s[i].done_calls, 1);
        ck_assert_int_eq(s[i].status, i == 7 ? CH_STORE_IO : CH_STORE_OK);
    }
    ch_store_worker_stop(w);
    ch_store_config cfg = {.data_dir = dir};
    ch_store *st;
    ck_assert_int_eq(ch_store_open(&cfg, &st, err, sizeof err), CH_STORE_OK);
    json_t *list = NULL;
    ck_assert_int_eq(ch_records_list(st, "test", NULL, NULL, NULL, 0, NULL, 500, &list, NULL), CH_STORE_OK);
    ck_assert_uint_eq(json_array_size(list), N - 1); /* the failed job's half write is gone */
    json_decref(list);
    ch_record r = {0};
    ck_assert_int_eq(ch_records_get(st, "test", "n7", &r), CH_STORE_NOTFOUND);
    ch_store_close(st);
    free(s);
}
END_TEST

START_TEST(queued_jobs_share_commits)
{
    char err[256];
    ch_store_worker *w = ch_store_worker_start(open_store(), wake, NULL, err, sizeof err);
    enum { N = 2000 };
    save *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        snprintf(s[i].id, sizeof s[i].id, "g%d", i);
        ck_assert_int_eq(ch_store_worker_submit(w, run_save, done_save, &s[i]), 0);
    }
    complete_all(w, N);
    uint64_t batches, jobs;
    ch_store_worker_stats(w, &batches, &jobs);
    ck_assert_uint_eq(jobs, N);
    /* Group commit: 2000 jobs queued at once cannot take 2000 fsyncs. */
    ck_assert_msg(batches < N / 4, "%llu batches for %d jobs", (unsigned long long)batches, N);
    ch_store_worker_stop(w);
    free(s);
}
END_TEST

START_TEST(stop_finishes_what_was_queued)
{
    char err[256];
    ch_store_worker *w = ch_store_worker_start(open_store(), wake, NULL, err, sizeof err);
    enum { N = 100 };
    save *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        snprintf(s[i].id, sizeof s[i].id, "s%d", i);
        ck_assert_int_eq(ch_store_worker_submit(w, run_save, done_save, &s[i]), 0);
    }
    ch_store_worker_stop(w); /* no complete() first: stop must run every job and its done */
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(s[i].done_calls, 1);
        ck_assert_int_eq(s[i].status, CH_STORE_OK);
    }
    free(s);
}
END_TEST

static Suite *worker_suite(void)
{
    Suite *s = suite_create("store_worker");
    TCase *tc = tcase_create("worker");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, jobs_run_on_the_storage_thread_and_done_after_commit);
    tcase_add_test(tc, a_failing_job_does_not_undo_its_batch);
    tcase_add_test(tc, queued_jobs_share_commits);
    tcase_add_test(tc, stop_finishes_what_was_queued);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(worker_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
