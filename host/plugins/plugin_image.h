/* plugin_image.h -- the private copy of a plugin file that the host dlopen()s.
 *
 * The host never maps the installed file itself. Two reasons:
 *  - Whoever replaces the installed file in place (cp over it) would change
 *    pages the daemon has mapped: the next call into the plugin crashed with
 *    SIGSEGV. A private copy is never written again once loaded.
 *  - glibc's dlopen() returns the object already loaded under the same path
 *    (it matches names before it opens anything), and after dlclose() an object
 *    something still pins stays loaded under its name: reloading from the
 *    installed path could hand back the old code. Each copy gets a name never
 *    used before in this process (pid and a counter), so dlopen() always maps
 *    the new file.
 * The copy is unlinked as soon as it is mapped (the mapping keeps it alive), so
 * nothing is left behind; ch_plugin_images_clean() removes what a crash left. */
#ifndef CH_PLUGIN_IMAGE_H
#define CH_PLUGIN_IMAGE_H

#include <stddef.h>

/* Copy src into dir under a fresh name (mode 0500), fsync'd; the name goes to
 * out. Thread-safe (the reload runs it on the work pool: file I/O never on
 * the loop). 0, or -1 with a one-line reason in why. */
int ch_plugin_image_copy(const char *dir, const char *src, char *out, size_t outlen, char *why,
                         size_t whylen);

/* Create dir (mode 0700) if needed and remove any copy a crash left in it.
 * 0, or -1 with a reason in why. */
int ch_plugin_images_prepare(const char *dir, char *why, size_t whylen);

#endif
