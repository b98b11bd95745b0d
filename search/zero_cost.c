/* clnas — zero-cost proxies from forwards and backwards of the generated plans: snip, grad_norm, params, flops,
 * synflow, naswot, jacob_cov. */
#include "zero_cost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "model_build.h"
#include "plan.h"
#include "zero_cost_linalg.h"

static const char *const names[CLNAS_ZC_COUNT] = {"snip", "grad_norm", "params", "flops",
                                                  "synflow", "naswot", "jacob_cov"};

const char *clnas_zero_cost_name(clnas_zero_cost_proxy p)
{
    return p >= 0 && p < CLNAS_ZC_COUNT ? names[p] : "unknown";
}

int clnas_zero_cost_find(const char *name)
{
    for (int p = 0; name && p < CLNAS_ZC_COUNT; p++)
        if (strcmp(names[p], name) == 0)
            return p;
    return -1;
}

static clnas_status no_memory(clnas_error *err)
{
    return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "zero-cost: out of memory");
}

/* Elements of the largest parameter of the plan (at least 1). */
static size_t largest_param(const clnas_plan *plan)
{
    size_t largest = 1;
    for (int i = 0; i < plan->nparams; i++)
        largest = plan->params[i].count > largest ? plan->params[i].count : largest;
    return largest;
}

/* Adds one weight tensor's |w * g| and ||g||_2 to snip and sq. */
static clnas_status weight_sums(clnas_model *model, const clnas_param_info *p, double *w, double *g, double *snip,
                                double *norm, clnas_error *err)
{
    clnas_status st = clnas_model_get(model, p->name, w, p->count, err);
    if (st == CLNAS_OK)
        st = clnas_model_get_grad(model, p->name, g, p->count, err);
    if (st != CLNAS_OK)
        return st;
    double s = 0.0, sq = 0.0;
    for (size_t i = 0; i < p->count; i++) {
        s += fabs(w[i] * g[i]);
        sq += g[i] * g[i];
    }
    *snip += s;
    *norm += sqrt(sq);
    return CLNAS_OK;
}

/* sum |w * dX/dw| and sum ||dX/dw|| over the live weights (2+ dimensions) after a backward. */
static clnas_status weight_scores(clnas_model *model, double *snip, double *grad_norm, clnas_error *err)
{
    const clnas_plan *plan = clnas_model_plan(model);
    const size_t largest = largest_param(plan);
    double *w = malloc(largest * sizeof *w), *g = malloc(largest * sizeof *g);
    clnas_status st = w && g ? CLNAS_OK : no_memory(err);
    *snip = *grad_norm = 0.0;
    for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (p->arena == CLNAS_ARENA_PARAMS && p->live && p->ndim >= 2)
            st = weight_sums(model, p, w, g, snip, grad_norm, err);
    }
    free(w);
    free(g);
    return st;
}

/* NASWOT after a forward: log|det| of the agreement counts of the images' ReLU codes. */
static clnas_status naswot(clnas_model *model, double *score, clnas_error *err)
{
    const int n = clnas_model_config(model)->batch;
    size_t units = 0;
    clnas_status st = clnas_model_relu_units(model, &units, err);
    if (st != CLNAS_OK)
        return st;
    const size_t words = (units + 63) / 64;
    uint64_t *bits = calloc((size_t)n * words + 1, sizeof *bits);
    double *k = malloc((size_t)n * (size_t)n * sizeof *k);
    st = bits && k ? clnas_model_relu_codes(model, bits, words, err) : no_memory(err);
    for (int i = 0; i < n && st == CLNAS_OK; i++)
        for (int j = i; j < n; j++) {
            size_t differ = 0; /* the unused high bits are zero in both */
            for (size_t w = 0; w < words; w++)
                differ += (size_t)__builtin_popcountll(bits[(size_t)i * words + w] ^ bits[(size_t)j * words + w]);
            k[i * n + j] = k[j * n + i] = (double)(units - differ);
        }
    if (st == CLNAS_OK)
        *score = clnas_zc_log_abs_det(k, n);
    free(bits);
    free(k);
    return st;
}

/* Copies every parameter and running statistic of dst's plan from src by name (absolute values with absolute). */
static clnas_status copy_params(clnas_model *dst, clnas_model *src, int absolute, clnas_error *err)
{
    const clnas_plan *plan = clnas_model_plan(dst);
    double *v = malloc(largest_param(plan) * sizeof *v);
    clnas_status st = v ? CLNAS_OK : no_memory(err);
    for (int i = 0; i < plan->nparams && st == CLNAS_OK; i++) {
        const clnas_param_info *p = &plan->params[i];
        st = clnas_model_get(src, p->name, v, p->count, err);
        for (size_t e = 0; absolute && e < p->count; e++)
            v[e] = fabs(v[e]);
        if (st == CLNAS_OK)
            st = clnas_model_set(dst, p->name, v, p->count, err);
    }
    free(v);
    return st;
}

/* A network like the model's, with changes, on its device and program cache. */
static clnas_status build_like(clnas_model *model, const clnas_net_config *cfg, clnas_model **out, clnas_error *err)
{
    clnas_executor *ex = clnas_model_executor(model);
    return clnas_model_build(ex->dev, ex->cache, cfg, out, err);
}

/* The backward from all-ones logit gradients after a forward. */
static clnas_status forward_backward_ones(clnas_model *model, clnas_error *err)
{
    const clnas_net_config *c = clnas_model_config(model);
    const size_t n = (size_t)c->batch * (size_t)c->classes;
    double *ones = malloc(n * sizeof *ones);
    if (!ones)
        return no_memory(err);
    for (size_t i = 0; i < n; i++)
        ones[i] = 1.0;
    clnas_status st = clnas_model_forward(model, err);
    if (st == CLNAS_OK)
        st = clnas_model_backward_from(model, ones, err);
    free(ones);
    return st;
}

static clnas_status jacob_cov_of(clnas_model *model, double *score, clnas_error *err)
{
    const clnas_net_config *c = clnas_model_config(model);
    const int n = c->batch;
    const size_t d = (size_t)c->in_channels * (size_t)c->height * (size_t)c->width;
    double *x = malloc((size_t)n * d * sizeof *x), *corr = malloc((size_t)n * (size_t)n * sizeof *corr);
    double *eig = malloc((size_t)n * sizeof *eig);
    clnas_status st = x && corr && eig ? forward_backward_ones(model, err) : no_memory(err);
    if (st == CLNAS_OK)
        st = clnas_model_read_input_grad(model, x, err);
    if (st == CLNAS_OK) {
        clnas_zc_correlation(x, n, d, corr);
        clnas_zc_sym_eigenvalues(corr, n, eig);
        const double k = 1e-5;
        double s = 0.0;
        for (int i = 0; i < n; i++)
            s += log(eig[i] + k) + 1.0 / (eig[i] + k);
        *score = -s;
    }
    free(x);
    free(corr);
    free(eig);
    return st;
}

/* jacob_cov: on the model itself when it computes the input gradient, else on a copy that does. */
static clnas_status jacob_cov(clnas_model *model, double *score, clnas_error *err)
{
    const clnas_net_config *c = clnas_model_config(model);
    if (clnas_model_plan(model)->has_input_grad)
        return jacob_cov_of(model, score, err);
    if (c->want_input_grad) { /* no path from the input to the logits (a cell of zeros): J = 0, as numpy NAN */
        *score = NAN;
        return CLNAS_OK;
    }
    clnas_net_config cfg = *c;
    cfg.want_input_grad = 1;
    clnas_model *aux = NULL;
    const size_t n = (size_t)c->batch * (size_t)c->in_channels * (size_t)c->height * (size_t)c->width;
    double *x = malloc(n * sizeof *x);
    clnas_status st = x ? build_like(model, &cfg, &aux, err) : no_memory(err);
    if (st == CLNAS_OK)
        st = copy_params(aux, model, 0, err);
    if (st == CLNAS_OK) /* the batch as the model holds it, in its element type */
        st = clnas_executor_read(clnas_model_executor(model), CLNAS_ARENA_INPUT, 0, x, n, err);
    if (st == CLNAS_OK)
        st = clnas_executor_write(clnas_model_executor(aux), CLNAS_ARENA_INPUT, 0, x, n, err);
    if (st == CLNAS_OK)
        st = jacob_cov(aux, score, err);
    clnas_model_free(aux);
    free(x);
    return st;
}

/* 1 when the NB201 cell's output is all zeros without BatchNorm: every edge into a node is none or comes from a
 * zero node (through any op: a convolution of zeros has no BatchNorm shift to add). */
static int zero_output_without_bn(const clnas_genotype *g)
{
    int zero[CLNAS_NB201_NODES] = {0};
    for (int j = 1; j < CLNAS_NB201_NODES; j++) {
        zero[j] = 1;
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            if (clnas_nb201_edge_to[e] == j && g->ops[e] != CLNAS_OP_NONE && !zero[clnas_nb201_edge_from[e]])
                zero[j] = 0;
    }
    return zero[CLNAS_NB201_NODES - 1];
}

#define SYNFLOW_BATCH 2 /* the smallest batch a network compiles for; two equal images, the gradients halved */

static clnas_status synflow(clnas_model *model, double *score, clnas_error *err)
{
    const clnas_net_config *c = clnas_model_config(model);
    if (c->space != CLNAS_NET_NB201 || c->darts || c->gdas) {
        *score = NAN;
        return CLNAS_OK;
    }
    if (zero_output_without_bn(&c->genotype)) { /* R is the classifier's bias: every weight's gradient is 0 */
        *score = 0.0;
        return CLNAS_OK;
    }
    clnas_net_config cfg = *c;
    cfg.fp64 = 1;
    cfg.no_batchnorm = 1;
    cfg.want_input_grad = 0;
    cfg.recompute = 0;
    cfg.memory_budget = 0; /* a small float64 network of its own */
    cfg.batch = SYNFLOW_BATCH;
    clnas_model *aux = NULL;
    const size_t n = (size_t)SYNFLOW_BATCH * (size_t)c->in_channels * (size_t)c->height * (size_t)c->width;
    double *ones = malloc(n * sizeof *ones);
    clnas_status st = ones ? build_like(model, &cfg, &aux, err) : no_memory(err);
    for (size_t i = 0; ones && i < n; i++)
        ones[i] = 1.0;
    if (st == CLNAS_OK)
        st = copy_params(aux, model, 1, err);
    if (st == CLNAS_OK)
        st = clnas_model_set_batch(aux, ones, NULL, err);
    if (st == CLNAS_OK)
        st = forward_backward_ones(aux, err);
    double sum = 0.0, unused = 0.0;
    if (st == CLNAS_OK)
        st = weight_scores(aux, &sum, &unused, err);
    if (st == CLNAS_OK)
        *score = sum / SYNFLOW_BATCH;
    clnas_model_free(aux);
    free(ones);
    return st;
}

clnas_status clnas_zero_cost_scores_of(clnas_model *model, unsigned which, double scores[CLNAS_ZC_COUNT],
                                       clnas_error *err)
{
    for (int k = 0; k < CLNAS_ZC_COUNT; k++)
        scores[k] = NAN;
    const unsigned loss = CLNAS_ZC_BIT(CLNAS_ZC_SNIP) | CLNAS_ZC_BIT(CLNAS_ZC_GRAD_NORM);
    clnas_status st = CLNAS_OK;
    if (which & (loss | CLNAS_ZC_BIT(CLNAS_ZC_NASWOT)))
        st = clnas_model_forward(model, err);
    /* the ReLU codes before the backward pass, which may reuse the memory of activations it has read */
    if (st == CLNAS_OK && (which & CLNAS_ZC_BIT(CLNAS_ZC_NASWOT))) {
        clnas_error unkept = {0};
        st = naswot(model, &scores[CLNAS_ZC_NASWOT], &unkept);
        if (st == CLNAS_ERR_UNSUPPORTED) /* a plan that does not keep a ReLU's input: NAN, the other proxies go on */
            st = CLNAS_OK;
        else if (st != CLNAS_OK)
            *err = unkept;
    }
    if (st == CLNAS_OK && (which & loss)) {
        double snip, grad_norm;
        st = clnas_model_backward(model, err);
        if (st == CLNAS_OK)
            st = weight_scores(model, &snip, &grad_norm, err);
        if (st == CLNAS_OK && (which & CLNAS_ZC_BIT(CLNAS_ZC_SNIP)))
            scores[CLNAS_ZC_SNIP] = snip;
        if (st == CLNAS_OK && (which & CLNAS_ZC_BIT(CLNAS_ZC_GRAD_NORM)))
            scores[CLNAS_ZC_GRAD_NORM] = grad_norm;
    }
    if (st == CLNAS_OK && (which & CLNAS_ZC_BIT(CLNAS_ZC_PARAMS)))
        scores[CLNAS_ZC_PARAMS] = (double)clnas_model_param_count(model);
    if (st == CLNAS_OK && (which & CLNAS_ZC_BIT(CLNAS_ZC_FLOPS)))
        scores[CLNAS_ZC_FLOPS] = clnas_model_forward_flops(model);
    if (st == CLNAS_OK && (which & CLNAS_ZC_BIT(CLNAS_ZC_JACOB_COV)))
        st = jacob_cov(model, &scores[CLNAS_ZC_JACOB_COV], err);
    if (st == CLNAS_OK && (which & CLNAS_ZC_BIT(CLNAS_ZC_SYNFLOW)))
        st = synflow(model, &scores[CLNAS_ZC_SYNFLOW], err);
    return st;
}

clnas_status clnas_zero_cost_scores(clnas_model *model, double scores[CLNAS_ZC_COUNT], clnas_error *err)
{
    return clnas_zero_cost_scores_of(model, CLNAS_ZC_ALL, scores, err);
}
