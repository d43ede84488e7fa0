/* lg_proc.h -- what the load generator reads about processes and CPUs from /proc: a server's
 * CPU time and resident memory, how long a process's main thread waited for a CPU (another
 * runnable task on its core), the VM's steal time, and the generator's own CPU time. */
#ifndef LG_PROC_H
#define LG_PROC_H

#include <stdint.h>

/* User + system seconds of every thread of PID; -1 if unknown. */
double lg_proc_cpu_s(int pid);
/* VmRSS of PID in kB; -1 if unknown. */
long lg_proc_rss_kb(int pid);
/* Nanoseconds the main thread of PID (0: this process) spent runnable but waiting for a CPU
 * (/proc/PID/schedstat, second field); -1 if unknown. */
int64_t lg_proc_runq_wait_ns(int pid);
/* Nanoseconds of steal time summed over every CPU (/proc/stat): time the hypervisor ran
 * something else while the VM wanted to run; -1 if unknown. */
int64_t lg_steal_ns(void);
/* This process's user + system seconds (getrusage). */
double lg_self_cpu_s(void);

#endif
