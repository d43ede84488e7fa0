/* config_file.c -- libFuzzer harness: the daemon's --config file parser (host/config_file.c:
 * "key = value" lines for the daemon through ch_config_set, then [plugin] sections), as the
 * daemon reads it at start, and as a plugin reload reads only the sections
 * (ch_config_read_settings). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    char err[512];
    ch_config cfg;
    memset(&cfg, 0, sizeof cfg);
    ch_config_defaults(&cfg);
    if (ch_config_load_file(&cfg, path, err, sizeof err) == 0) {
        (void)ch_config_check(&cfg, err, sizeof err);
        /* What a plugin reads back of its section. */
        const char *key, *value;
        for (size_t i = 0; ch_config_setting_at(&cfg, "echo", i, &key, &value) == 1; i++)
            (void)ch_config_setting(&cfg, "echo", key);
    }
    ch_config_free(&cfg);
    ch_settings *settings = NULL;
    if (ch_config_read_settings(path, &settings, err, sizeof err) == 0)
        (void)ch_settings_get(settings, "dbt", "diary_card");
    ch_settings_free(settings);
    close(fd);
    return 0;
}
