/* clnas — the chain space's LSTM controller: forward (sample, score, greedy), backpropagation through time of
 * log P(genotype), and its REINFORCE step. */
#include "chain_controller.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "anchor_attention.h"
#include "lstm_cell.h"

#define INIT_RANGE 0.08 /* Zoph & Le's uniform initialisation */
#define MAX_LAYERS CLNAS_CHAIN_MAX_LAYERS

/* The categorical decisions of a layer, in the order they are taken. */
enum { D_JOIN, D_OP, D_KERNEL, D_FILTERS, D_STRIDE, N_DECISIONS };
static const int n_choices[N_DECISIONS] = {2, CLNAS_CHAIN_OPS, 4, CLNAS_CHAIN_FILTER_CHOICES, 2};
static const int head_row[N_DECISIONS] = {0, 2, 7, 11, 15};  /* the decision's first row of the output heads */
static const int token_base[N_DECISIONS] = {1, 3, 8, 12, 16}; /* its choices' tokens; token 0: start */
static const int kernels[4] = {1, 3, 5, 7};
#define N_HEAD_ROWS 17
#define N_TOKENS 18
#define MAX_CHOICES 5
#define N_POSITIONS (MAX_LAYERS + 1 + N_DECISIONS) /* anchor of output i: i; decision d: MAX_LAYERS + 1 + d */
#define MAX_STEPS (1 + MAX_LAYERS * (1 + N_DECISIONS))
#define MAX_CONNS (MAX_LAYERS * (MAX_LAYERS - 1) / 2)
#define MAX_DECISIONS (MAX_LAYERS * N_DECISIONS)

struct clnas_chain_controller {
    int hidden, layers;
    size_t n_params;
    double *params, *grad; /* all weights as one vector, and the update's gradient */
    clnas_adam adam;
};

/* Where each weight block starts in params. */
typedef struct layout {
    size_t pos_emb, tok_emb, w_lstm, b_lstm, w_head, b_head, w_prev, w_curr, v, total;
} layout;

static layout layout_for(int hidden)
{
    const size_t h = (size_t)hidden;
    layout l;
    size_t at = 0;
    l.pos_emb = at, at += N_POSITIONS * h;
    l.tok_emb = at, at += N_TOKENS * h;
    l.w_lstm = at, at += 4 * h * 2 * h;
    l.b_lstm = at, at += 4 * h;
    l.w_head = at, at += N_HEAD_ROWS * h;
    l.b_head = at, at += N_HEAD_ROWS;
    l.w_prev = at, at += h * h;
    l.w_curr = at, at += h * h;
    l.v = at, at += h;
    l.total = at;
    return l;
}

typedef struct step {
    int position, token;
    clnas_lstm_step v;
} step;

typedef struct connection {
    int from, to; /* step indices of a_j and a_i */
    int exists;
    double p;
    double *u; /* tanh(W_prev a_j + W_curr a_i), H */
} connection;

typedef struct choice {
    int step, decision, choice;
    double p[MAX_CHOICES]; /* 0 for masked choices */
} choice;

typedef struct trace {
    int n_steps, n_conns, n_choices;
    step steps[MAX_STEPS];
    connection conns[MAX_CONNS];
    choice choices[MAX_DECISIONS];
    double *buffer;
} trace;

typedef enum run_mode { RUN_SAMPLE, RUN_SCORE, RUN_GREEDY } run_mode;

/* One run's inputs and running values. */
typedef struct runner {
    const clnas_chain_controller *c;
    layout l;
    run_mode mode;
    clnas_rng *rng;
    trace *t;
    int token;       /* the previous decision's token */
    double log_prob;
    int impossible;  /* scoring met a choice the controller cannot make */
} runner;

static clnas_status trace_alloc(trace *t, int hidden, clnas_error *err)
{
    const size_t h = (size_t)hidden;
    t->n_steps = t->n_conns = t->n_choices = 0;
    t->buffer = calloc((MAX_STEPS * CLNAS_LSTM_STEP_VECTORS + MAX_CONNS) * h, sizeof *t->buffer);
    if (!t->buffer)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "chain controller: out of memory");
    double *at = t->buffer;
    for (int s = 0; s < MAX_STEPS; s++, at += CLNAS_LSTM_STEP_VECTORS * h)
        clnas_lstm_step_bind(&t->steps[s].v, at, hidden);
    for (int e = 0; e < MAX_CONNS; e++, at += h)
        t->conns[e].u = at;
    return CLNAS_OK;
}

/* One LSTM step at position with the previous decision's token as input; its index. */
static int lstm_step(runner *r, int position)
{
    const int H = r->c->hidden;
    const double *p = r->c->params;
    trace *t = r->t;
    step *s = &t->steps[t->n_steps];
    const step *before = t->n_steps > 0 ? &t->steps[t->n_steps - 1] : NULL;
    s->position = position;
    s->token = r->token;
    for (int k = 0; k < H; k++) {
        s->v.x[k] = p[r->l.pos_emb + (size_t)position * H + k] + p[r->l.tok_emb + (size_t)r->token * H + k];
        s->v.h_prev[k] = before ? before->v.h[k] : 0.0;
        s->v.c_prev[k] = before ? before->v.c[k] : 0.0;
    }
    clnas_lstm_forward(p + r->l.w_lstm, p + r->l.b_lstm, H, &s->v);
    return t->n_steps++;
}

/* A decision's draw: the choice whose cumulative probability first exceeds one uniform (masked ones never). */
static int draw(const double *p, const int *mask, int n, clnas_rng *rng)
{
    const double u = clnas_rng_uniform(rng);
    double cumulative = 0.0;
    int last = 0;
    for (int k = 0; k < n; k++) {
        if (!mask[k])
            continue;
        last = k;
        cumulative += p[k];
        if (u < cumulative)
            return k;
    }
    return last;
}

/* Decision d over its unmasked choices: a step when more than one is left, else the only one without a step.
 * wanted is the choice scored (RUN_SCORE). */
static int decide(runner *r, int d, const int *mask, int wanted)
{
    const int n = n_choices[d];
    int left = 0, only = 0;
    for (int k = 0; k < n; k++)
        if (mask[k])
            left++, only = k;
    if (left == 1) {
        r->impossible |= r->mode == RUN_SCORE && wanted != only;
        return only;
    }
    const int H = r->c->hidden;
    const double *p = r->c->params;
    const int s = lstm_step(r, MAX_LAYERS + 1 + d);
    const double *h = r->t->steps[s].v.h;
    choice *ch = &r->t->choices[r->t->n_choices++];
    double logits[MAX_CHOICES], max = -INFINITY, sum = 0.0;
    for (int k = 0; k < n; k++) {
        const size_t row = (size_t)(head_row[d] + k);
        logits[k] = p[r->l.b_head + row];
        for (int m = 0; m < H; m++)
            logits[k] += p[r->l.w_head + row * H + m] * h[m];
        if (mask[k] && logits[k] > max)
            max = logits[k];
    }
    int best = only;
    for (int k = 0; k < n; k++)
        sum += ch->p[k] = mask[k] ? exp(logits[k] - max) : 0.0;
    for (int k = 0; k < n; k++) {
        ch->p[k] /= sum;
        best = ch->p[k] > ch->p[best] ? k : best;
    }
    ch->step = s;
    ch->decision = d;
    if (r->mode == RUN_SAMPLE)
        ch->choice = draw(ch->p, mask, n, r->rng);
    else if (r->mode == RUN_SCORE)
        ch->choice = wanted >= 0 && wanted < n && mask[wanted] ? wanted : best;
    else
        ch->choice = best;
    r->impossible |= r->mode == RUN_SCORE && ch->choice != wanted;
    r->log_prob += log(ch->p[ch->choice]);
    r->token = token_base[d] + ch->choice;
    return ch->choice;
}

/* Whether layer i skips from output j: the anchor points' sigmoid, decided or scored. */
static int skip_decision(runner *r, int from_step, int to_step, int wanted)
{
    const int H = r->c->hidden;
    const double *p = r->c->params;
    connection *cn = &r->t->conns[r->t->n_conns++];
    const double *aj = r->t->steps[from_step].v.h, *ai = r->t->steps[to_step].v.h;
    const clnas_anchor_weights w = {p + r->l.v, p + r->l.w_prev, p + r->l.w_curr};
    cn->from = from_step;
    cn->to = to_step;
    cn->p = clnas_anchor_probability(H, &w, aj, ai, cn->u);
    if (r->mode == RUN_SAMPLE)
        cn->exists = clnas_rng_uniform(r->rng) < cn->p;
    else if (r->mode == RUN_SCORE)
        cn->exists = wanted;
    else
        cn->exists = cn->p > 0.5;
    r->log_prob += log(cn->exists ? cn->p : 1.0 - cn->p);
    return cn->exists;
}

static int index_of(const int *values, int n, int v)
{
    for (int k = 0; k < n; k++)
        if (values[k] == v)
            return k;
    return -1;
}

/* Layer i's decisions; in RUN_SCORE *l is read (and left as it is), else written. */
static void run_layer(runner *r, int i, const int *anchor, clnas_chain_shape *shapes, clnas_chain_layer *l)
{
    const clnas_chain_layer want = *l;
    const int scoring = r->mode == RUN_SCORE;
    const clnas_chain_shape prev = shapes[i - 1];
    int listed = 0; /* the wanted skips matched so far, in order */
    clnas_chain_layer out = {.stride = 1, .join = CLNAS_CHAIN_SUM};
    for (int j = 0; j <= i - 2; j++) {
        if (shapes[j].level != prev.level || out.nskips == CLNAS_CHAIN_MAX_SKIPS)
            continue;
        const int wanted = scoring && listed < want.nskips && want.skip[listed] == j;
        if (skip_decision(r, anchor[j], anchor[i], wanted)) {
            out.skip[out.nskips++] = (uint8_t)j;
            listed += wanted;
        }
    }
    r->impossible |= scoring && listed != want.nskips; /* a skip out of order, or not of a fitting output */
    if (out.nskips > 0) {
        int mask[2] = {1, 1};
        for (int s = 0; s < out.nskips; s++)
            if (shapes[out.skip[s]].c_stem != prev.c_stem || shapes[out.skip[s]].c_fixed != prev.c_fixed)
                mask[CLNAS_CHAIN_SUM] = 0;
        out.join = (uint8_t)decide(r, D_JOIN, mask, want.join);
    }
    const int all[MAX_CHOICES] = {1, 1, 1, 1, 1};
    out.op = (uint8_t)decide(r, D_OP, all, want.op);
    if (out.op == CLNAS_CHAIN_CONV || out.op == CLNAS_CHAIN_SEPCONV) {
        const int sep = out.op == CLNAS_CHAIN_SEPCONV;
        const int kmask[4] = {!sep, 1, 1, !sep};
        out.ksize = (uint8_t)kernels[decide(r, D_KERNEL, kmask, index_of(kernels, 4, want.ksize))];
        const int f = decide(r, D_FILTERS, all, index_of(clnas_chain_filters, CLNAS_CHAIN_FILTER_CHOICES,
                                                         want.filters));
        out.filters = (uint16_t)clnas_chain_filters[f];
    }
    const int smask[2] = {1, out.op != CLNAS_CHAIN_IDENTITY};
    out.stride = (uint8_t)(1 + decide(r, D_STRIDE, smask, want.stride - 1));
    /* output i's shape, as space/chain_validate.c computes it */
    clnas_chain_shape s = prev;
    for (int k = 0; k < out.nskips && out.join == CLNAS_CHAIN_CAT; k++) {
        s.c_stem += shapes[out.skip[k]].c_stem;
        s.c_fixed += shapes[out.skip[k]].c_fixed;
    }
    s.level += out.stride == 2;
    if (out.op == CLNAS_CHAIN_CONV || out.op == CLNAS_CHAIN_SEPCONV)
        s = (clnas_chain_shape){0, out.filters, s.level};
    shapes[i] = s;
    if (!scoring)
        *l = out;
}

/* Runs the controller over a genotype of nlayers layers: sampling, scoring g's decisions, or the likeliest. */
static void run(runner *r, clnas_chain_genotype *g, int nlayers)
{
    int anchor[MAX_LAYERS + 1];
    clnas_chain_shape shapes[MAX_LAYERS + 1];
    shapes[0] = (clnas_chain_shape){1, 0, 0};
    r->token = 0;
    r->log_prob = 0.0;
    r->impossible = 0;
    anchor[0] = lstm_step(r, 0);
    for (int i = 1; i <= nlayers; i++) {
        anchor[i] = lstm_step(r, i);
        run_layer(r, i, anchor, shapes, &g->layer[i - 1]);
    }
    g->nlayers = nlayers;
}

/* d log P / d params from a scored trace, added to grad. */
static clnas_status backward(const clnas_chain_controller *c, const trace *t, double *grad, clnas_error *err)
{
    const layout l = layout_for(c->hidden);
    const int H = c->hidden;
    const double *p = c->params;
    double *dh = calloc((size_t)(t->n_steps + 9) * H, sizeof *dh); /* per step, then the vectors below */
    if (!dh)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "chain controller: out of memory");
    double *dc = dh + (size_t)t->n_steps * H, *dh_next = dc + H, *da = dh_next + H, *dx = da + H, *dz = dx + H;

    for (int o = 0; o < t->n_choices; o++) {
        const choice *ch = &t->choices[o];
        const double *h = t->steps[ch->step].v.h;
        for (int k = 0; k < n_choices[ch->decision]; k++) {
            const size_t row = (size_t)(head_row[ch->decision] + k);
            const double d = (k == ch->choice) - ch->p[k]; /* d log softmax_choice / d logit_k (0 when masked) */
            grad[l.b_head + row] += d;
            for (int m = 0; m < H; m++) {
                grad[l.w_head + row * H + m] += d * h[m];
                dh[(size_t)ch->step * H + m] += d * p[l.w_head + row * H + m];
            }
        }
    }
    const clnas_anchor_weights w = {p + l.v, p + l.w_prev, p + l.w_curr};
    clnas_anchor_grads g = {grad + l.v, grad + l.w_prev, grad + l.w_curr};
    for (int e = 0; e < t->n_conns; e++) {
        const connection *cn = &t->conns[e];
        const double ds = cn->exists - cn->p; /* d log Bernoulli / d score */
        clnas_anchor_backward(H, &w, ds, cn->u, t->steps[cn->from].v.h, t->steps[cn->to].v.h, &g,
                              dh + (size_t)cn->from * H, dh + (size_t)cn->to * H, da);
    }
    for (int s = t->n_steps - 1; s >= 0; s--) {
        const step *st = &t->steps[s];
        double *dhs = dh + (size_t)s * H;
        for (int k = 0; k < H; k++)
            dhs[k] += dh_next[k];
        clnas_lstm_backward(p + l.w_lstm, H, &st->v, dhs, dc, grad + l.w_lstm, grad + l.b_lstm, dx, dh_next, dz);
        for (int m = 0; m < H; m++) {
            grad[l.pos_emb + (size_t)st->position * H + m] += dx[m];
            grad[l.tok_emb + (size_t)st->token * H + m] += dx[m];
        }
    }
    free(dh);
    return CLNAS_OK;
}

/* One run with its trace; the backward pass into grad when not NULL. */
static clnas_status run_once(const clnas_chain_controller *c, run_mode mode, clnas_chain_genotype *g, int nlayers,
                             clnas_rng *rng, double *log_prob, double *grad, clnas_error *err)
{
    trace *t = malloc(sizeof *t);
    if (!t)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "chain controller: out of memory");
    clnas_status st = trace_alloc(t, c->hidden, err);
    if (st != CLNAS_OK) {
        free(t);
        return st;
    }
    runner r = {.c = c, .l = layout_for(c->hidden), .mode = mode, .rng = rng, .t = t};
    run(&r, g, nlayers);
    if (r.impossible)
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain controller: the genotype is not one it writes (its "
                             "skip lists must be in increasing order)");
    if (st == CLNAS_OK && log_prob)
        *log_prob = r.log_prob;
    if (st == CLNAS_OK && grad)
        st = backward(c, t, grad, err);
    free(t->buffer);
    free(t);
    return st;
}

clnas_status clnas_chain_controller_create(int hidden, int layers, uint64_t seed, clnas_chain_controller **out,
                                           clnas_error *err)
{
    *out = NULL;
    if (hidden < 1 || hidden > CLNAS_CHAIN_CONTROLLER_MAX_HIDDEN || layers < 1 || layers > MAX_LAYERS)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain controller: hidden %d and layers %d, expected 1 to "
                               "%d and 1 to %d", hidden, layers, CLNAS_CHAIN_CONTROLLER_MAX_HIDDEN, MAX_LAYERS);
    const layout l = layout_for(hidden);
    clnas_chain_controller *c = calloc(1, sizeof *c);
    if (!c)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "chain controller: out of memory");
    c->params = calloc(l.total, sizeof *c->params);
    c->grad = calloc(l.total, sizeof *c->grad);
    clnas_status st = c->params && c->grad
                          ? clnas_adam_init(&c->adam, l.total, err)
                          : clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "chain controller: out of memory");
    if (st != CLNAS_OK) {
        clnas_chain_controller_free(c);
        return st;
    }
    c->hidden = hidden;
    c->layers = layers;
    c->n_params = l.total;
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (size_t i = 0; i < l.total; i++) {
        const int is_bias = (i >= l.b_lstm && i < l.w_head) || (i >= l.b_head && i < l.w_prev);
        c->params[i] = is_bias ? 0.0 : INIT_RANGE * (2.0 * clnas_rng_uniform(&rng) - 1.0);
    }
    *out = c;
    return CLNAS_OK;
}

void clnas_chain_controller_free(clnas_chain_controller *c)
{
    if (c) {
        clnas_adam_free(&c->adam);
        free(c->params);
        free(c->grad);
        free(c);
    }
}

clnas_status clnas_chain_controller_sample(const clnas_chain_controller *c, clnas_rng *rng, clnas_chain_genotype *out,
                                           clnas_chain_record *record, double *log_prob, clnas_error *err)
{
    double lp = 0.0;
    memset(out, 0, sizeof *out);
    clnas_status st = run_once(c, RUN_SAMPLE, out, c->layers, rng, &lp, NULL, err);
    if (st != CLNAS_OK)
        return st;
    if (log_prob)
        *log_prob = lp;
    if (record) {
        record->genotype = *out;
        record->log_prob = lp;
    }
    return CLNAS_OK;
}

clnas_status clnas_chain_controller_log_prob(const clnas_chain_controller *c, const clnas_chain_genotype *g,
                                             double *log_prob, double *grad, clnas_error *err)
{
    clnas_status st = clnas_chain_genotype_validate(g, NULL, err);
    if (st != CLNAS_OK)
        return clnas_error_prefix(err, "chain controller");
    clnas_chain_genotype copy = *g;
    return run_once(c, RUN_SCORE, &copy, g->nlayers, NULL, log_prob, grad, err);
}

clnas_status clnas_chain_controller_update(clnas_chain_controller *c, const clnas_chain_record *record,
                                           double advantage, double lr, clnas_error *err)
{
    if (!isfinite(advantage) || !(lr >= 0.0))
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "chain controller: advantage %g and lr %g, expected a "
                               "finite advantage and lr >= 0", advantage, lr);
    memset(c->grad, 0, c->n_params * sizeof *c->grad);
    clnas_status st = clnas_chain_controller_log_prob(c, &record->genotype, NULL, c->grad, err);
    if (st != CLNAS_OK)
        return st;
    for (size_t i = 0; i < c->n_params; i++)
        c->grad[i] *= -advantage; /* of the loss -advantage log P */
    clnas_adam_step(&c->adam, c->params, c->grad, lr);
    return CLNAS_OK;
}

clnas_status clnas_chain_controller_mode(const clnas_chain_controller *c, clnas_chain_genotype *out,
                                         clnas_error *err)
{
    memset(out, 0, sizeof *out);
    return run_once(c, RUN_GREEDY, out, c->layers, NULL, NULL, NULL, err);
}

int clnas_chain_controller_layers(const clnas_chain_controller *c)
{
    return c->layers;
}

size_t clnas_chain_controller_n_params(const clnas_chain_controller *c)
{
    return c->n_params;
}

double *clnas_chain_controller_params(clnas_chain_controller *c)
{
    return c->params;
}
