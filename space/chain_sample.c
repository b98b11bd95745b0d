/* clnas — chain-structured genotypes: sampling layer by layer, only shapes that fit. */
#include "clnas/chain_genotype.h"

#include <string.h>

#include "chain_edit.h"

static int clamp_layers(int max_layers)
{
    return max_layers < 1 ? 1 : max_layers > CLNAS_CHAIN_MAX_LAYERS ? CLNAS_CHAIN_MAX_LAYERS : max_layers;
}

/* Skips of layer i (1-based): each earlier output of the previous one's spatial size (and channels, under sum)
 * taken with probability 1/2, in ascending order, at most CLNAS_CHAIN_MAX_SKIPS. */
static void draw_skips(clnas_rng *rng, clnas_chain_layer *l, int i, const clnas_chain_shape *shapes)
{
    const clnas_chain_shape *prev = &shapes[i - 1];
    l->join = (uint8_t)clnas_rng_below(rng, 2);
    l->nskips = 0;
    for (int j = 0; j <= i - 2; j++) {
        const clnas_chain_shape *x = &shapes[j];
        int fits = x->level == prev->level &&
                   (l->join == CLNAS_CHAIN_CAT || (x->c_stem == prev->c_stem && x->c_fixed == prev->c_fixed));
        if (fits && clnas_rng_below(rng, 2) && l->nskips < CLNAS_CHAIN_MAX_SKIPS)
            l->skip[l->nskips++] = (uint8_t)j;
    }
    if (l->nskips == 0)
        l->join = CLNAS_CHAIN_SUM;
}

void clnas_chain_genotype_sample(clnas_rng *rng, int max_layers, clnas_chain_genotype *out)
{
    const int n = 1 + (int)clnas_rng_below(rng, (uint32_t)clamp_layers(max_layers));
    clnas_chain_shape shapes[CLNAS_CHAIN_MAX_LAYERS + 1];
    memset(out, 0, sizeof *out);
    for (int i = 1; i <= n; i++) {
        out->nlayers = i - 1;
        if (i > 1)
            clnas_chain_genotype_validate(out, shapes, NULL);
        else
            shapes[0] = (clnas_chain_shape){1, 0, 0};
        clnas_chain_draw_op(rng, &out->layer[i - 1]);
        draw_skips(rng, &out->layer[i - 1], i, shapes);
    }
    out->nlayers = n;
}
