/* clnas tool — a weights file's metadata on the command line (the network it was saved for, its input and its
 * normalisation) and the choice of the input normalisation that train and eval share. */
#ifndef CLNAS_WEIGHTS_CLI_H
#define CLNAS_WEIGHTS_CLI_H

#include "cli.h"
#include "clnas/data.h"
#include "clnas/model.h"

/* Reads path's metadata into *info and completes c->cfg from it (arch, channels, cells, classes) where the command
 * line left them out. An option that differs from the file is refused naming both (exit 1) unless ignore, when it
 * is a warning on stderr. A file without metadata needs --arch. Returns -1 to go on, else the exit status (message
 * printed). */
int cli_weights_network(const char *command, const char *path, int ignore, cli_common *c, clnas_weights_info *info);

/* The data's image shape against the file's: other input channels are refused (1), another height or width is a
 * warning (the network pools globally); 0 to go on. */
int cli_weights_input(const char *path, const clnas_weights_info *info, const clnas_dataset *data);

/* --mean and --std as given (each applies to every channel). */
typedef struct cli_norm {
    int have_mean, have_std;
    double mean, std;
} cli_norm;

/* The input normalisation, channels values each: --mean/--std where given (a warning when the weights file info
 * records another), else the file's (info may be NULL), else the data directory's (clnas_dataset_dir_norm: train is
 * its whole training split or NULL, cache_dir where to keep the statistics or NULL). One line on stderr says what is
 * used and where it came from. Returns 0, or 1 with the message printed. */
int cli_norm_choose(const cli_norm *given, const clnas_weights_info *info, const char *info_path, const char *data_dir,
                    const clnas_dataset *train, const char *cache_dir, int channels, double *mean, double *std);

#endif
