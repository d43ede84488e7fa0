/* realloc_fault.h -- a realloc seam for out-of-memory tests. A test program linked with
 * -Wl,--wrap=realloc -Wl,--wrap=free (and realloc_fault.c) sends every realloc and free of the
 * objects linked into it (not of its shared libraries) here. realloc then fails on the call the
 * test chooses, and every block it hands out ends right at an inaccessible page: a write past the
 * size asked for faults at once, with or without AddressSanitizer. */
#ifndef REALLOC_FAULT_H
#define REALLOC_FAULT_H

/* Start counting reallocs from 0; the n-th from now (n >= 1) returns NULL, leaving its block as it
 * was, and the ones after it work again. n = 0: none fails. */
void realloc_fault_at(unsigned long n);

/* The reallocs since the last realloc_fault_at (the failed one included). */
unsigned long realloc_fault_calls(void);

#endif
