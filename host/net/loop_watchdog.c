/* loop_watchdog.c -- see loop_watchdog.h. */
#include "loop_watchdog.h"

#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define CHECK_MS 250
/* The watcher itself ran this late: the whole process was stopped (SIGSTOP, a
 * debugger, a suspended machine), not the loop. */
#define OVERSLEPT_MS 2000

static _Atomic uint64_t last_beat_ms;
static atomic_int stopping;
static pthread_t thread;
static int started;
static unsigned abort_after;
static pthread_t loop_thread;
static int stack_signal; /* 0: the loop's stack cannot be asked for */

/* On the loop thread, sent by the watcher: print where the loop is, straight to stderr. A stuck
 * loop is found in production and in CI, where no debugger is at hand; this line is what tells a
 * plugin's handler from a library spinning. Only async-signal-safe calls (backtrace was called
 * once before, so it loads nothing here). Our own static functions print as carehost(+offset):
 * addr2line -f -e carehost offset names them. */
static void print_loop_stack(int sig)
{
    (void)sig;
    int saved = errno;
    void *frames[64];
    int n = backtrace(frames, 64);
    static const char head[] = "the event loop thread is here, innermost call first:\n";
    if (write(STDERR_FILENO, head, sizeof head - 1) > 0)
        backtrace_symbols_fd(frames, n, STDERR_FILENO);
    errno = saved;
}

static void ask_loop_stack(void)
{
    if (stack_signal)
        pthread_kill(loop_thread, stack_signal);
}

static void prepare_loop_stack(void)
{
    void *frame;
    backtrace(&frame, 1); /* loads libgcc's unwinder now, not in the handler */
    loop_thread = pthread_self();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = print_loop_stack;
    sa.sa_flags = SA_RESTART; /* the loop's own calls go on as if nothing happened */
    sigemptyset(&sa.sa_mask);
    int sig = SIGRTMIN + 1;
    stack_signal = sig <= SIGRTMAX && sigaction(sig, &sa, NULL) == 0 ? sig : 0;
}

static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

void ch_loop_watchdog_beat(void) { atomic_store_explicit(&last_beat_ms, mono_ms(), memory_order_relaxed); }

static void *watch(void *arg)
{
    (void)arg;
    int warned = 0;
    uint64_t woke = mono_ms();
    while (!atomic_load(&stopping)) {
        struct timespec nap = {0, CHECK_MS * 1000000L};
        nanosleep(&nap, NULL);
        uint64_t now = mono_ms();
        if (now - woke > CHECK_MS + OVERSLEPT_MS)
            ch_loop_watchdog_beat(); /* we were not running either: start counting again */
        woke = now;
        uint64_t beat = atomic_load_explicit(&last_beat_ms, memory_order_relaxed);
        uint64_t still = now > beat ? now - beat : 0;
        if (still >= CH_LOOP_WATCHDOG_WARN_S * 1000u && !warned) {
            ch_warn("the event loop has not turned for %u s: something on it is stuck (a plugin's "
                    "handler, or libwebsockets), and nobody is being answered",
                    CH_LOOP_WATCHDOG_WARN_S);
            ask_loop_stack();
            warned = 1;
        } else if (still < CH_LOOP_WATCHDOG_WARN_S * 1000u && warned) {
            ch_warn("the event loop turns again");
            warned = 0;
        }
        if (abort_after && still >= (uint64_t)abort_after * 1000u) {
            ch_error("the event loop has been stuck for %u s (--watchdog-seconds): aborting, so that "
                     "the service manager starts carehost again and clients reconnect",
                     abort_after);
            ask_loop_stack();
            struct timespec printing = {0, 200 * 1000000L}; /* let the loop thread print it */
            nanosleep(&printing, NULL);
            abort();
        }
    }
    return NULL;
}

int ch_loop_watchdog_start(unsigned abort_after_s)
{
    abort_after = abort_after_s;
    prepare_loop_stack();
    atomic_store(&stopping, 0);
    ch_loop_watchdog_beat();
    if (pthread_create(&thread, NULL, watch, NULL) != 0) {
        ch_warn("the event loop watchdog could not start; running without it");
        return -1;
    }
    started = 1;
    return 0;
}

void ch_loop_watchdog_stop(void)
{
    if (!started)
        return;
    atomic_store(&stopping, 1);
    pthread_join(thread, NULL);
    started = 0;
}
