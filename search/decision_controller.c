/* clnas — the LSTM controller over a space's decisions: forward (sample, score, greedy) and backpropagation through
 * time of log P(decisions). */
#include "decision_controller.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lstm_cell.h"
#include "rnn_controller.h"

struct clnas_decision_controller {
    const clnas_space_iface *space;
    int hidden, decisions, total; /* total: the options of all decisions */
    int *options, *offset;        /* per decision: its option count and its first row among the options */
    /* where each weight block starts in params */
    size_t pos_emb, val_emb, w_lstm, b_lstm, w_out, b_out, n_params;
    double *params;
};

typedef enum run_mode { RUN_SAMPLE, RUN_SCORE, RUN_GREEDY } run_mode;

/* One pass's values, kept for the backward pass: per decision its LSTM step, input row and softmax. */
typedef struct trace {
    clnas_lstm_step *steps;
    int *prev_row;
    double *p; /* total */
    double *buffer;
} trace;

void clnas_decision_controller_free(clnas_decision_controller *c)
{
    if (!c)
        return;
    free(c->options);
    free(c->offset);
    free(c->params);
    free(c);
}

clnas_status clnas_decision_controller_create(const clnas_space_iface *space, int hidden, double init_range,
                                              clnas_rng *rng, clnas_decision_controller **out, clnas_error *err)
{
    *out = NULL;
    if (hidden < 1 || hidden > CLNAS_RNN_MAX_HIDDEN || !(init_range >= 0.0) || space->decisions < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "decision controller: hidden must be from 1 to %d, "
                               "init_range at least 0 and the space must have decisions", CLNAS_RNN_MAX_HIDDEN);
    clnas_decision_controller *c = calloc(1, sizeof *c);
    if (c) {
        c->options = calloc((size_t)space->decisions, sizeof *c->options);
        c->offset = calloc((size_t)space->decisions, sizeof *c->offset);
    }
    if (!c || !c->options || !c->offset) {
        clnas_decision_controller_free(c);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "decision controller: out of memory");
    }
    c->space = space;
    c->hidden = hidden;
    c->decisions = space->decisions;
    for (int d = 0; d < c->decisions; d++) {
        c->options[d] = space->decision_options(d);
        c->offset[d] = c->total;
        c->total += c->options[d];
    }
    const size_t h = (size_t)hidden, D = (size_t)c->decisions, T = (size_t)c->total;
    size_t at = 0;
    c->pos_emb = at, at += D * h;
    c->val_emb = at, at += (T + 1) * h; /* row 0: no value; row 1 + offset[d] + v: value v of decision d */
    c->w_lstm = at, at += 4 * h * 2 * h;
    c->b_lstm = at, at += 4 * h;
    c->w_out = at, at += T * h;
    c->b_out = at, at += T;
    c->n_params = at;
    c->params = calloc(at, sizeof *c->params);
    if (!c->params) {
        clnas_decision_controller_free(c);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "decision controller: out of memory for %zu weights", at);
    }
    for (size_t i = 0; i < at; i++) {
        const int is_bias = (i >= c->b_lstm && i < c->w_out) || i >= c->b_out;
        c->params[i] = is_bias ? 0.0 : init_range * (2.0 * clnas_rng_uniform(rng) - 1.0);
    }
    *out = c;
    return CLNAS_OK;
}

double *clnas_decision_controller_params(clnas_decision_controller *c)
{
    return c->params;
}

size_t clnas_decision_controller_n_params(const clnas_decision_controller *c)
{
    return c->n_params;
}

static clnas_status trace_alloc(const clnas_decision_controller *c, trace *t, clnas_error *err)
{
    const size_t h = (size_t)c->hidden, D = (size_t)c->decisions;
    t->steps = calloc(D, sizeof *t->steps);
    t->prev_row = calloc(D, sizeof *t->prev_row);
    t->p = calloc((size_t)c->total, sizeof *t->p);
    t->buffer = calloc(D * CLNAS_LSTM_STEP_VECTORS * h, sizeof *t->buffer);
    if (!t->steps || !t->prev_row || !t->p || !t->buffer)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "decision controller: out of memory");
    for (size_t d = 0; d < D; d++)
        clnas_lstm_step_bind(&t->steps[d], t->buffer + d * CLNAS_LSTM_STEP_VECTORS * h, c->hidden);
    return CLNAS_OK;
}

static void trace_free(trace *t)
{
    free(t->steps);
    free(t->prev_row);
    free(t->p);
    free(t->buffer);
}

/* Runs the controller over the decisions: drawing them, scoring choice's, or taking the likeliest. */
static void run(const clnas_decision_controller *c, run_mode mode, int *choice, clnas_rng *rng, trace *t,
                double *log_prob)
{
    const int H = c->hidden;
    const double *w = c->params;
    double logp = 0.0;
    for (int d = 0; d < c->decisions; d++) {
        clnas_lstm_step *s = &t->steps[d];
        const int prev = d == 0 || choice[d - 1] < 0 ? 0 : 1 + c->offset[d - 1] + choice[d - 1];
        t->prev_row[d] = prev;
        for (int k = 0; k < H; k++) {
            s->x[k] = w[c->pos_emb + (size_t)d * H + k] + w[c->val_emb + (size_t)prev * H + k];
            s->h_prev[k] = d ? t->steps[d - 1].h[k] : 0.0;
            s->c_prev[k] = d ? t->steps[d - 1].c[k] : 0.0;
        }
        clnas_lstm_forward(w + c->w_lstm, w + c->b_lstm, H, s);
        const int n = c->options[d];
        double *p = t->p + c->offset[d], max = -INFINITY, sum = 0.0;
        for (int k = 0; k < n; k++) {
            const size_t row = (size_t)(c->offset[d] + k);
            p[k] = w[c->b_out + row];
            for (int m = 0; m < H; m++)
                p[k] += w[c->w_out + row * H + m] * s->h[m];
            max = p[k] > max ? p[k] : max;
        }
        int best = 0;
        for (int k = 0; k < n; k++)
            sum += p[k] = exp(p[k] - max);
        for (int k = 0; k < n; k++) {
            p[k] /= sum;
            best = p[k] > p[best] ? k : best;
        }
        if (mode == RUN_SAMPLE) {
            /* inverse CDF of one uniform; rounding can leave u above the last partial sum: the last value */
            const double u = clnas_rng_uniform(rng);
            double cumulative = 0.0;
            choice[d] = n - 1;
            for (int k = 0; k < n; k++) {
                cumulative += p[k];
                if (u < cumulative) {
                    choice[d] = k;
                    break;
                }
            }
        } else if (mode == RUN_GREEDY) {
            choice[d] = best;
        }
        if (choice[d] >= 0)
            logp += log(p[choice[d]]);
    }
    if (log_prob)
        *log_prob = logp;
}

/* d log P / d params from a scored trace, added to grad. */
static clnas_status backward(const clnas_decision_controller *c, const int *choice, const trace *t, double *grad,
                             clnas_error *err)
{
    const int H = c->hidden;
    const double *w = c->params;
    double *dh = calloc((size_t)(c->decisions + 2) * H, sizeof *dh); /* per step, then dc, dh_next */
    double *dz = calloc(4 * (size_t)H, sizeof *dz), *dxh = calloc(2 * (size_t)H, sizeof *dxh);
    if (!dh || !dz || !dxh) {
        free(dh), free(dz), free(dxh);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "decision controller: out of memory");
    }
    double *dc = dh + (size_t)c->decisions * H, *dh_next = dc + H;
    for (int d = 0; d < c->decisions; d++) {
        if (choice[d] < 0)
            continue;
        const double *h = t->steps[d].h, *p = t->p + c->offset[d];
        for (int k = 0; k < c->options[d]; k++) {
            const size_t row = (size_t)(c->offset[d] + k);
            const double g = (k == choice[d]) - p[k]; /* d log softmax_choice / d logit_k */
            grad[c->b_out + row] += g;
            for (int m = 0; m < H; m++) {
                grad[c->w_out + row * H + m] += g * h[m];
                dh[(size_t)d * H + m] += g * w[c->w_out + row * H + m];
            }
        }
    }
    for (int d = c->decisions - 1; d >= 0; d--) {
        double *dhs = dh + (size_t)d * H;
        for (int k = 0; k < H; k++)
            dhs[k] += dh_next[k];
        clnas_lstm_backward(w + c->w_lstm, H, &t->steps[d], dhs, dc, grad + c->w_lstm, grad + c->b_lstm, dxh,
                            dh_next, dz);
        for (int m = 0; m < H; m++) {
            grad[c->pos_emb + (size_t)d * H + m] += dxh[m];
            grad[c->val_emb + (size_t)t->prev_row[d] * H + m] += dxh[m];
        }
    }
    free(dh), free(dz), free(dxh);
    return CLNAS_OK;
}

static clnas_status run_once(const clnas_decision_controller *c, run_mode mode, int *choice, clnas_rng *rng,
                             double *log_prob, double *grad, clnas_error *err)
{
    trace t = {0};
    clnas_status st = trace_alloc(c, &t, err);
    if (st == CLNAS_OK) {
        run(c, mode, choice, rng, &t, log_prob);
        if (grad)
            st = backward(c, choice, &t, grad, err);
    }
    trace_free(&t);
    return st;
}

clnas_status clnas_decision_controller_sample(const clnas_decision_controller *c, clnas_rng *rng, int *choice,
                                              clnas_error *err)
{
    return run_once(c, RUN_SAMPLE, choice, rng, NULL, NULL, err);
}

clnas_status clnas_decision_controller_log_prob(const clnas_decision_controller *c, const int *choice,
                                                double *log_prob, double *grad, clnas_error *err)
{
    int *copy = malloc((size_t)c->decisions * sizeof *copy);
    if (!copy)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "decision controller: out of memory");
    for (int d = 0; d < c->decisions; d++) {
        if (choice[d] < -1 || choice[d] >= c->options[d]) {
            free(copy);
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "decision controller: decision %d is %d, expected -1 "
                                   "or 0 .. %d", d, choice[d], c->options[d] - 1);
        }
        copy[d] = choice[d];
    }
    clnas_status st = run_once(c, RUN_SCORE, copy, NULL, log_prob, grad, err);
    free(copy);
    return st;
}

clnas_status clnas_decision_controller_mode(const clnas_decision_controller *c, int *choice, clnas_error *err)
{
    return run_once(c, RUN_GREEDY, choice, NULL, NULL, NULL, err);
}
