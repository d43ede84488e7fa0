/* cpu_steady.c -- how steady is the CPU this runs on? (issue 6; bench/run runs it.)
 *
 * Does fixed units of arithmetic for SECONDS, counts the units finished in every
 * millisecond, and prints one line:
 *
 *   STEADY ms=3000 median_units_per_ms=280 slow_ms_pct=3.4 p1_speed_pct=10
 *          p01_speed_pct=8 longest_slow_ms=104
 *
 * slow_ms_pct: milliseconds that ran under half the median speed; p1/p01_speed_pct: the
 * speed of the slowest 1% / 0.1% of milliseconds, as a percentage of the median;
 * longest_slow_ms: the longest stretch of milliseconds under 60% of the median.
 * Nothing here waits or makes system calls besides reading the clock, so a slow
 * millisecond is one the machine took away: on a virtual machine, the host running
 * something else on our CPU without telling the guest (no steal time is reported).
 * A server on that CPU falls behind for as long; the latency tails show it.
 *
 *   taskset -c 0 bench/cpu_steady [SECONDS]     (default 3; at most 600) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long seconds = argc > 1 ? strtol(argv[1], NULL, 10) : 3;
    if (argc > 2 || seconds < 1 || seconds > 600) {
        fprintf(stderr, "usage: cpu_steady [SECONDS 1-600]\n");
        return 2;
    }
    size_t nms = (size_t)seconds * 1000;
    unsigned *units = calloc(nms, sizeof *units), *sorted = malloc(nms * sizeof *sorted);
    if (!units || !sorted) {
        fprintf(stderr, "cpu_steady: out of memory\n");
        return 1;
    }
    /* One unit: 2,000 steps of a linear congruential generator (~1 us); volatile so
     * the compiler keeps every step. */
    volatile uint64_t x = 1;
    uint64_t start = now_ns(), t;
    while ((t = now_ns() - start) < nms * 1000000u) {
        for (int i = 0; i < 2000; i++)
            x = x * 6364136223846793005u + 1442695040888963407u;
        units[t / 1000000u]++;
    }
    memcpy(sorted, units, nms * sizeof *units);
    qsort(sorted, nms, sizeof *sorted, by_value);
    double median = sorted[nms / 2];
    size_t slow = 0, run = 0, longest = 0;
    for (size_t i = 0; i < nms; i++) {
        if (units[i] < median / 2)
            slow++;
        run = units[i] < median * 0.6 ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    printf("STEADY ms=%zu median_units_per_ms=%.0f slow_ms_pct=%.1f p1_speed_pct=%.0f "
           "p01_speed_pct=%.0f longest_slow_ms=%zu\n",
           nms, median, median ? 100.0 * (double)slow / (double)nms : 0.0,
           median ? 100.0 * sorted[nms / 100] / median : 0.0,
           median ? 100.0 * sorted[nms / 1000] / median : 0.0, longest);
    free(units);
    free(sorted);
    return 0;
}
