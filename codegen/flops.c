/* clnas — forward FLOPs of a network per image (the convention: flops.h). */
#include "flops.h"

/* Multiply-adds per image of one forward node. The forward kinds that count 0 are listed too (flops.h says why);
 * a new forward kind gets its line here. */
static double node_macs(const clnas_graph *g, const clnas_graph_node *n)
{
    const clnas_graph_tensor *w = n->nin > 1 ? &g->tensors[n->in[1]] : NULL;
    const clnas_graph_tensor *y = n->nout > 0 ? &g->tensors[n->out[0]] : NULL;
    switch (n->kind) {
    case CLNAS_NODE_CONV:   /* w [co][ci][k][k], y [n][co][ho][wo] */
    case CLNAS_NODE_DWCONV: /* w [c][1][k][k]: ci is 1 */
        return (double)w->shape[0] * w->shape[1] * w->shape[2] * w->shape[3] * y->shape[2] * y->shape[3];
    case CLNAS_NODE_LINEAR: /* w [classes][features] */
        return (double)w->shape[0] * w->shape[1];
    case CLNAS_NODE_RELU:
    case CLNAS_NODE_BN:
    case CLNAS_NODE_BN_CONST:
    case CLNAS_NODE_AVGPOOL3:
    case CLNAS_NODE_AVGPOOL2:
    case CLNAS_NODE_AVGPOOL_K:
    case CLNAS_NODE_MAXPOOL3:
    case CLNAS_NODE_SUM:
    case CLNAS_NODE_GAP:
    case CLNAS_NODE_SOFTMAX_XENT:
    case CLNAS_NODE_MIXED:
    case CLNAS_NODE_SUBSAMPLE2:
    case CLNAS_NODE_CONCAT:
    case CLNAS_NODE_DROP_PATH:
    case CLNAS_NODE_FILL_ZERO:
    default: /* backward and update kinds: not forward nodes */
        return 0.0;
    }
}

double clnas_graph_forward_flops(const clnas_graph *g)
{
    double macs = 0.0;
    for (int i = 0; i < g->nnodes; i++)
        if (!g->nodes[i].dead && g->nodes[i].phase == CLNAS_PHASE_FORWARD)
            macs += node_macs(g, &g->nodes[i]);
    return 2.0 * macs;
}
