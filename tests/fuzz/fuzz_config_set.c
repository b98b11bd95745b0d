/* clnas fuzz target: --set overrides (one a line) over each built-in config, as a file load and one at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check_config.h"
#include "fuzz_support.h"
#include "search_entry.h"

#define MAX_SETS 16

static const char *const base_configs[] = {"default.json", "spos.json", "darts.json", "gdas.json", "reinforce.json"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", CLNAS_CONFIG_DIR, base_configs[data[0] % 5]);
    char *text = fuzz_text(data + 1, size - 1);
    const char *sets[MAX_SETS];
    int nsets = 0;
    for (char *line = text; line && nsets < MAX_SETS;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        sets[nsets++] = line;
        line = nl ? nl + 1 : NULL;
    }
    clnas_config *config = NULL;
    clnas_error err;
    if (clnas_config_load_sets(path, sets, nsets, &config, &err) == CLNAS_OK) {
        fuzz_check_config(config);
        clnas_config_free(config);
    }
    if (clnas_config_load(path, &config, &err) != CLNAS_OK)
        abort(); /* the built-in config itself loads */
    for (int i = 0; i < nsets; i++)
        (void)clnas_config_set(config, sets[i], &err); /* a rejected override leaves the config as it was */
    fuzz_check_config(config);
    clnas_config_free(config);
    free(text);
    return 0;
}
