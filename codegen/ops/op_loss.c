/* clnas — softmax cross-entropy: checks, the descriptor for kernels/softmax_xent.cl, reference, op table row. */
#include "op_loss.h"

#include <limits.h>
#include <math.h>

#include "op.h"

#define LOSS_LOCAL_MAX 256 /* a power of two */

clnas_status clnas_op_softmax_xent_desc(const clnas_loss_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    if (!p || !d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "softmax_xent: params and descriptor must not be NULL");
    if (p->n < 1 || p->classes < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "softmax_xent: n and classes must be >= 1, got n=%d "
                               "classes=%d", p->n, p->classes);
    if (!(p->weight >= 0.0) || isinf(p->weight))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "softmax_xent: weight must be finite and >= 0, got %g",
                               p->weight);
    if ((long long)p->n * p->classes > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "softmax_xent: logits of n*classes = %lld elements exceed the kernel's limit of %d",
                               (long long)p->n * p->classes, INT_MAX);
    int local = 1;
    while (local < p->n && local < LOSS_LOCAL_MAX)
        local *= 2;
    clnas_kernel_desc_init(d, "softmax_xent", "softmax_xent");
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "BATCH", p->n) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "CLASSES", p->classes) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", local) != CLNAS_OK;
    if (p->weight != 0.0 && p->weight != 1.0) /* unweighted losses keep the program they had */
        bad |= clnas_kernel_desc_define_real(d, "WEIGHT", p->weight) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "logits") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR_INT, "labels") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "loss") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "dlogits") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "softmax_xent: descriptor table full");
    clnas_kernel_desc_geometry_1d(d, (size_t)local, (size_t)local);
    clnas_kernel_desc_local_mem(d, (size_t)local, 0);
    return CLNAS_OK;
}

void clnas_ref_softmax_xent(const clnas_loss_params *p, const double *logits, const int *labels, double *loss,
                            double *dlogits)
{
    const double weight = p->weight != 0.0 ? p->weight : 1.0;
    double total = 0.0;
    for (int r = 0; r < p->n; r++) {
        const double *z = logits + (size_t)r * p->classes;
        double *dz = dlogits + (size_t)r * p->classes;
        double zmax = z[0], sum = 0.0;
        for (int k = 1; k < p->classes; k++)
            zmax = z[k] > zmax ? z[k] : zmax;
        for (int k = 0; k < p->classes; k++)
            sum += exp(z[k] - zmax);
        total += zmax + log(sum) - z[labels[r]];
        for (int k = 0; k < p->classes; k++)
            dz[k] = weight * ((exp(z[k] - zmax) / sum - (k == labels[r] ? 1.0 : 0.0)) / p->n);
    }
    loss[0] = weight * (total / p->n);
}

/* ---- the graph op: the loss node (its gradient comes with it, so autodiff starts from its output) ---- */

static clnas_status lower_softmax_xent(clnas_lowering *l, const clnas_graph_node *n)
{
    const clnas_graph_tensor *logits = clnas_lower_tensor(l, n->in[0]);
    clnas_loss_params p = {0};
    p.n = logits->shape[0];
    p.classes = logits->shape[1];
    p.weight = n->loss_weight;
    CLNAS_TRY(clnas_op_softmax_xent_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "logits", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "labels", n->in[1]));
    CLNAS_TRY(clnas_lower_bind(l, "loss", n->out[0]));
    return clnas_lower_bind(l, "dlogits", n->out[1]);
}

/* the loss: one value (the second output, dlogits, is shaped like the logits) */
static int shape(const clnas_graph *g, const clnas_graph_node *n, int out[4])
{
    (void)g;
    (void)n;
    out[0] = 1;
    return 1;
}

const clnas_op_def clnas_op_def_softmax_xent = {
    .kind = CLNAS_NODE_SOFTMAX_XENT, .name = "softmax_cross_entropy", .shape = shape, .relu_slot = -1,
    .lower = lower_softmax_xent};
