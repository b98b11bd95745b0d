/* clnas — the split sum: check, descriptor for kernels/split_sum.cl, reference, op table row. */
#include "op_split_sum.h"

#include <limits.h>

#include "op.h"

#define SPLIT_SUM_LOCAL 256

clnas_status clnas_op_split_sum_desc(const clnas_split_sum_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    if (!p || !d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "split_sum: params and descriptor must not be NULL");
    if (p->count < 1 || p->parts < 1 || p->count > INT_MAX / p->parts)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "split_sum: %d parts of %ld elements, expected at least "
                               "one part of at least one element, at most %d elements in all", p->parts, p->count,
                               INT_MAX);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "split_sum: accum must be 0 or 1, got %d", p->accum);
    clnas_kernel_desc_init(d, "split_sum", "split_sum");
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "COUNT", p->count) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "PARTS", p->parts) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "ACCUM", p->accum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", SPLIT_SUM_LOCAL) != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "part") != CLNAS_OK;
    bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, "y") != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "split_sum: descriptor table full");
    clnas_kernel_desc_geometry_1d(d, (size_t)p->count, SPLIT_SUM_LOCAL);
    return CLNAS_OK;
}

void clnas_ref_split_sum(const clnas_split_sum_params *p, const double *part, double *y)
{
    for (long i = 0; i < p->count; i++) {
        double s = 0.0;
        for (int k = 0; k < p->parts; k++)
            s += part[(size_t)k * (size_t)p->count + (size_t)i];
        y[i] = p->accum ? y[i] + s : s;
    }
}

/* out[0] is the sum of in[0]'s parts: the part count is their ratio. */
static clnas_status lower(clnas_lowering *l, const clnas_graph_node *n)
{
    const size_t count = clnas_lower_tensor(l, n->out[0])->count, all = clnas_lower_tensor(l, n->in[0])->count;
    if (count == 0 || all % count)
        return clnas_error_set(l->err, CLNAS_ERR_INVALID_ARG, "internal: %s: %zu elements of parts for a result of "
                               "%zu", n->label, all, count);
    clnas_split_sum_params p = {(long)count, (int)(all / count), n->accum[0]};
    CLNAS_TRY(clnas_op_split_sum_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "part", n->in[0]));
    return clnas_lower_bind(l, "y", n->out[0]);
}

const clnas_op_def clnas_op_def_split_sum = {
    .kind = CLNAS_NODE_SPLIT_SUM, .name = "split_sum", .accum_mask = 1, .relu_slot = -1, .lower = lower};
