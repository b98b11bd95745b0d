/* clnas tool — search set-up for the commands that evaluate outside a search (proxy-check, groundtruth, rank-eval): the
 * library's clnas_run_setup with the config it borrows, errors printed. */
#ifndef CLNAS_SEARCH_SETUP_H
#define CLNAS_SEARCH_SETUP_H

#include "run_setup.h"

typedef struct search_setup {
    clnas_search_config cfg;
    clnas_run_setup run; /* data, device, evaluator (run.cfg points at cfg) */
} search_setup;

/* Loads the config (FILE, or the built-in configs/default.json when path is NULL) with the --set overrides;
 * returns the parsed tree in *root. Prints the error and returns 1 when the file is at fault, 2 when a --set is;
 * a config of a space other than nb201 is refused (1): for rank-eval --supernet, whose supernets are NB201 cells. */
int search_setup_config(const char *command, const char *path, const char *const *sets, int nsets, cJSON **root,
                        clnas_search_config *cfg);
/* The same for the commands that work on any space: space (NULL: the config's space.name) overrides space.name
 * after the --set overrides. */
int search_setup_config_space(const char *command, const clnas_space_iface *space, const char *path,
                              const char *const *sets, int nsets, cJSON **root, clnas_search_config *cfg);
/* Loads the data and the device and builds the evaluator the config names; choices_path records timing choices. */
int search_setup_evaluator(search_setup *s, const char *device_override, const char *choices_path);
void search_setup_free(search_setup *s);

#endif
