/* clnas tests — the small networks, datasets and batches the training tests set up, one place for all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "small_net.h"

#include "clnas/darts_genotype.h"

void small_net_config(clnas_net_config *cfg, const char *arch, int channels, int cells, int batch, int side)
{
    clnas_net_config_default(cfg);
    if (arch) {
        clnas_error err;
        assert_int_equal(clnas_genotype_parse(arch, &cfg->genotype, &err), CLNAS_OK);
    }
    cfg->channels = channels;
    cfg->cells = cells;
    cfg->batch = batch;
    cfg->height = cfg->width = side;
}

void small_net_darts_config(clnas_net_config *cfg, const char *genotype, int channels, int layers, int batch,
                            int side)
{
    clnas_net_config_default(cfg);
    cfg->space = CLNAS_NET_DARTS;
    clnas_error err;
    if (clnas_darts_genotype_named(genotype, &cfg->darts_genotype, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    cfg->channels = channels;
    cfg->layers = layers;
    cfg->batch = batch;
    cfg->height = cfg->width = side;
    cfg->fp64 = 1;
}

void small_dataset_alloc(clnas_dataset *ds, clnas_rng *rng, int count, int side, uint64_t seed)
{
    clnas_rng_seed(rng, seed);
    memset(ds, 0, sizeof *ds);
    ds->count = count;
    ds->channels = 1;
    ds->height = ds->width = side;
    ds->classes = 10;
    ds->pixels = malloc((size_t)count * side * side);
    ds->labels = malloc((size_t)count);
}

void small_fixed_batch(float *images, int32_t *labels, int n, int side, uint64_t seed)
{
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (int i = 0; i < n * side * side; i++)
        images[i] = (float)clnas_rng_normal(&rng);
    for (int i = 0; i < n; i++)
        labels[i] = (int32_t)clnas_rng_below(&rng, 10);
}

clnas_chain_genotype small_net_chain(const char *text)
{
    clnas_chain_genotype g;
    clnas_error err;
    if (clnas_chain_genotype_parse(text, &g, &err) != CLNAS_OK)
        fail_msg("%s: %s", text, err.message);
    return g;
}
