/* workpool.h -- a small pool of threads for slow pure work (argon2id), so the
 * event loop never stalls. Jobs touch no loop state; their `done` runs on the
 * loop thread, woken the same way as the storage worker's (wake callback, in
 * the daemon lws_cancel_service). */
#ifndef CH_WORKPOOL_H
#define CH_WORKPOOL_H

#include <stddef.h>

typedef struct ch_workpool ch_workpool;

typedef void (*ch_work_fn)(void *arg);   /* on a pool thread */
typedef void (*ch_work_done_fn)(void *arg); /* on the loop thread */

ch_workpool *ch_workpool_start(unsigned threads, void (*wake)(void *), void *wake_arg);
int ch_workpool_submit(ch_workpool *p, ch_work_fn work, ch_work_done_fn done, void *arg);
/* Run `done` for finished jobs (loop thread); returns how many. */
size_t ch_workpool_complete(ch_workpool *p);
/* Finish queued work, join the threads, run the remaining `done`s. */
void ch_workpool_stop(ch_workpool *p);

/* argon2id through libsodium (crypto_pwhash_str with the parameters below);
 * both are slow by design: call them from pool jobs only. */
#define CH_PWHASH_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define CH_PWHASH_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE
int ch_password_hash(const char *password, char out[128]);           /* 0 or -1 */
int ch_password_verify(const char *hash, const char *password);      /* 1 match, 0 not */
/* The same work as ch_password_verify against a fixed hash whose password
 * nobody knows: a sign-in naming no usable account costs what a real one does,
 * so timing does not tell whether the account exists. Always 0. */
int ch_password_verify_dummy(const char *password);
/* That fixed hash (same algorithm and parameters as ch_password_hash makes). */
const char *ch_password_dummy_hash(void);

#endif
