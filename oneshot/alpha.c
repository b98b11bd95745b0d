/* clnas — architecture parameters: initialisation, per-edge softmax and its backward, Adam, Gumbel-softmax
 * (GDAS), the temperature schedule and the derivation of the final cell. */
#include "alpha.h"

#include <math.h>
#include <string.h>

clnas_adam_config clnas_adam_config_darts(void)
{
    clnas_adam_config c = {3e-4, 0.5, 0.999, 1e-8, 1e-3};
    return c;
}

static clnas_status check(const clnas_alpha *p, const char *fn, clnas_error *err)
{
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: arch params must not be NULL", fn);
    if (p->edges < 1 || p->edges > CLNAS_ARCH_MAX_EDGES || p->ops < 2 || p->ops > CLNAS_ARCH_MAX_OPS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "%s: %d edges x %d ops outside 1..%d edges and 2..%d ops (not initialised?)", fn,
                               p->edges, p->ops, CLNAS_ARCH_MAX_EDGES, CLNAS_ARCH_MAX_OPS);
    return CLNAS_OK;
}

clnas_status clnas_alpha_init(clnas_alpha *p, int edges, int ops, uint64_t seed, clnas_error *err)
{
    if (!p)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params init: p must not be NULL");
    memset(p, 0, sizeof *p);
    p->edges = edges;
    p->ops = ops;
    clnas_status st = check(p, "arch params init", err);
    if (st != CLNAS_OK)
        return st;
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (int e = 0; e < edges; e++)
        for (int k = 0; k < ops; k++)
            p->alpha[e][k] = 1e-3 * clnas_rng_normal(&rng);
    return CLNAS_OK;
}

int clnas_alpha_holds(const clnas_alpha *p, int e, int k)
{
    return !p->mask[e] || (p->mask[e] >> k & 1u);
}

clnas_status clnas_alpha_set_mask(clnas_alpha *p, const uint16_t *mask, clnas_error *err)
{
    clnas_status st = check(p, "arch params mask", err);
    if (st != CLNAS_OK)
        return st;
    const unsigned all = (1u << p->ops) - 1u;
    for (int e = 0; e < p->edges; e++)
        if (mask[e] && !(mask[e] & all))
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params mask: row %d holds none of ops 0..%d "
                                   "(mask 0x%x)", e, p->ops - 1, (unsigned)mask[e]);
    for (int e = 0; e < p->edges; e++) {
        p->mask[e] = (mask[e] & all) == all ? 0 : (uint16_t)(mask[e] & all);
        for (int k = 0; k < p->ops; k++)
            if (!clnas_alpha_holds(p, e, k))
                p->alpha[e][k] = p->adam_m[e][k] = p->adam_v[e][k] = 0.0;
    }
    return CLNAS_OK;
}

/* out = softmax(z) over the n values that mask holds (0: all), max-subtracted; 0 for the others. */
static void softmax_row(const double *z, int n, unsigned mask, double *out)
{
    double top = -INFINITY;
    for (int k = 0; k < n; k++)
        if (!mask || (mask >> k & 1u))
            top = fmax(top, z[k]);
    double sum = 0.0;
    for (int k = 0; k < n; k++) {
        out[k] = !mask || (mask >> k & 1u) ? exp(z[k] - top) : 0.0;
        sum += out[k];
    }
    for (int k = 0; k < n; k++)
        out[k] /= sum;
}

/* dz = p * (dp - <p, dp>), scaled by `scale`. */
static void softmax_row_backward(const double *prob, const double *dprob, int n, double scale, double *dz)
{
    double dot = 0.0;
    for (int k = 0; k < n; k++)
        dot += prob[k] * dprob[k];
    for (int k = 0; k < n; k++)
        dz[k] = scale * prob[k] * (dprob[k] - dot);
}

clnas_status clnas_alpha_softmax(const clnas_alpha *p, double *probs, clnas_error *err)
{
    clnas_status st = check(p, "arch params softmax", err);
    if (st != CLNAS_OK)
        return st;
    if (!probs)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params softmax: probs must not be NULL");
    for (int e = 0; e < p->edges; e++)
        softmax_row(p->alpha[e], p->ops, p->mask[e], probs + e * p->ops);
    return CLNAS_OK;
}

clnas_status clnas_alpha_softmax_backward(const clnas_alpha *p, const double *probs,
                                          const double *dprobs, double *dalpha, clnas_error *err)
{
    clnas_status st = check(p, "arch params softmax backward", err);
    if (st != CLNAS_OK)
        return st;
    if (!probs || !dprobs || !dalpha)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "arch params softmax backward: probs, dprobs and dalpha must not be NULL");
    for (int e = 0; e < p->edges; e++) {
        const int at = e * p->ops;
        softmax_row_backward(probs + at, dprobs + at, p->ops, 1.0, dalpha + at);
    }
    return CLNAS_OK;
}

static int finite_positive(double v)
{
    return isfinite(v) && v > 0.0;
}

clnas_status clnas_alpha_adam_step(clnas_alpha *p, const clnas_adam_config *cfg, const double *grad,
                                   clnas_error *err)
{
    clnas_status st = check(p, "arch params adam", err);
    if (st != CLNAS_OK)
        return st;
    if (!cfg || !grad)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params adam: config and grad must not be NULL");
    if (!finite_positive(cfg->lr) || !(cfg->beta1 >= 0.0 && cfg->beta1 < 1.0) ||
        !(cfg->beta2 >= 0.0 && cfg->beta2 < 1.0) || !finite_positive(cfg->eps) ||
        !(cfg->weight_decay >= 0.0 && isfinite(cfg->weight_decay)))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "arch params adam: need lr > 0, betas in [0, 1), eps > 0, weight decay >= 0; got lr "
                               "%g, betas %g %g, eps %g, weight decay %g",
                               cfg->lr, cfg->beta1, cfg->beta2, cfg->eps, cfg->weight_decay);
    for (int i = 0; i < p->edges * p->ops; i++)
        if (!isfinite(grad[i]))
            return clnas_error_set(err, CLNAS_ERR_DIVERGED, "arch params adam: gradient of alpha[%d][%d] is %g",
                                   i / p->ops, i % p->ops, grad[i]);
    const long t = p->adam_step + 1;
    const double bias1 = 1.0 - pow(cfg->beta1, (double)t), bias2 = 1.0 - pow(cfg->beta2, (double)t);
    for (int e = 0; e < p->edges; e++)
        for (int k = 0; k < p->ops; k++) {
            if (!clnas_alpha_holds(p, e, k))
                continue; /* not an op of this row: stays 0 */
            const double g = grad[e * p->ops + k] + cfg->weight_decay * p->alpha[e][k];
            p->adam_m[e][k] = cfg->beta1 * p->adam_m[e][k] + (1.0 - cfg->beta1) * g;
            p->adam_v[e][k] = cfg->beta2 * p->adam_v[e][k] + (1.0 - cfg->beta2) * g * g;
            const double denom = sqrt(p->adam_v[e][k] / bias2) + cfg->eps;
            p->alpha[e][k] -= cfg->lr * (p->adam_m[e][k] / bias1) / denom;
        }
    p->adam_step = t;
    return CLNAS_OK;
}

static clnas_status check_tau(double tau, const char *fn, clnas_error *err)
{
    if (!finite_positive(tau))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "%s: temperature must be > 0 and finite, got %g", fn, tau);
    return CLNAS_OK;
}

clnas_status clnas_alpha_gumbel_sample(const clnas_alpha *p, clnas_rng *rng, double tau, int *chosen,
                                       double *soft, clnas_error *err)
{
    clnas_status st = check(p, "arch params gumbel sample", err);
    if (st == CLNAS_OK)
        st = check_tau(tau, "arch params gumbel sample", err);
    if (st != CLNAS_OK)
        return st;
    if (!rng || !chosen || !soft)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "arch params gumbel sample: rng, chosen and soft must not be NULL");
    for (int e = 0; e < p->edges; e++) {
        double logp[CLNAS_ARCH_MAX_OPS], z[CLNAS_ARCH_MAX_OPS];
        softmax_row(p->alpha[e], p->ops, p->mask[e], logp);
        for (int k = 0; k < p->ops; k++) { /* a draw per op, held or not: the stream does not depend on the mask */
            double u;
            do
                u = clnas_rng_uniform(rng);
            while (u == 0.0);
            z[k] = clnas_alpha_holds(p, e, k) ? (log(logp[k]) - log(-log(u))) / tau : 0.0;
        }
        double *row = soft + e * p->ops;
        softmax_row(z, p->ops, p->mask[e], row);
        int best = -1;
        for (int k = 0; k < p->ops; k++)
            if (clnas_alpha_holds(p, e, k) && (best < 0 || row[k] > row[best]))
                best = k;
        chosen[e] = best;
    }
    return CLNAS_OK;
}

clnas_status clnas_alpha_gumbel_backward(const clnas_alpha *p, const double *soft, const double *dh,
                                         double tau, double *dalpha, clnas_error *err)
{
    clnas_status st = check(p, "arch params gumbel backward", err);
    if (st == CLNAS_OK)
        st = check_tau(tau, "arch params gumbel backward", err);
    if (st != CLNAS_OK)
        return st;
    if (!soft || !dh || !dalpha)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "arch params gumbel backward: soft, dh and dalpha must not be NULL");
    for (int e = 0; e < p->edges; e++) {
        const int at = e * p->ops;
        softmax_row_backward(soft + at, dh + at, p->ops, 1.0 / tau, dalpha + at);
    }
    return CLNAS_OK;
}

clnas_status clnas_alpha_tau(int epoch, int epochs, double tau_max, double tau_min, double *tau,
                             clnas_error *err)
{
    if (!tau)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params tau: tau must not be NULL");
    if (epochs < 1 || epoch < 0 || epoch >= epochs)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params tau: epoch %d outside 0..%d", epoch,
                               epochs - 1);
    if (!finite_positive(tau_min) || !finite_positive(tau_max) || tau_min > tau_max)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "arch params tau: need 0 < tau_min <= tau_max, got tau_min %g, tau_max %g", tau_min,
                               tau_max);
    *tau = epochs == 1 ? tau_max : tau_max - (tau_max - tau_min) * (double)epoch / (double)(epochs - 1);
    return CLNAS_OK;
}

clnas_status clnas_alpha_derive(const clnas_alpha *p, clnas_genotype *out, clnas_error *err)
{
    return clnas_alpha_derive_rule(p, 0, out, err);
}

double clnas_alpha_beta_decay(const clnas_alpha *p, double w, double *dalpha)
{
    double total = 0.0;
    for (int e = 0; e < p->edges; e++) {
        double m = -INFINITY, sum = 0.0;
        for (int k = 0; k < p->ops; k++)
            m = clnas_alpha_holds(p, e, k) && p->alpha[e][k] > m ? p->alpha[e][k] : m;
        for (int k = 0; k < p->ops; k++)
            sum += clnas_alpha_holds(p, e, k) ? exp(p->alpha[e][k] - m) : 0.0;
        total += m + log(sum);
        for (int k = 0; k < p->ops && dalpha; k++)
            if (clnas_alpha_holds(p, e, k))
                dalpha[e * p->ops + k] += w * exp(p->alpha[e][k] - m) / sum / p->edges;
    }
    return total / p->edges;
}

clnas_status clnas_alpha_average(const clnas_alpha *list, int n, clnas_alpha *out, clnas_error *err)
{
    if (n < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params average: needs at least 1 alpha, got %d", n);
    double probs[CLNAS_ARCH_MAX_EDGES * CLNAS_ARCH_MAX_OPS], mean[CLNAS_ARCH_MAX_EDGES * CLNAS_ARCH_MAX_OPS] = {0};
    for (int i = 0; i < n; i++) {
        if (list[i].edges != list[0].edges || list[i].ops != list[0].ops ||
            memcmp(list[i].mask, list[0].mask, sizeof list[0].mask) != 0)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params average: alpha %d is %d x %d%s, alpha 0 "
                                   "%d x %d", i, list[i].edges, list[i].ops, list[i].edges == list[0].edges &&
                                   list[i].ops == list[0].ops ? " with other ops per row" : "", list[0].edges,
                                   list[0].ops);
        clnas_status st = clnas_alpha_softmax(&list[i], probs, err);
        if (st != CLNAS_OK)
            return st;
        for (int j = 0; j < list[0].edges * list[0].ops; j++)
            mean[j] += probs[j] / n;
    }
    memset(out, 0, sizeof *out);
    out->edges = list[0].edges;
    out->ops = list[0].ops;
    memcpy(out->mask, list[0].mask, sizeof out->mask);
    for (int e = 0; e < out->edges; e++)
        for (int k = 0; k < out->ops; k++) /* an op the row does not hold keeps logit 0 (probability 0 by mask) */
            out->alpha[e][k] = clnas_alpha_holds(out, e, k) ? log(mean[e * out->ops + k]) : 0.0;
    return CLNAS_OK;
}

clnas_status clnas_alpha_derive_rule(const clnas_alpha *p, int without_none, clnas_genotype *out, clnas_error *err)
{
    clnas_status st = check(p, "arch params derive", err);
    if (st != CLNAS_OK)
        return st;
    if (!out)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "arch params derive: out must not be NULL");
    if (p->edges != CLNAS_NB201_EDGES || p->ops != CLNAS_NB201_OPS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "arch params derive: an NB201 cell needs %d edges x %d ops, got %d x %d",
                               CLNAS_NB201_EDGES, CLNAS_NB201_OPS, p->edges, p->ops);
    const int first = without_none ? CLNAS_OP_NONE + 1 : 0;
    for (int e = 0; e < p->edges; e++) {
        int best = first;
        for (int k = first + 1; k < p->ops; k++)
            if (p->alpha[e][k] > p->alpha[e][best])
                best = k;
        out->ops[e] = (uint8_t)best;
    }
    return CLNAS_OK;
}
