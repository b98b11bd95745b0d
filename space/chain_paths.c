/* clnas — the paths of a chain-space supernet: per layer, the ops that keep the skeleton's shapes; a space over
 * them for the evolution that searches a trained supernet. */
#include "chain_paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_edit.h"
#include "space_chain.h"

static const struct {
    const char *name;
    uint8_t op, ksize;
} path_ops[CLNAS_CHAIN_PATH_OPS] = {
    {"conv1x1", CLNAS_CHAIN_CONV, 1},          {"conv3x3", CLNAS_CHAIN_CONV, 3},
    {"conv5x5", CLNAS_CHAIN_CONV, 5},          {"conv7x7", CLNAS_CHAIN_CONV, 7},
    {"sepconv3x3", CLNAS_CHAIN_SEPCONV, 3},    {"sepconv5x5", CLNAS_CHAIN_SEPCONV, 5},
    {"maxpool3x3", CLNAS_CHAIN_MAXPOOL, 0},    {"avgpool3x3", CLNAS_CHAIN_AVGPOOL, 0},
    {"identity", CLNAS_CHAIN_IDENTITY, 0},
};

const char *clnas_chain_path_op_name(int k)
{
    return k >= 0 && k < CLNAS_CHAIN_PATH_OPS ? path_ops[k].name : "unknown";
}

int clnas_chain_path_op_of(const clnas_chain_layer *l)
{
    for (int k = 0; k < CLNAS_CHAIN_PATH_OPS; k++)
        if (path_ops[k].op == l->op && path_ops[k].ksize == l->ksize)
            return k;
    return -1;
}

void clnas_chain_path_op_set(int k, int filters, clnas_chain_layer *l)
{
    l->op = path_ops[k].op;
    l->ksize = path_ops[k].ksize;
    l->filters = (uint16_t)(l->op == CLNAS_CHAIN_CONV || l->op == CLNAS_CHAIN_SEPCONV ? filters : 0);
}

static int same_shape(const clnas_chain_shape *a, const clnas_chain_shape *b)
{
    return a->c_stem == b->c_stem && a->c_fixed == b->c_fixed && a->level == b->level;
}

clnas_status clnas_chain_path_masks(const clnas_chain_genotype *g, uint16_t mask[CLNAS_CHAIN_MAX_LAYERS],
                                    clnas_error *err)
{
    clnas_chain_shape want[CLNAS_CHAIN_MAX_LAYERS + 1], got[CLNAS_CHAIN_MAX_LAYERS + 1];
    clnas_status st = clnas_chain_genotype_validate(g, want, err);
    if (st != CLNAS_OK)
        return st;
    memset(mask, 0, CLNAS_CHAIN_MAX_LAYERS * sizeof *mask);
    for (int i = 0; i < g->nlayers; i++)
        for (int k = 0; k < CLNAS_CHAIN_PATH_OPS; k++) {
            /* a convolution's filters are the output's channels, when those are a fixed filter count */
            clnas_chain_genotype t = *g;
            clnas_chain_path_op_set(k, want[i + 1].c_stem ? 0 : want[i + 1].c_fixed, &t.layer[i]);
            int fits = clnas_chain_genotype_validate(&t, got, NULL) == CLNAS_OK;
            for (int j = 0; fits && j <= g->nlayers; j++)
                fits = same_shape(&want[j], &got[j]);
            if (fits)
                mask[i] |= (uint16_t)(1u << k);
        }
    return CLNAS_OK;
}

/* Filters of layer i's convolutions (its output's channels), from the skeleton's shapes. */
static int layer_filters(const clnas_chain_genotype *skeleton, int i)
{
    clnas_chain_shape s[CLNAS_CHAIN_MAX_LAYERS + 1];
    if (clnas_chain_genotype_validate(skeleton, s, NULL) != CLNAS_OK || s[i + 1].c_stem)
        return 0;
    return s[i + 1].c_fixed;
}

void clnas_chain_path_set_layer(clnas_chain_genotype *g, int i, int k)
{
    clnas_chain_path_op_set(k, layer_filters(g, i), &g->layer[i]);
}

int clnas_chain_is_path(const clnas_chain_genotype *skeleton, const clnas_chain_genotype *g, char *why, size_t cap)
{
    uint16_t mask[CLNAS_CHAIN_MAX_LAYERS];
    if (clnas_chain_path_masks(skeleton, mask, NULL) != CLNAS_OK) {
        snprintf(why, cap, "the skeleton is not a valid chain genotype");
        return 0;
    }
    if (g->nlayers != skeleton->nlayers) {
        snprintf(why, cap, "%d layers, the skeleton has %d", g->nlayers, skeleton->nlayers);
        return 0;
    }
    for (int i = 0; i < g->nlayers; i++) {
        const clnas_chain_layer *a = &g->layer[i], *s = &skeleton->layer[i];
        if (a->stride != s->stride || a->nskips != s->nskips || (a->nskips && a->join != s->join) ||
            memcmp(a->skip, s->skip, a->nskips) != 0) {
            snprintf(why, cap, "layer %d: another stride or joins than the skeleton's", i + 1);
            return 0;
        }
        const int k = clnas_chain_path_op_of(a);
        if (k < 0 || !(mask[i] & (1u << k)) || (a->filters && a->filters != layer_filters(skeleton, i))) {
            snprintf(why, cap, "layer %d: the supernet's layer holds no %s%s%.0d (it holds the ops that keep the "
                     "skeleton's output shape)", i + 1, k >= 0 ? clnas_chain_path_op_name(k) : "such op",
                     a->filters ? "-" : "", a->filters);
            return 0;
        }
    }
    return 1;
}

static int held(uint16_t mask, int *ops)
{
    int n = 0;
    for (int k = 0; k < CLNAS_CHAIN_PATH_OPS; k++)
        if (mask & (1u << k))
            ops[n++] = k;
    return n;
}

void clnas_chain_path_sample(const clnas_chain_genotype *skeleton, const uint16_t *mask, clnas_rng *rng,
                             clnas_chain_genotype *out)
{
    clnas_chain_genotype g = *skeleton;
    for (int i = 0; i < g.nlayers; i++) {
        int ops[CLNAS_CHAIN_PATH_OPS];
        const int n = held(mask[i], ops);
        if (n > 0)
            clnas_chain_path_set_layer(&g, i, ops[clnas_rng_below(rng, (uint32_t)n)]);
    }
    clnas_chain_normalize(&g, out);
}

/* ---- behind the space interface ---- */

static void paths_sample(const clnas_space_iface *space, clnas_rng *rng, clnas_space_genotype *out)
{
    const clnas_chain_paths *p = space->ctx;
    clnas_chain_genotype g;
    clnas_chain_path_sample(&p->skeleton, p->mask, rng, &g);
    clnas_chain_to_space(&g, out);
}

/* Every path one op change away from g, in layer then op order; the first cap into out. A path's masks are its
 * skeleton's, so they come from g itself. */
static int op_changes(const clnas_chain_genotype *g, clnas_chain_genotype *out, int cap)
{
    uint16_t mask[CLNAS_CHAIN_MAX_LAYERS];
    if (clnas_chain_path_masks(g, mask, NULL) != CLNAS_OK)
        return 0;
    int n = 0;
    for (int i = 0; i < g->nlayers; i++) {
        const int mine = clnas_chain_path_op_of(&g->layer[i]);
        for (int k = 0; k < CLNAS_CHAIN_PATH_OPS; k++) {
            if (k == mine || !(mask[i] & (1u << k)))
                continue;
            if (n < cap) {
                out[n] = *g;
                clnas_chain_path_set_layer(&out[n], i, k);
            }
            n++;
        }
    }
    return n;
}

static void paths_mutate(const clnas_space_genotype *parent, clnas_rng *rng, clnas_space_genotype *child)
{
    const clnas_chain_genotype p = clnas_chain_of(parent);
    uint16_t mask[CLNAS_CHAIN_MAX_LAYERS];
    int layers[CLNAS_CHAIN_MAX_LAYERS], n = 0;
    if (clnas_chain_path_masks(&p, mask, NULL) == CLNAS_OK)
        for (int i = 0; i < p.nlayers; i++) {
            int ops[CLNAS_CHAIN_PATH_OPS];
            if (held(mask[i], ops) > 1)
                layers[n++] = i;
        }
    if (n == 0) { /* every layer holds one op: the parent is the only path */
        *child = *parent;
        return;
    }
    const int i = layers[clnas_rng_below(rng, (uint32_t)n)];
    int ops[CLNAS_CHAIN_PATH_OPS], others[CLNAS_CHAIN_PATH_OPS], m = 0;
    const int count = held(mask[i], ops), mine = clnas_chain_path_op_of(&p.layer[i]);
    for (int j = 0; j < count; j++)
        if (ops[j] != mine)
            others[m++] = ops[j];
    clnas_chain_genotype c = p;
    clnas_chain_path_set_layer(&c, i, others[clnas_rng_below(rng, (uint32_t)m)]);
    clnas_chain_to_space(&c, child);
}

static int paths_neighbours(const clnas_space_genotype *g, clnas_space_genotype *out, int cap)
{
    const clnas_chain_genotype c = clnas_chain_of(g);
    clnas_chain_genotype children[CLNAS_CHAIN_MAX_LAYERS * CLNAS_CHAIN_PATH_OPS];
    const int n = op_changes(&c, children, CLNAS_CHAIN_MAX_LAYERS * CLNAS_CHAIN_PATH_OPS);
    for (int i = 0; i < n && i < cap; i++)
        clnas_chain_to_space(&children[i], &out[i]);
    return n;
}

clnas_status clnas_chain_paths_new(const clnas_chain_genotype *skeleton, clnas_chain_paths **out, clnas_error *err)
{
    *out = NULL;
    clnas_chain_paths *p = calloc(1, sizeof *p);
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    clnas_chain_normalize(skeleton, &p->skeleton);
    clnas_status st = clnas_chain_path_masks(&p->skeleton, p->mask, err);
    if (st != CLNAS_OK) {
        free(p);
        return clnas_error_prefix(err, "the supernet's skeleton");
    }
    p->iface = clnas_space_chain; /* its strings, canonical form and description */
    p->iface.description = "the paths of a chain-space supernet: the skeleton's layers, strides and skips, each "
                           "layer one of the ops that keep its output's shape";
    p->iface.sample = paths_sample;
    p->iface.mutate = paths_mutate;
    p->iface.neighbours = paths_neighbours;
    p->iface.decisions = 0;
    p->iface.decision_options = NULL;
    p->iface.decision_name = NULL;
    p->iface.to_decisions = NULL;
    p->iface.from_decisions = NULL;
    p->iface.ctx = p;
    *out = p;
    return CLNAS_OK;
}

void clnas_chain_paths_free(clnas_chain_paths *p)
{
    free(p);
}
