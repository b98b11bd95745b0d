/* clnas — DARTS' NetworkCIFAR as sizes: reduction cells, the auxiliary head's cell, the config's checks. */
#include "network_darts.h"

int clnas_darts_is_reduction(int layers, int i)
{
    return i == layers / 3 || i == 2 * layers / 3;
}

int clnas_darts_aux_cell(int layers)
{
    return 2 * layers / 3;
}

int clnas_darts_reductions_upto(int layers, int i)
{
    int r = 0;
    for (int k = 0; k <= i && k < layers; k++)
        r += clnas_darts_is_reduction(layers, k);
    return r;
}

static clnas_status check_cell(const clnas_darts_cell *c, const char *what, clnas_error *err)
{
    for (int e = 0; e < CLNAS_DARTS_EDGES; e++) {
        if (c->op[e] >= CLNAS_DARTS_OPS)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "darts genotype %s edge %d: op %d is not a DARTS op",
                                   what, e, c->op[e]);
        if (c->input[e] >= 2 + e / 2)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                   "darts genotype %s edge %d (node %d): input state %d, expected 0 to %d", what, e,
                                   e / 2, c->input[e], 1 + e / 2);
    }
    if (c->nconcat < 1 || c->nconcat > CLNAS_DARTS_STATES)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "darts genotype %s_concat: %d states, expected 1 to %d",
                               what, c->nconcat, CLNAS_DARTS_STATES);
    unsigned seen = 0;
    for (int i = 0; i < c->nconcat; i++) {
        if (c->concat[i] >= CLNAS_DARTS_STATES || (seen >> c->concat[i] & 1u))
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                   "darts genotype %s_concat[%d] = %d: expected a state 0 to %d not listed before", what,
                                   i, c->concat[i], CLNAS_DARTS_STATES - 1);
        seen |= 1u << c->concat[i];
    }
    return CLNAS_OK;
}

/* The map entering every reduction must be even, and the auxiliary head needs an 8-10 px map. */
static clnas_status check_maps(const clnas_net_config *cfg, clnas_error *err)
{
    int h = cfg->height, w = cfg->width;
    for (int i = 0; i < cfg->layers; i++) {
        if (!clnas_darts_is_reduction(cfg->layers, i))
            continue;
        if (h % 2 || w % 2)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                   "input %dx%d: cell %d reduces a %dx%d map; FactorizedReduce needs even sizes "
                                   "(as in DARTS; %d layers need multiples of %d)", cfg->height, cfg->width, i, h, w,
                                   cfg->layers, 1 << clnas_darts_reductions_upto(cfg->layers, cfg->layers - 1));
        h /= 2;
        w /= 2;
        if (cfg->auxiliary && i == clnas_darts_aux_cell(cfg->layers) && (h < 8 || h > 10 || w < 8 || w > 10))
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                   "auxiliary head: cell %d's map is %dx%d, but DARTS' head (a 5x5 stride-3 average "
                                   "pool, then a 2x2 convolution to 1x1) needs 8 to 10 px, i.e. 32 to 40 px images; "
                                   "turn it off or pad the images to 32x32", i, h, w);
    }
    return CLNAS_OK;
}

/* The sizes every DARTS network checks: channels, layers, input, classes, batch. */
static clnas_status check_sizes(const clnas_net_config *cfg, clnas_error *err)
{
    if (cfg->channels < 1 || cfg->channels > 4096)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "channels: expected 1 to 4096, got %d", cfg->channels);
    if (cfg->layers < 1 || cfg->layers > 64)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "layers: expected 1 to 64 cells, got %d", cfg->layers);
    if (cfg->in_channels < 1 || cfg->classes < 2)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "input channels must be >= 1 and classes >= 2 (got %d and %d)", cfg->in_channels,
                               cfg->classes);
    if (cfg->height < 1 || cfg->width < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "input %dx%d: height and width must be positive",
                               cfg->height, cfg->width);
    if (cfg->batch < 2)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "batch: expected at least 2 (BatchNorm needs batch statistics), got %d", cfg->batch);
    if (!(cfg->grad_clip >= 0.0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "grad_clip: expected >= 0 (0: off), got %g",
                               cfg->grad_clip);
    return CLNAS_OK;
}

clnas_status clnas_net_config_check_darts_search(const clnas_net_config *cfg, clnas_error *err)
{
    clnas_status st = check_sizes(cfg, err);
    if (st != CLNAS_OK)
        return st;
    if (cfg->darts || cfg->auxiliary || cfg->drop_path != 0.0)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "the DARTS space's search network (darts_search) has no darts flag, auxiliary head or "
                               "drop-path");
    for (int e = 0; cfg->gdas && e < CLNAS_NET_GDAS_DARTS_EDGES; e++)
        if (cfg->gdas_ops[e] >= CLNAS_DARTS_OPS)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "gdas_ops[%d]: expected a DARTS op 0..%d, got %d", e,
                                   CLNAS_DARTS_OPS - 1, cfg->gdas_ops[e]);
    return check_maps(cfg, err);
}

clnas_status clnas_net_config_check_darts(const clnas_net_config *cfg, clnas_error *err)
{
    clnas_status st0 = check_sizes(cfg, err);
    if (st0 != CLNAS_OK)
        return st0;
    if (cfg->darts || cfg->gdas)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "the DARTS space's network is built from a genotype: its search network is not this "
                               "config's darts/gdas flag");
    if (!(cfg->drop_path >= 0.0 && cfg->drop_path < 1.0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "drop_path: expected 0 <= p < 1, got %g", cfg->drop_path);
    if (cfg->auxiliary && !(cfg->auxiliary_weight > 0.0 && cfg->auxiliary_weight <= 1e6))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "auxiliary_weight: expected a weight > 0 for the auxiliary head's loss (DARTS uses "
                               "0.4, clnas_net_config_default's value), got %g; turn the head off instead of 0",
                               cfg->auxiliary_weight);
    clnas_status st = check_cell(&cfg->darts_genotype.normal, "normal", err);
    if (st == CLNAS_OK)
        st = check_cell(&cfg->darts_genotype.reduce, "reduce", err);
    for (int i = 0; i < cfg->darts_genotype.reduce.nconcat && st == CLNAS_OK; i++)
        if (cfg->darts_genotype.reduce.concat[i] < 2)
            st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                                 "darts genotype reduce_concat[%d] = %d: a reduction cell's inputs keep their size, "
                                 "so only its nodes (2 to 5) can be concatenated", i,
                                 cfg->darts_genotype.reduce.concat[i]);
    return st == CLNAS_OK ? check_maps(cfg, err) : st;
}
