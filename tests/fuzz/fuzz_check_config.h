/* clnas fuzz targets over search configs: what a loaded config must then survive (fuzz_config.c, fuzz_config_set.c). */
#ifndef CLNAS_FUZZ_CHECK_CONFIG_H
#define CLNAS_FUZZ_CHECK_CONFIG_H

#include "clnas/search.h"

/* Parses the strategy section with its strategy (multi-trial create, SPOS, DARTS or GDAS), then writes the resolved
 * config as a run directory's config.json and loads it back (what --resume does): aborts when that fails. */
void fuzz_check_config(const clnas_config *config);

#endif
