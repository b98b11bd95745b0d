/* clnas — BatchNorm2d (and of zeros): checks, descriptors for kernels/batchnorm.cl, references, op table rows. */
#include "op_bn.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "op.h"

/* Upper bound of the per-channel work-group, one work-item a row; a power of two. On PoCL 16 beat 64 and 256 (whose
 * work-items run one after the other with a barrier tree of more steps) at the NB201 shapes. */
#define BN_LOCAL 16
#define BN_GPU_LOCAL 256


clnas_status clnas_op_bn_check(const clnas_bn_params *p, int training, clnas_error *err)
{
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batchnorm: params must not be NULL");
    if (p->n < 1 || p->c < 1 || p->hw < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batchnorm: n, c and hw must be >= 1, got n=%d c=%d hw=%d",
                               p->n, p->c, p->hw);
    long long total = (long long)p->n * p->c * p->hw;
    if (total > INT_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "batchnorm: tensor of n*c*hw = %lld elements exceeds the kernel's limit of %d", total,
                               INT_MAX);
    if (!(p->eps > 0.0) || !isfinite(p->eps))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batchnorm: eps must be positive and finite, got %g",
                               p->eps);
    if (!(p->momentum >= 0.0 && p->momentum <= 1.0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batchnorm: momentum must be in [0, 1], got %g",
                               p->momentum);
    if (p->accum != 0 && p->accum != 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batchnorm: accum must be 0 or 1, got %d", p->accum);
    if (training && (long long)p->n * p->hw < 2)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "batchnorm: training needs more than one value per channel, got n*hw = %lld",
                               (long long)p->n * p->hw);
    if (p->split > 1) {
        const long long m = (long long)p->n * p->hw, range = (m + p->split - 1) / p->split;
        if (!clnas_device_profile_gpu(p->profile))
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batchnorm: split %d: only the GPU family's kernels "
                                   "split a channel", p->split);
        if ((long long)(p->split - 1) * range >= m || 2LL * p->c * p->split > INT_MAX)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batchnorm: split %d of a channel of %lld elements "
                                   "leaves a range empty or too many parts", p->split, m);
    } else if (p->split < 0) {
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batchnorm: split must be >= 0, got %d", p->split);
    }
    return CLNAS_OK;
}

int clnas_bn_split_ranges(const clnas_bn_params *p)
{
    if (!p || !clnas_device_profile_gpu(p->profile) || p->c < 1)
        return 1;
    const long shortest = (long)CLNAS_BN_SPLIT_MIN_ITEMS * (long)clnas_device_profile_local(p->profile, BN_GPU_LOCAL);
    /* a work-group per channel without a split; the parts are one tensor, indexed by int */
    return clnas_device_profile_split(p->profile, p->c, (long)p->n * p->hw, shortest, INT_MAX / 2 / p->c,
                                      CLNAS_BN_SPLIT_GROUPS_PER_UNIT);
}

/* Smallest power of two >= m (the rows of a channel), at most BN_LOCAL. */
static int channel_local(int m)
{
    int local = 1;
    while (local < m && local < BN_LOCAL)
        local *= 2;
    return local;
}

/* Every kernel of the template sees every #define (they compile together) and runs one work-group per channel, or
 * per range of a channel where p->split > 1 (which `splits` says the entry can take: 0 none, 1 any, 2 only a split).
 * An entry that `reduces` adds up its work-items' sums in a __local scratch of LOCAL reals. */
static clnas_status bn_desc(const clnas_bn_params *p, int training, int splits, int reduces, const char *entry,
                            const char *const *slots, int nslots, clnas_kernel_desc *d, clnas_error *err)
{
    clnas_status st = clnas_op_bn_check(p, training, err);
    if (st != CLNAS_OK)
        return st;
    if (!d)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batchnorm %s: descriptor must not be NULL", entry);
    const int split = p->split > 1 ? p->split : 1;
    if ((splits == 0 && split > 1) || (splits == 2 && split < 2))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batchnorm %s: split %d, expected %s", entry, split,
                               splits ? "a split of at least 2 ranges" : "none (a work-group per channel)");
    const int gpu = clnas_device_profile_gpu(p->profile);
    clnas_kernel_desc_init(d, gpu ? "batchnorm_gpu" : "batchnorm", entry);
    /* the GPU family: as many work-items per channel as the device allows up to BN_GPU_LOCAL, walking the
     * channel's elements one apart (coalesced); the CPU family: a few, each walking whole rows in vectors */
    int local = gpu ? (int)clnas_device_profile_local(p->profile, BN_GPU_LOCAL) : channel_local(p->n);
    int bad = 0;
    bad |= clnas_kernel_desc_define_int(d, "BATCH", p->n) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "CHANNELS", p->c) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "HW", p->hw) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_real(d, "EPS", p->eps) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_real(d, "MOMENTUM", p->momentum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "ACCUM", p->accum) != CLNAS_OK;
    bad |= clnas_kernel_desc_define_int(d, "LOCAL", local) != CLNAS_OK;
    if (split > 1)
        bad |= clnas_kernel_desc_define_int(d, "SPLIT", split) != CLNAS_OK;
    for (int i = 0; i < nslots; i++)
        bad |= clnas_kernel_desc_arg(d, CLNAS_ARG_TENSOR, slots[i]) != CLNAS_OK;
    if (bad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "batchnorm %s: descriptor table full", entry);
    clnas_kernel_desc_geometry_1d(d, (size_t)p->c * (size_t)split * (size_t)local, (size_t)local);
    clnas_kernel_desc_local_mem(d, reduces ? (size_t)local : 0, 0); /* scratch[LOCAL] of the tree sum */
    return CLNAS_OK;
}

clnas_status clnas_op_bn_fwd_train_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"x", "gamma", "beta", "rmean", "rvar", "smean", "sinvstd", "y"};
    static const char *const split_slots[] = {"x", "gamma", "beta", "rmean", "rvar", "part", "smean", "sinvstd", "y"};
    if (p && p->split > 1)
        return bn_desc(p, 1, 2, 0, "bn_fwd_train_split", split_slots, 9, d, err);
    return bn_desc(p, 1, 0, 1, "bn_fwd_train", slots, 8, d, err);
}

clnas_status clnas_op_bn_fwd_part_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"x", "part"};
    return bn_desc(p, 1, 2, 1, "bn_fwd_part", slots, 2, d, err);
}

clnas_status clnas_op_bn_fwd_eval_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"x", "gamma", "beta", "rmean", "rvar", "y"};
    return bn_desc(p, 0, 1, 0, "bn_fwd_eval", slots, 6, d, err);
}

clnas_status clnas_op_bn_fwd_saved_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"x", "gamma", "beta", "smean", "sinvstd", "y"};
    return bn_desc(p, 0, 1, 0, "bn_fwd_saved", slots, 6, d, err);
}

clnas_status clnas_op_bn_bwd_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"dy", "x", "gamma", "smean", "sinvstd", "dx", "dgamma", "dbeta"};
    static const char *const split_slots[] = {"dy", "x", "gamma", "smean", "sinvstd", "part", "dx", "dgamma", "dbeta"};
    if (p && p->split > 1)
        return bn_desc(p, 1, 2, 0, "bn_bwd_split", split_slots, 9, d, err);
    return bn_desc(p, 1, 0, 1, "bn_bwd", slots, 8, d, err);
}

clnas_status clnas_op_bn_bwd_part_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"dy", "x", "smean", "part"};
    return bn_desc(p, 1, 2, 1, "bn_bwd_part", slots, 4, d, err);
}

clnas_status clnas_op_bn_const_fwd_train_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"beta", "rmean", "rvar", "y"};
    return bn_desc(p, 1, 0, 0, "bn_const_fwd_train", slots, 4, d, err);
}

clnas_status clnas_op_bn_const_fwd_eval_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"gamma", "beta", "rmean", "rvar", "y"};
    return bn_desc(p, 0, 0, 0, "bn_const_fwd_eval", slots, 5, d, err);
}

clnas_status clnas_op_bn_const_bwd_desc(const clnas_bn_params *p, clnas_kernel_desc *d, clnas_error *err)
{
    static const char *const slots[] = {"dy", "dgamma", "dbeta"};
    return bn_desc(p, 0, 0, 1, "bn_const_bwd", slots, 3, d, err);
}

/* Element i (0 <= i < n*hw) of channel c: sample i / hw, pixel i % hw. */
static size_t bn_index(const clnas_bn_params *p, int c, long i)
{
    long n = i / p->hw;
    return (size_t)((n * p->c + c) * p->hw + (i - n * p->hw));
}

static void store(int accum, double *out, double value)
{
    if (accum)
        *out += value;
    else
        *out = value;
}

void clnas_ref_bn_fwd_train(const clnas_bn_params *p, const double *x, const double *gamma, const double *beta,
                            double *rmean, double *rvar, double *smean, double *sinvstd, double *y)
{
    long m = (long)p->n * p->hw;
    for (int c = 0; c < p->c; c++) {
        double sum = 0.0;
        for (long i = 0; i < m; i++)
            sum += x[bn_index(p, c, i)];
        double mean = sum / (double)m, sq = 0.0;
        for (long i = 0; i < m; i++) {
            double dev = x[bn_index(p, c, i)] - mean;
            sq += dev * dev;
        }
        double var = sq / (double)m, invstd = 1.0 / sqrt(var + p->eps);
        for (long i = 0; i < m; i++) {
            size_t at = bn_index(p, c, i);
            store(p->accum, &y[at], gamma[c] * (x[at] - mean) * invstd + beta[c]);
        }
        smean[c] = mean;
        sinvstd[c] = invstd;
        rmean[c] = (1.0 - p->momentum) * rmean[c] + p->momentum * mean;
        rvar[c] = (1.0 - p->momentum) * rvar[c] + p->momentum * var * (double)m / (double)(m - 1);
    }
}

void clnas_ref_bn_fwd_eval(const clnas_bn_params *p, const double *x, const double *gamma, const double *beta,
                           const double *rmean, const double *rvar, double *y)
{
    long m = (long)p->n * p->hw;
    for (int c = 0; c < p->c; c++) {
        double invstd = 1.0 / sqrt(rvar[c] + p->eps);
        for (long i = 0; i < m; i++) {
            size_t at = bn_index(p, c, i);
            store(p->accum, &y[at], gamma[c] * (x[at] - rmean[c]) * invstd + beta[c]);
        }
    }
}

void clnas_ref_bn_fwd_saved(const clnas_bn_params *p, const double *x, const double *gamma, const double *beta,
                            const double *smean, const double *sinvstd, double *y)
{
    long m = (long)p->n * p->hw;
    for (int c = 0; c < p->c; c++)
        for (long i = 0; i < m; i++) {
            size_t at = bn_index(p, c, i);
            store(p->accum, &y[at], gamma[c] * (x[at] - smean[c]) * sinvstd[c] + beta[c]);
        }
}

void clnas_ref_bn_bwd(const clnas_bn_params *p, const double *dy, const double *x, const double *gamma,
                      const double *smean, const double *sinvstd, double *dx, double *dgamma, double *dbeta)
{
    long m = (long)p->n * p->hw;
    for (int c = 0; c < p->c; c++) {
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (long i = 0; i < m; i++) {
            size_t at = bn_index(p, c, i);
            sum_dy += dy[at];
            sum_dy_xhat += dy[at] * (x[at] - smean[c]) * sinvstd[c];
        }
        double k = gamma[c] * sinvstd[c] / (double)m;
        for (long i = 0; i < m; i++) {
            size_t at = bn_index(p, c, i);
            double xhat = (x[at] - smean[c]) * sinvstd[c];
            store(p->accum, &dx[at], k * ((double)m * dy[at] - sum_dy - xhat * sum_dy_xhat));
        }
        dgamma[c] = sum_dy_xhat;
        dbeta[c] = sum_dy;
    }
}

void clnas_ref_bn_const_fwd_train(const clnas_bn_params *p, const double *beta, double *rmean, double *rvar,
                                  double *y)
{
    long m = (long)p->n * p->hw;
    for (int c = 0; c < p->c; c++) {
        for (long i = 0; i < m; i++)
            store(p->accum, &y[bn_index(p, c, i)], beta[c]);
        rmean[c] *= 1.0 - p->momentum;
        rvar[c] *= 1.0 - p->momentum;
    }
}

void clnas_ref_bn_const_fwd_eval(const clnas_bn_params *p, const double *gamma, const double *beta,
                                 const double *rmean, const double *rvar, double *y)
{
    long m = (long)p->n * p->hw;
    for (int c = 0; c < p->c; c++) {
        double shift = beta[c] - rmean[c] * gamma[c] / sqrt(rvar[c] + p->eps);
        for (long i = 0; i < m; i++)
            store(p->accum, &y[bn_index(p, c, i)], shift);
    }
}

void clnas_ref_bn_const_bwd(const clnas_bn_params *p, const double *dy, double *dgamma, double *dbeta)
{
    long m = (long)p->n * p->hw;
    for (int c = 0; c < p->c; c++) {
        double sum = 0.0;
        for (long i = 0; i < m; i++)
            sum += dy[bn_index(p, c, i)];
        dgamma[c] = 0.0;
        dbeta[c] = sum;
    }
}

/* Range r of a channel of p: its first element and its length. */
static void split_range(const clnas_bn_params *p, int r, long *begin, long *count)
{
    const long m = (long)p->n * p->hw, range = (m + p->split - 1) / p->split;
    *begin = r * range;
    *count = m - *begin < range ? m - *begin : range;
}

void clnas_ref_bn_fwd_part(const clnas_bn_params *p, const double *x, double *part)
{
    for (int c = 0; c < p->c; c++)
        for (int r = 0; r < p->split; r++) {
            long begin, count;
            split_range(p, r, &begin, &count);
            double sum = 0.0, sq = 0.0;
            for (long i = begin; i < begin + count; i++)
                sum += x[bn_index(p, c, i)];
            const double mean = sum / (double)count;
            for (long i = begin; i < begin + count; i++)
                sq += (x[bn_index(p, c, i)] - mean) * (x[bn_index(p, c, i)] - mean);
            part[((size_t)c * (size_t)p->split + (size_t)r) * 2] = mean;
            part[((size_t)c * (size_t)p->split + (size_t)r) * 2 + 1] = sq;
        }
}

void clnas_ref_bn_bwd_part(const clnas_bn_params *p, const double *dy, const double *x, const double *smean,
                           double *part)
{
    for (int c = 0; c < p->c; c++)
        for (int r = 0; r < p->split; r++) {
            long begin, count;
            split_range(p, r, &begin, &count);
            double sum_dy = 0.0, sum_dy_dev = 0.0;
            for (long i = begin; i < begin + count; i++) {
                sum_dy += dy[bn_index(p, c, i)];
                sum_dy_dev += dy[bn_index(p, c, i)] * (x[bn_index(p, c, i)] - smean[c]);
            }
            part[((size_t)c * (size_t)p->split + (size_t)r) * 2] = sum_dy;
            part[((size_t)c * (size_t)p->split + (size_t)r) * 2 + 1] = sum_dy_dev;
        }
}

/* ---- the graph ops: BatchNorm, BatchNorm of zeros, and their backwards ---- */

/* Over tensor t's [n][c][h][w]. */
static clnas_bn_params node_params(const clnas_lowering *l, int t, int accum)
{
    const clnas_graph_tensor *x = clnas_lower_tensor(l, t);
    clnas_bn_params p = {0};
    p.n = x->shape[0];
    p.c = x->shape[1];
    p.hw = x->shape[2] * x->shape[3];
    p.eps = l->cfg->bn_eps;
    p.momentum = l->cfg->bn_momentum;
    p.accum = accum;
    p.profile = l->profile;
    return p;
}

/* A split node's parts: its last input (codegen/bn_split.c). */
static clnas_status bind_parts(clnas_lowering *l, const clnas_graph_node *n, int nin)
{
    if (n->split < 2)
        return CLNAS_OK;
    if (n->nin != nin + 1)
        return clnas_error_set(l->err, CLNAS_ERR_INVALID_ARG, "internal: %s split without its parts", n->label);
    return clnas_lower_bind(l, "part", n->in[nin]);
}

static clnas_status lower_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_bn_params p = node_params(l, n->in[0], n->accum[0]);
    p.split = n->split;
    static const char *const slots[] = {"x", "gamma", "beta", "rmean", "rvar"};
    if (n->training)
        CLNAS_TRY(clnas_op_bn_fwd_train_desc(&p, &l->desc, l->err));
    else
        CLNAS_TRY(clnas_op_bn_fwd_eval_desc(&p, &l->desc, l->err));
    for (int i = 0; i < 5; i++)
        CLNAS_TRY(clnas_lower_bind(l, slots[i], n->in[i]));
    if (n->training) {
        CLNAS_TRY(bind_parts(l, n, 5));
        CLNAS_TRY(clnas_lower_bind(l, "smean", n->out[1]));
        CLNAS_TRY(clnas_lower_bind(l, "sinvstd", n->out[2]));
    }
    return clnas_lower_bind(l, "y", n->out[0]);
}

static clnas_status lower_saved(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_bn_params p = node_params(l, n->in[0], n->accum[0]);
    p.split = n->split;
    CLNAS_TRY(clnas_op_bn_fwd_saved_desc(&p, &l->desc, l->err));
    static const char *const slots[] = {"x", "gamma", "beta", "smean", "sinvstd"};
    for (int i = 0; i < 5; i++)
        CLNAS_TRY(clnas_lower_bind(l, slots[i], n->in[i]));
    return clnas_lower_bind(l, "y", n->out[0]);
}

static clnas_status lower_const_fwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_bn_params p = node_params(l, n->out[0], n->accum[0]);
    if (n->training) {
        CLNAS_TRY(clnas_op_bn_const_fwd_train_desc(&p, &l->desc, l->err));
    } else {
        CLNAS_TRY(clnas_op_bn_const_fwd_eval_desc(&p, &l->desc, l->err));
        CLNAS_TRY(clnas_lower_bind(l, "gamma", n->in[0]));
    }
    CLNAS_TRY(clnas_lower_bind(l, "beta", n->in[1]));
    CLNAS_TRY(clnas_lower_bind(l, "rmean", n->in[2]));
    CLNAS_TRY(clnas_lower_bind(l, "rvar", n->in[3]));
    return clnas_lower_bind(l, "y", n->out[0]);
}

static clnas_status lower_bwd(clnas_lowering *l, const clnas_graph_node *n)
{
    if (n->nout != 3)
        return clnas_error_set(l->err, CLNAS_ERR_INVALID_ARG, "internal: %s has no input gradient", n->label);
    clnas_bn_params p = node_params(l, n->in[1], n->accum[0]);
    p.split = n->split;
    CLNAS_TRY(clnas_op_bn_bwd_desc(&p, &l->desc, l->err));
    static const char *const in[] = {"dy", "x", "gamma", "smean", "sinvstd"};
    for (int i = 0; i < 5; i++)
        CLNAS_TRY(clnas_lower_bind(l, in[i], n->in[i]));
    CLNAS_TRY(bind_parts(l, n, 5));
    CLNAS_TRY(clnas_lower_bind(l, "dx", n->out[0]));
    CLNAS_TRY(clnas_lower_bind(l, "dgamma", n->out[1]));
    return clnas_lower_bind(l, "dbeta", n->out[2]);
}

static clnas_status lower_const_bwd(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_bn_params p = node_params(l, n->in[0], 0);
    CLNAS_TRY(clnas_op_bn_const_bwd_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "dy", n->in[0]));
    CLNAS_TRY(clnas_lower_bind(l, "dgamma", n->out[0]));
    return clnas_lower_bind(l, "dbeta", n->out[1]);
}

static clnas_status lower_part(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_bn_params p = node_params(l, n->in[0], 0);
    p.split = n->split;
    CLNAS_TRY(clnas_op_bn_fwd_part_desc(&p, &l->desc, l->err));
    CLNAS_TRY(clnas_lower_bind(l, "x", n->in[0]));
    return clnas_lower_bind(l, "part", n->out[0]);
}

static clnas_status lower_bwd_part(clnas_lowering *l, const clnas_graph_node *n)
{
    clnas_bn_params p = node_params(l, n->in[1], 0);
    p.split = n->split;
    CLNAS_TRY(clnas_op_bn_bwd_part_desc(&p, &l->desc, l->err));
    static const char *const in[] = {"dy", "x", "smean"};
    for (int i = 0; i < 3; i++)
        CLNAS_TRY(clnas_lower_bind(l, in[i], n->in[i]));
    return clnas_lower_bind(l, "part", n->out[0]);
}

static void backward(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    int x = fwd->in[0], gamma = fwd->in[1], beta = fwd->in[2];
    int want_x = clnas_backward_wants(c, x);
    /* gamma and beta held constant (STATE, BatchNorm without affine parameters): their gradients go to
     * scratch, never to the optimizer */
    int fixed = clnas_backward_graph(c)->tensors[gamma].arena != CLNAS_ARENA_PARAMS;
    int out[3] = {want_x ? clnas_backward_grad(c, x) : -1,
                  fixed ? clnas_backward_grad(c, gamma) : clnas_backward_param_grad(c, gamma),
                  fixed ? clnas_backward_grad(c, beta) : clnas_backward_param_grad(c, beta)};
    int in[5] = {dy, x, gamma, fwd->out[1], fwd->out[2]};
    if (want_x) {
        clnas_backward_emit(c, CLNAS_NODE_BN_BWD, in, 5, out, 3, fwd, ":backward");
        clnas_backward_contribute(c, x, out[0]);
    } else {
        clnas_backward_emit(c, CLNAS_NODE_BN_BWD, in, 5, out + 1, 2, fwd, ":backward");
    }
}

static void backward_const(clnas_backward_ctx *c, const clnas_graph_node *fwd, int dy)
{
    if (clnas_backward_graph(c)->tensors[fwd->in[0]].arena != CLNAS_ARENA_PARAMS)
        return; /* BatchNorm without affine parameters (GDAS paths): a constant, no gradient to anyone */
    int out[2] = {clnas_backward_param_grad(c, fwd->in[0]), clnas_backward_param_grad(c, fwd->in[1])};
    clnas_backward_emit(c, CLNAS_NODE_BN_CONST_BWD, &dy, 1, out, 2, fwd, ":backward");
}

const clnas_op_def clnas_op_def_bn = {
    .kind = CLNAS_NODE_BN, .name = "batchnorm", .shape = clnas_op_shape_of_input, .backward = backward, .accum_mask = 1,
    .relu_slot = -1, .slice_mask = 1u << CLNAS_SLICE_OUT, .lower = lower_fwd};
const clnas_op_def clnas_op_def_bn_const = {
    .kind = CLNAS_NODE_BN_CONST, .name = "batchnorm_of_zeros", .backward = backward_const, .accum_mask = 1,
    .relu_slot = -1, .slice_mask = 1u << CLNAS_SLICE_OUT, .lower = lower_const_fwd};
const clnas_op_def clnas_op_def_bn_bwd = {
    .kind = CLNAS_NODE_BN_BWD, .name = "batchnorm_backward", .accum_mask = 1, .relu_slot = -1, .slice_mask = 1u,
    .lower = lower_bwd};
/* The backward's copy of a training BatchNorm's output (codegen/recompute.c); like the forward, it may write into
 * a sum's storage */
const clnas_op_def clnas_op_def_bn_saved = {
    .kind = CLNAS_NODE_BN_SAVED, .name = "batchnorm_saved", .shape = clnas_op_shape_of_input, .accum_mask = 1,
    .relu_slot = -1, .lower = lower_saved};
const clnas_op_def clnas_op_def_bn_part = {
    .kind = CLNAS_NODE_BN_PART, .name = "batchnorm_part", .relu_slot = -1, .lower = lower_part};
const clnas_op_def clnas_op_def_bn_bwd_part = {
    .kind = CLNAS_NODE_BN_BWD_PART, .name = "batchnorm_backward_part", .relu_slot = -1, .slice_mask = 1u,
    .lower = lower_bwd_part};
const clnas_op_def clnas_op_def_bn_const_bwd = {
    .kind = CLNAS_NODE_BN_CONST_BWD, .name = "batchnorm_of_zeros_backward", .relu_slot = -1, .lower = lower_const_bwd};
