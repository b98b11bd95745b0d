/* clnas — the synthetic accuracy table: per-edge op scores, pairwise interactions, noise (formula in table_gen.h). */
#include "table_gen.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clnas/rng.h"
#include "file_io.h"
#include "hash.h"

static const double op_mean[CLNAS_NB201_OPS] = {
    [CLNAS_OP_NONE] = 0.0,
    [CLNAS_OP_SKIP_CONNECT] = 0.020,
    [CLNAS_OP_NOR_CONV_1X1] = 0.040,
    [CLNAS_OP_NOR_CONV_3X3] = 0.055,
    [CLNAS_OP_AVG_POOL_3X3] = 0.018,
};
#define SCORE_SPREAD 0.01
#define INTERACTION_SPREAD 0.005

clnas_status clnas_table_model_init(clnas_table_model *m, uint64_t noise_seed, double noise_std, clnas_error *err)
{
    if (!(noise_std >= 0.0 && noise_std <= 1.0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "table noise: expected a number from 0 to 1, got %g",
                               noise_std);
    memset(m, 0, sizeof *m);
    m->noise_seed = noise_seed;
    m->noise_std = noise_std;
    clnas_rng rng;
    clnas_rng_seed(&rng, CLNAS_TABLE_GEN_SCORE_SEED);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int op = 1; op < CLNAS_NB201_OPS; op++)
            m->score[e][op] = op_mean[op] + SCORE_SPREAD * clnas_rng_normal(&rng);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int a = 1; a < CLNAS_NB201_OPS; a++)
            for (int f = e + 1; f < CLNAS_NB201_EDGES; f++)
                for (int b = 1; b < CLNAS_NB201_OPS; b++)
                    m->interaction[e][a][f][b] = INTERACTION_SPREAD * clnas_rng_normal(&rng);
    return CLNAS_OK;
}

/* on_path[e]: edge e is not none, its tail is reachable from node 0 and its head reaches node 3. */
static int input_output_edges(const clnas_genotype *g, int on_path[CLNAS_NB201_EDGES])
{
    int from_input[CLNAS_NB201_NODES] = {1, 0, 0, 0};
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) /* edges out of earlier nodes come first */
        if (g->ops[e] != CLNAS_OP_NONE && from_input[clnas_nb201_edge_from[e]])
            from_input[clnas_nb201_edge_to[e]] = 1;
    int to_output[CLNAS_NB201_NODES] = {0, 0, 0, 1};
    for (int e = CLNAS_NB201_EDGES - 1; e >= 0; e--)
        if (g->ops[e] != CLNAS_OP_NONE && to_output[clnas_nb201_edge_to[e]])
            to_output[clnas_nb201_edge_from[e]] = 1;
    int count = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        on_path[e] = g->ops[e] != CLNAS_OP_NONE && from_input[clnas_nb201_edge_from[e]]
                     && to_output[clnas_nb201_edge_to[e]];
        count += on_path[e];
    }
    return count;
}

static double cell_noise(uint64_t seed, uint32_t index)
{
    unsigned char bytes[12];
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(seed >> (8 * i));
    for (int i = 0; i < 4; i++)
        bytes[8 + i] = (unsigned char)(index >> (8 * i));
    clnas_rng rng;
    clnas_rng_seed(&rng, clnas_fnv1a64(bytes, sizeof bytes, CLNAS_FNV1A64_INIT));
    return clnas_rng_normal(&rng);
}

double clnas_table_model_accuracy(const clnas_table_model *m, const clnas_genotype *g)
{
    const uint32_t index = clnas_genotype_to_index(g);
    if (index == UINT32_MAX)
        return NAN;
    int on_path[CLNAS_NB201_EDGES];
    if (input_output_edges(g, on_path) == 0)
        return 0.1;
    double acc = CLNAS_TABLE_GEN_BASE;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        if (!on_path[e])
            continue;
        acc += m->score[e][g->ops[e]];
        for (int f = e + 1; f < CLNAS_NB201_EDGES; f++)
            if (on_path[f])
                acc += m->interaction[e][g->ops[e]][f][g->ops[f]];
    }
    if (m->noise_std > 0.0)
        acc += m->noise_std * cell_noise(m->noise_seed, index);
    return acc < 0.0 ? 0.0 : acc > 1.0 ? 1.0 : acc;
}

static int write_csv(FILE *f, void *ctx)
{
    const clnas_table_model *m = ctx;
    int ok = fputs("arch,accuracy\n", f) >= 0;
    for (uint32_t index = 0; ok && index < CLNAS_NB201_CELLS; index++) {
        clnas_genotype g;
        char arch[CLNAS_GENOTYPE_STR_MAX];
        clnas_genotype_from_index(index, &g);
        ok = clnas_genotype_format(&g, arch, sizeof arch, NULL) == CLNAS_OK
             && fprintf(f, "%s,%.6f\n", arch, clnas_table_model_accuracy(m, &g)) > 0;
    }
    return !ok;
}

clnas_status clnas_table_model_write_csv(const clnas_table_model *m, const char *path, clnas_error *err)
{
    return clnas_file_write_atomic(path, write_csv, (void *)m, err);
}
