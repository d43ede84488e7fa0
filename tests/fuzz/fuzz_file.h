/* fuzz_file.h -- for harnesses whose parser reads a file by path: the input in an anonymous
 * in-memory file (memfd), named by its /proc/self/fd path. Nothing is left on disk. */
#ifndef CH_FUZZ_FILE_H
#define CH_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Write data to a fresh memfd; path gets its name. Returns the fd (close it), or -1. */
int fuzz_file(const uint8_t *data, size_t size, char *path, size_t path_size);

#endif
