/* lg_proc.c -- process and CPU figures from /proc for the load generator (see lg_proc.h). */
#include "lg_proc.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int read_small(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    return (int)n;
}

double lg_proc_cpu_s(int pid)
{
    if (pid <= 0)
        return -1;
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (read_small(path, buf, sizeof buf) < 0)
        return -1;
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long ut = 0, st = 0;
    /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

long lg_proc_rss_kb(int pid)
{
    if (pid <= 0)
        return -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

int64_t lg_proc_runq_wait_ns(int pid)
{
    char path[64], buf[256];
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
    else
        snprintf(path, sizeof path, "/proc/self/schedstat");
    if (read_small(path, buf, sizeof buf) < 0)
        return -1;
    unsigned long long run, wait;
    if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
        return -1;
    return (int64_t)wait;
}

int64_t lg_steal_ns(void)
{
    char buf[512];
    if (read_small("/proc/stat", buf, sizeof buf) < 0)
        return -1;
    unsigned long long v[8];
    if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &v[6], &v[7]) != 8)
        return -1;
    return (int64_t)(v[7] * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

double lg_self_cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru))
        return -1;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
