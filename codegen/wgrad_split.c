/* clnas — the GPU family's weight gradients split over pixels (see wgrad_split.h). */
#include "wgrad_split.h"

#include <stdio.h>
#include <string.h>

#include "op_conv.h"

/* Splits node `at` (launch i) into S ranges: 1 when done, 0 when out of memory. */
static int split_node(clnas_graph *g, int i, int at, int split)
{
    const int dw = g->nodes[at].out[0];
    int shape[4];
    memcpy(shape, g->tensors[dw].shape, sizeof shape);
    shape[0] *= split;
    char name[CLNAS_NAME_MAX];
    snprintf(name, sizeof name, "%s:parts", g->tensors[dw].name);
    const int parts = clnas_graph_tensor_add(g, name, CLNAS_ARENA_ACT, g->tensors[dw].ndim, shape);
    if (parts < 0)
        return 0;
    char label[CLNAS_NAME_MAX];
    snprintf(label, sizeof label, "%s:split_sum", g->nodes[at].label);
    const int sum = clnas_graph_node_add(g, CLNAS_NODE_SPLIT_SUM, g->nodes[at].phase, &parts, 1, &dw, 1, label);
    if (sum < 0 || clnas_graph_order_insert(g, i + 1, sum) != 0)
        return 0;
    clnas_graph_node *n = &g->nodes[at]; /* after node_add: the table may have moved */
    g->nodes[sum].accum[0] = n->accum[0];
    n->accum[0] = 0;
    n->out[0] = parts;
    n->split = split;
    return 1;
}

clnas_status clnas_wgrad_split(clnas_graph *g, const clnas_device_profile *profile, int *count, clnas_error *err)
{
    int done = 0;
    for (int i = 0; i < g->norder; i++) {
        const int at = g->order[i];
        const clnas_graph_node *n = &g->nodes[at];
        if (n->kind != CLNAS_NODE_CONV_BWD_FILTER || n->split > 1)
            continue;
        const clnas_conv_params p = clnas_conv_node_params(g, n, n->in[1], n->in[0]); /* ins: dy x */
        const int split = clnas_conv_bwd_filter_split(&p, profile);
        if (split < 2)
            continue;
        if (!split_node(g, i, at, split))
            return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory splitting weight gradients");
        done++;
        i++; /* past its split_sum */
    }
    if (done)
        clnas_graph_count_uses(g);
    if (count)
        *count = done;
    return CLNAS_OK;
}
