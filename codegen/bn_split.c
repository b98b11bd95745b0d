/* clnas — the GPU family's BatchNorms split over ranges of each channel (see bn_split.h). */
#include "bn_split.h"

#include <stdio.h>

#include "op_bn.h"

/* Inserts before node `at` (launch i) the node computing its ranges' partial statistics: 1 when done, 0 when out of
 * memory. */
static int add_part_node(clnas_graph *g, int i, int at, int split)
{
    const int bwd = g->nodes[at].kind == CLNAS_NODE_BN_BWD;
    const int x = g->nodes[at].in[bwd ? 1 : 0];
    const int shape[4] = {g->tensors[x].shape[1], split, 2, 1};
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%.80s:parts", g->nodes[at].label);
    const int parts = clnas_graph_tensor_add(g, name, CLNAS_ARENA_ACT, 3, shape);
    if (parts < 0)
        return 0;
    /* the backward's parts read dy, x and the saved mean: its ins 0, 1 and 3 */
    const int in[3] = {g->nodes[at].in[0], x, bwd ? g->nodes[at].in[3] : -1};
    char label[CLNAS_NAME_MAX];
    snprintf(label, sizeof label, "%.80s:part", g->nodes[at].label);
    const int part = clnas_graph_node_add(g, bwd ? CLNAS_NODE_BN_BWD_PART : CLNAS_NODE_BN_PART, g->nodes[at].phase,
                                          in, bwd ? 3 : 1, &parts, 1, label);
    if (part < 0 || clnas_graph_order_insert(g, i, part) != 0)
        return 0;
    g->nodes[part].split = split;
    clnas_graph_node *n = &g->nodes[at]; /* after node_add: the table may have moved */
    n->in[n->nin++] = parts;
    return 1;
}

clnas_status clnas_bn_split(clnas_graph *g, const clnas_device_profile *profile, int *count, clnas_error *err)
{
    int done = 0;
    for (int i = 0; i < g->norder; i++) {
        const int at = g->order[i];
        const clnas_graph_node *n = &g->nodes[at];
        if ((n->kind != CLNAS_NODE_BN && n->kind != CLNAS_NODE_BN_BWD && n->kind != CLNAS_NODE_BN_SAVED) ||
            n->split > 1)
            continue;
        const clnas_graph_tensor *x = &g->tensors[n->in[n->kind == CLNAS_NODE_BN_BWD ? 1 : 0]];
        clnas_bn_params p = {0};
        p.n = x->shape[0];
        p.c = x->shape[1];
        p.hw = x->shape[2] * x->shape[3];
        p.profile = profile;
        const int split = clnas_bn_split_ranges(&p);
        if (split < 2)
            continue;
        if (n->kind == CLNAS_NODE_BN_BWD || n->training) {
            if (n->nin >= CLNAS_NODE_MAX_IN)
                return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "internal: %s has no input left for its parts",
                                       n->label);
            if (!add_part_node(g, i, at, split))
                return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory splitting BatchNorms");
            i++; /* the BatchNorm, now after its part */
        }
        g->nodes[at].split = split;
        done++;
    }
    if (done)
        clnas_graph_count_uses(g);
    if (count)
        *count = done;
    return CLNAS_OK;
}
