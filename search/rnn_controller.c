/* clnas — the LSTM controller: forward (sample, score, greedy) and backpropagation through time of log P(cell). */
#include "rnn_controller.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "anchor_attention.h"
#include "lstm_cell.h"

#define N_POSITIONS (CLNAS_NB201_NODES + CLNAS_NB201_EDGES) /* anchor of node i: i; edge e: NODES + e */
#define N_CHOICES 4                                          /* skip_connect .. avg_pool_3x3: NB201 op - 1 */
#define N_PREV_OPS (N_CHOICES + 1)                           /* 0: no op chosen yet */
#define MAX_STEPS (CLNAS_NB201_NODES + CLNAS_NB201_EDGES)

/* Where each weight block starts in params. */
typedef struct layout {
    size_t pos_emb, op_emb, w_lstm, b_lstm, w_op, b_op, w_prev, w_curr, v, total;
} layout;

static layout layout_for(int hidden)
{
    const size_t h = (size_t)hidden;
    layout l;
    size_t at = 0;
    l.pos_emb = at, at += N_POSITIONS * h;
    l.op_emb = at, at += N_PREV_OPS * h;
    l.w_lstm = at, at += 4 * h * 2 * h; /* rows: gates i, f, g, o (H each); columns: input, then h_prev */
    l.b_lstm = at, at += 4 * h;
    l.w_op = at, at += N_CHOICES * h;
    l.b_op = at, at += N_CHOICES;
    l.w_prev = at, at += h * h;
    l.w_curr = at, at += h * h;
    l.v = at, at += h;
    l.total = at;
    return l;
}

/* One LSTM step's values, kept for the backward pass. */
typedef struct step {
    int position, prev_op;
    clnas_lstm_step v; /* H each */
} step;

typedef struct connection {
    int from_anchor, to_anchor; /* step indices of a_j and a_i */
    int exists;
    double p;
    double *u; /* tanh(W_prev a_j + W_curr a_i), H */
} connection;

typedef struct op_choice {
    int step;
    int choice; /* 0 .. N_CHOICES-1 */
    double p[N_CHOICES];
} op_choice;

typedef struct trace {
    int n_steps, n_ops;
    step steps[MAX_STEPS];
    connection conns[CLNAS_NB201_EDGES];
    op_choice ops[CLNAS_NB201_EDGES];
    double *buffer;
} trace;

typedef enum run_mode { RUN_SAMPLE, RUN_SCORE, RUN_GREEDY } run_mode;

static clnas_status trace_alloc(trace *t, int hidden, clnas_error *err)
{
    const size_t h = (size_t)hidden;
    memset(t, 0, sizeof *t);
    t->buffer = calloc((MAX_STEPS * CLNAS_LSTM_STEP_VECTORS + CLNAS_NB201_EDGES) * h, sizeof *t->buffer);
    if (!t->buffer)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "rnn controller: out of memory");
    double *at = t->buffer;
    for (int s = 0; s < MAX_STEPS; s++, at += CLNAS_LSTM_STEP_VECTORS * h)
        clnas_lstm_step_bind(&t->steps[s].v, at, hidden);
    for (int e = 0; e < CLNAS_NB201_EDGES; e++, at += h)
        t->conns[e].u = at;
    return CLNAS_OK;
}

/* One LSTM step from the previous step's state (zero for the first). */
static void lstm_step(const clnas_rnn_controller *c, const layout *l, trace *t, int position, int prev_op)
{
    const int H = c->hidden;
    const double *p = c->params;
    step *s = &t->steps[t->n_steps];
    const step *before = t->n_steps > 0 ? &t->steps[t->n_steps - 1] : NULL;
    s->position = position;
    s->prev_op = prev_op;
    for (int k = 0; k < H; k++) {
        s->v.x[k] = p[l->pos_emb + (size_t)position * H + k] + p[l->op_emb + (size_t)prev_op * H + k];
        s->v.h_prev[k] = before ? before->v.h[k] : 0.0;
        s->v.c_prev[k] = before ? before->v.c[k] : 0.0;
    }
    clnas_lstm_forward(p + l->w_lstm, p + l->b_lstm, H, &s->v);
    t->n_steps++;
}

/* A decision's draw: the choice whose cumulative probability first exceeds one uniform. */
static int draw(const double *p, int n, clnas_rng *rng)
{
    const double u = clnas_rng_uniform(rng);
    double cumulative = 0.0;
    for (int k = 0; k < n; k++) {
        cumulative += p[k];
        if (u < cumulative)
            return k;
    }
    return n - 1;
}

/* Runs the controller over one cell: sampling its decisions, scoring those of g, or taking the likeliest. */
static void run(const clnas_rnn_controller *c, run_mode mode, clnas_genotype *g, clnas_rng *rng, trace *t,
                double *log_prob)
{
    const layout l = layout_for(c->hidden);
    const int H = c->hidden;
    const double *p = c->params;
    int anchor_step[CLNAS_NB201_NODES];
    int prev_op = 0, e = 0;
    double logp = 0.0;
    t->n_steps = t->n_ops = 0;
    lstm_step(c, &l, t, 0, prev_op);
    anchor_step[0] = 0;
    for (int i = 1; i < CLNAS_NB201_NODES; i++) {
        lstm_step(c, &l, t, i, prev_op);
        anchor_step[i] = t->n_steps - 1;
        const int first_edge = e;
        for (int j = 0; j < i; j++, e++) {
            connection *cn = &t->conns[e];
            const double *aj = t->steps[anchor_step[j]].v.h, *ai = t->steps[anchor_step[i]].v.h;
            const clnas_anchor_weights w = {p + l.v, p + l.w_prev, p + l.w_curr};
            cn->from_anchor = anchor_step[j];
            cn->to_anchor = anchor_step[i];
            cn->p = clnas_anchor_probability(H, &w, aj, ai, cn->u);
            if (mode == RUN_SAMPLE)
                cn->exists = clnas_rng_uniform(rng) < cn->p;
            else if (mode == RUN_SCORE)
                cn->exists = g->ops[e] != CLNAS_OP_NONE;
            else
                cn->exists = cn->p > 0.5;
            logp += log(cn->exists ? cn->p : 1.0 - cn->p);
        }
        for (int j = 0, edge = first_edge; j < i; j++, edge++) {
            if (!t->conns[edge].exists) {
                g->ops[edge] = CLNAS_OP_NONE;
                continue;
            }
            lstm_step(c, &l, t, CLNAS_NB201_NODES + edge, prev_op);
            const double *h = t->steps[t->n_steps - 1].v.h;
            op_choice *oc = &t->ops[t->n_ops++];
            double logits[N_CHOICES], max = -INFINITY, sum = 0.0;
            for (int k = 0; k < N_CHOICES; k++) {
                logits[k] = p[l.b_op + k];
                for (int m = 0; m < H; m++)
                    logits[k] += p[l.w_op + (size_t)k * H + m] * h[m];
                max = logits[k] > max ? logits[k] : max;
            }
            for (int k = 0; k < N_CHOICES; k++)
                sum += oc->p[k] = exp(logits[k] - max);
            int best = 0;
            for (int k = 0; k < N_CHOICES; k++) {
                oc->p[k] /= sum;
                best = oc->p[k] > oc->p[best] ? k : best;
            }
            oc->step = t->n_steps - 1;
            if (mode == RUN_SAMPLE)
                oc->choice = draw(oc->p, N_CHOICES, rng);
            else if (mode == RUN_SCORE)
                oc->choice = g->ops[edge] - 1;
            else
                oc->choice = best;
            logp += log(oc->p[oc->choice]);
            g->ops[edge] = (uint8_t)(oc->choice + 1);
            prev_op = oc->choice + 1;
        }
    }
    if (log_prob)
        *log_prob = logp;
}

/* d log P / d params from a scored trace, added to grad. */
static clnas_status backward(const clnas_rnn_controller *c, const trace *t, double *grad, clnas_error *err)
{
    const layout l = layout_for(c->hidden);
    const int H = c->hidden;
    const double *p = c->params;
    double *dh = calloc((size_t)(MAX_STEPS + 3) * H, sizeof *dh); /* per step, then dc, dh_next, da */
    double *dz = calloc(4 * (size_t)H, sizeof *dz), *dxh = calloc(2 * (size_t)H, sizeof *dxh);
    if (!dh || !dz || !dxh) {
        free(dh);
        free(dz);
        free(dxh);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "rnn controller: out of memory");
    }
    double *dc = dh + (size_t)MAX_STEPS * H, *dh_next = dc + H, *da = dh_next + H;

    for (int o = 0; o < t->n_ops; o++) {
        const op_choice *oc = &t->ops[o];
        const double *h = t->steps[oc->step].v.h;
        for (int k = 0; k < N_CHOICES; k++) {
            const double d = (k == oc->choice) - oc->p[k]; /* d log softmax_choice / d logit_k */
            grad[l.b_op + k] += d;
            for (int m = 0; m < H; m++) {
                grad[l.w_op + (size_t)k * H + m] += d * h[m];
                dh[(size_t)oc->step * H + m] += d * p[l.w_op + (size_t)k * H + m];
            }
        }
    }
    const clnas_anchor_weights w = {p + l.v, p + l.w_prev, p + l.w_curr};
    clnas_anchor_grads g = {grad + l.v, grad + l.w_prev, grad + l.w_curr};
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        const connection *cn = &t->conns[e];
        const double ds = cn->exists - cn->p; /* d log Bernoulli / d score */
        clnas_anchor_backward(H, &w, ds, cn->u, t->steps[cn->from_anchor].v.h, t->steps[cn->to_anchor].v.h, &g,
                              dh + (size_t)cn->from_anchor * H, dh + (size_t)cn->to_anchor * H, da);
    }

    memset(dc, 0, (size_t)H * sizeof *dc);
    memset(dh_next, 0, (size_t)H * sizeof *dh_next);
    for (int s = t->n_steps - 1; s >= 0; s--) {
        const step *st = &t->steps[s];
        double *dhs = dh + (size_t)s * H;
        for (int k = 0; k < H; k++)
            dhs[k] += dh_next[k];
        clnas_lstm_backward(p + l.w_lstm, H, &st->v, dhs, dc, grad + l.w_lstm, grad + l.b_lstm, dxh, dh_next, dz);
        for (int m = 0; m < H; m++) {
            grad[l.pos_emb + (size_t)st->position * H + m] += dxh[m];
            grad[l.op_emb + (size_t)st->prev_op * H + m] += dxh[m];
        }
    }
    free(dh);
    free(dz);
    free(dxh);
    return CLNAS_OK;
}

clnas_status clnas_rnn_controller_init(clnas_rnn_controller *c, int hidden, double init_range, clnas_rng *rng,
                                       clnas_error *err)
{
    memset(c, 0, sizeof *c);
    if (hidden < 1 || hidden > CLNAS_RNN_MAX_HIDDEN || !(init_range >= 0.0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "rnn controller: hidden must be from 1 to %d and init_range at least 0",
                               CLNAS_RNN_MAX_HIDDEN);
    const layout l = layout_for(hidden);
    c->params = calloc(l.total, sizeof *c->params);
    if (!c->params)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "rnn controller: out of memory");
    c->hidden = hidden;
    c->n_params = l.total;
    for (size_t i = 0; i < l.total; i++) {
        const int is_bias = (i >= l.b_lstm && i < l.w_op) || (i >= l.b_op && i < l.w_prev);
        c->params[i] = is_bias ? 0.0 : init_range * (2.0 * clnas_rng_uniform(rng) - 1.0);
    }
    return CLNAS_OK;
}

void clnas_rnn_controller_free(clnas_rnn_controller *c)
{
    if (c) {
        free(c->params);
        c->params = NULL;
    }
}

static clnas_status run_once(const clnas_rnn_controller *c, run_mode mode, clnas_genotype *g, clnas_rng *rng,
                             double *log_prob, double *grad, clnas_error *err)
{
    trace t;
    clnas_status st = trace_alloc(&t, c->hidden, err);
    if (st != CLNAS_OK)
        return st;
    run(c, mode, g, rng, &t, log_prob);
    if (grad)
        st = backward(c, &t, grad, err);
    free(t.buffer);
    return st;
}

clnas_status clnas_rnn_controller_sample(const clnas_rnn_controller *c, clnas_rng *rng, clnas_genotype *out,
                                         clnas_error *err)
{
    return run_once(c, RUN_SAMPLE, out, rng, NULL, NULL, err);
}

clnas_status clnas_rnn_controller_log_prob(const clnas_rnn_controller *c, const clnas_genotype *g, double *log_prob,
                                           double *grad, clnas_error *err)
{
    if (clnas_genotype_to_index(g) == UINT32_MAX)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "rnn controller: the genotype has an op outside the enum");
    clnas_genotype copy = *g;
    return run_once(c, RUN_SCORE, &copy, NULL, log_prob, grad, err);
}

clnas_status clnas_rnn_controller_mode(const clnas_rnn_controller *c, clnas_genotype *out, clnas_error *err)
{
    return run_once(c, RUN_GREEDY, out, NULL, NULL, NULL, err);
}
