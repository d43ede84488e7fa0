/* dbt_fake_host.h -- the part of the plugin host API the DBT loaders call (log, setting), faked
 * for the DBT harnesses: logs go nowhere (a harness must not flood its output), settings come
 * from a table the harness fills. */
#ifndef CH_DBT_FAKE_HOST_H
#define CH_DBT_FAKE_HOST_H

/* Point dbt.host at the fake; settings: key, value pairs, NULL-terminated (kept, not copied). */
void dbt_fake_host_install(const char *const *settings);

#endif
