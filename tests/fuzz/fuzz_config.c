/* clnas fuzz target: a search config file (api/config.c, search/search_config.c, the strategy sections). */
#include "fuzz_check_config.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clnas_config *config = NULL;
    clnas_error err;
    if (clnas_config_load(fuzz_file("search.json", data, size), &config, &err) == CLNAS_OK) {
        fuzz_check_config(config);
        clnas_config_free(config);
    }
    return 0;
}
