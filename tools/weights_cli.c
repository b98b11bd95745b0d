/* clnas tool — weights metadata on the command line: what the options leave out comes from the file, what they
 * give differently is refused or warned about, and the input normalisation is chosen in one place. */
#include "weights_cli.h"

#include <stdio.h>
#include <string.h>

#include "data_norm.h"
#include "space_iface.h"

/* One size given on the command line against the file's; 0 to go on, 1 refused (message printed). */
static int compare_int(const char *path, const char *option, int given, int saved, int ignore, const char *with)
{
    if (!saved || given == saved)
        return 0;
    if (ignore) {
        fprintf(stderr, "clnas: warning: %s %d overrides %s's %d (--ignore-metadata)\n", option, given, path, saved);
        return 0;
    }
    fprintf(stderr, "clnas: %s: %s %d differs from the file's %d (it was saved with %s); drop %s, or pass "
            "--ignore-metadata to load it anyway\n", path, option, given, saved, with, option);
    return 1;
}

/* The space the file records (nb201 when it records none) against --space: adopted when --space is left out. */
static int weights_space(const char *command, const char *path, const clnas_weights_info *info, cli_common *c)
{
    const clnas_space_iface *saved = &clnas_space_nb201;
    clnas_error err;
    if (info->space[0] && clnas_space_by_name(info->space, &saved, &err) != CLNAS_OK)
        return cli_fail(&err);
    if (c->space && c->space != saved)
        return cli_usage_error(command, "%s holds the weights of a %s network, not of --space %s: drop --space", path,
                               saved->name, c->space->name);
    c->space = saved;
    return -1;
}

int cli_weights_network(const char *command, const char *path, int ignore, cli_common *c, clnas_weights_info *info)
{
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_weights_info_read(path, info, &err) != CLNAS_OK)
        return cli_fail(&err);
    int rc = info->has_metadata ? weights_space(command, path, info, c) : -1;
    if (rc >= 0)
        return rc;
    const int recorded = info->has_arch || info->has_space_arch;
    if (!info->has_metadata || !recorded) {
        if (!c->have_arch)
            return cli_usage_error(command, "%s records no architecture (a PyTorch file, or one saved before clnas "
                                   "wrote metadata): give --arch%s", path, info->has_metadata && info->space[0] &&
                                   strcmp(info->space, "nb201") != 0 ? "" : ", --channels and --cells");
        return (rc = cli_common_space(command, c)) != 0 ? rc : -1;
    }
    const int given_arch = c->have_arch;
    if (!given_arch) { /* the file's, read with its space's parser */
        c->arch = info->arch;
        c->have_arch = 1;
    }
    if (!c->have_layers && info->layers && c->space == &clnas_space_darts) {
        c->cfg.layers = info->layers;
        c->have_layers = 1;
    }
    if ((rc = cli_common_space(command, c)) != 0)
        return rc;
    char with[1400] = "", given[CLI_ARCH_MAX];
    snprintf(with, sizeof with, "arch %s", info->arch);
    if (info->channels)
        snprintf(with + strlen(with), sizeof with - strlen(with), " C=%d", info->channels);
    if (info->cells)
        snprintf(with + strlen(with), sizeof with - strlen(with), " N=%d", info->cells);
    if (info->layers)
        snprintf(with + strlen(with), sizeof with - strlen(with), " layers %d", info->layers);
    cli_arch_string(&c->cfg, given, sizeof given);
    int differs = info->has_arch ? memcmp(c->cfg.genotype.ops, info->genotype.ops, sizeof info->genotype.ops) != 0
                                 : strcmp(given, info->arch) != 0;
    if (given_arch && differs) {
        if (!ignore) {
            fprintf(stderr, "clnas: %s: --arch %s differs from the file's arch (it was saved with %s); drop --arch, "
                    "or pass --ignore-metadata to load it anyway\n", path, given, with);
            return 1;
        }
        fprintf(stderr, "clnas: warning: --arch %s overrides %s's arch %s (--ignore-metadata)\n", given, path,
                info->arch);
    }
    if ((c->have_channels && compare_int(path, "--channels", c->cfg.channels, info->channels, ignore, with)) ||
        (c->have_cells && compare_int(path, "--cells", c->cfg.cells, info->cells, ignore, with)) ||
        (c->have_layers && compare_int(path, "--layers", c->cfg.layers, info->layers, ignore, with)))
        return 1;
    if (!c->have_channels && info->channels)
        c->cfg.channels = info->channels;
    if (!c->have_cells && info->cells)
        c->cfg.cells = info->cells;
    if (info->classes)
        c->cfg.classes = info->classes;
    return -1;
}

int cli_weights_input(const char *path, const clnas_weights_info *info, const clnas_dataset *data)
{
    if (info->in_channels && info->in_channels != data->channels) {
        fprintf(stderr, "clnas: %s was saved for %d-channel images, but the data has %d channels: use data like "
                "the training data (--data)\n", path, info->in_channels, data->channels);
        return 1;
    }
    if ((info->height && info->height != data->height) || (info->width && info->width != data->width))
        fprintf(stderr, "clnas: warning: %s was trained on %dx%d images, the data is %dx%d\n", path, info->height,
                info->width, data->height, data->width);
    return 0;
}

static void print_values(const double *v, int n)
{
    fprintf(stderr, "[");
    for (int i = 0; i < n; i++)
        fprintf(stderr, "%s%.4f", i ? ", " : "", v[i]);
    fprintf(stderr, "]");
}

/* The base normalisation before --mean/--std: the file's, else the data directory's; its origin in `from`. */
static int base_norm(const clnas_weights_info *info, const char *info_path, const char *data_dir,
                     const clnas_dataset *train, const char *cache_dir, int channels, double *mean, double *std,
                     char *from, size_t cap)
{
    if (info && info->norm_channels == channels) {
        memcpy(mean, info->mean, (size_t)channels * sizeof *mean);
        memcpy(std, info->std, (size_t)channels * sizeof *std);
        snprintf(from, cap, "the metadata of %s", info_path);
        return 0;
    }
    clnas_error err;
    clnas_error_clear(&err);
    clnas_norm_source source;
    int got = 0;
    if (clnas_dataset_dir_norm(data_dir, train, cache_dir, mean, std, &got, &source, &err) != CLNAS_OK)
        return cli_fail(&err);
    if (got != channels) {
        fprintf(stderr, "clnas: %s: the training images have %d channels, the test images %d\n", data_dir, got,
                channels);
        return 1;
    }
    snprintf(from, cap, "%s, training images of %s", clnas_norm_source_name(source), data_dir);
    return 0;
}

int cli_norm_choose(const cli_norm *given, const clnas_weights_info *info, const char *info_path, const char *data_dir,
                    const clnas_dataset *train, const char *cache_dir, int channels, double *mean, double *std)
{
    char from[4400];
    if (channels < 1 || channels > CLNAS_BATCHER_MAX_CHANNELS) {
        fprintf(stderr, "clnas: %d input channels: at most %d are supported\n", channels, CLNAS_BATCHER_MAX_CHANNELS);
        return 1;
    }
    if (!(given->have_mean && given->have_std) &&
        base_norm(info, info_path, data_dir, train, cache_dir, channels, mean, std, from, sizeof from))
        return 1;
    int from_file = info && info->norm_channels == channels;
    for (int ch = 0; ch < channels; ch++) {
        if (from_file && ((given->have_mean && given->mean != info->mean[ch]) ||
                          (given->have_std && given->std != info->std[ch])))
            fprintf(stderr, "clnas: warning: --mean/--std override the normalisation %s was trained with (mean "
                    "%.4f, std %.4f)\n", info_path, info->mean[ch], info->std[ch]);
        if (given->have_mean)
            mean[ch] = given->mean;
        if (given->have_std)
            std[ch] = given->std;
        from_file &= !(given->have_mean || given->have_std); /* warn once */
    }
    if (given->have_mean && given->have_std)
        snprintf(from, sizeof from, "--mean and --std");
    else if (given->have_mean || given->have_std)
        snprintf(from + strlen(from), sizeof from - strlen(from), ", %s given", given->have_mean ? "--mean" : "--std");
    fprintf(stderr, "clnas: input normalisation mean ");
    print_values(mean, channels);
    fprintf(stderr, " std ");
    print_values(std, channels);
    fprintf(stderr, " (%s)\n", from);
    return 0;
}
