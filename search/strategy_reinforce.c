/* clnas — REINFORCE as NAS-Bench-201's baseline (exps/algos/reinforce.py), with a per-edge (per-decision, on every
 * space) or an LSTM policy; on the chain space, Zoph & Le's LSTM writing a network layer by layer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chain_controller.h"
#include "decision_controller.h"
#include "clnas/rng.h"
#include "rnn_controller.h"
#include "space_nb201.h"
#include "strategy.h"
#include "strategy_common.h"

/* Policies (strategy.controller):
 *   "per_edge" (default, except on chain): NB201's policy, a 6 x 5 table of logits (edges x ops) starting at 0
 *     (NB201 starts from 1e-3 * randn); each trial samples one op per edge from softmax(logits[edge]), one
 *     clnas_rng_uniform each. On every other space the same over the space's decisions (space_iface.h: DARTS' 24,
 *     the chain space's 310), independent categoricals, one logit per option; the genotype is the space's
 *     from_decisions. Its log-probability sums the decisions the genotype depends on (to_decisions' -1 are left
 *     out: log P of the genotype, the ignored decisions marginalised), as the gradient does.
 *   "lstm": the controller of Zoph & Le 2017 with anchor points (rnn_controller.h), strategy.hidden units
 *     (32), weights uniform in [-0.08, 0.08] drawn from the strategy's generator before the first proposal.
 * After each trial, with reward r = fitness (0 for a failed trial), as NB201 does:
 *   baseline: EMA with bias correction, updated with r first: num = m num + (1-m) r, den = m den + (1-m),
 *             b = num / den (so the first advantage is 0);
 *   loss = -(r - b) log P(arch); its exact gradient (per_edge: -(r - b) (onehot(a_e) - softmax_e) on each edge's
 *   logits; lstm: backpropagation through time) takes one Adam step (PyTorch's Adam: betas 0.9 and 0.999,
 *   eps 1e-8, bias-corrected).
 * Parameters: trials (40), lr (0.01), ema_momentum (0.9), controller ("per_edge"; "lstm" on the chain space), hidden
 * (32, lstm only), layers (6, the chain space's lstm only).
 * NB201 ran lr 0.001 for hundreds of steps (a 12,000 s budget); NATS-Bench's reinforce.py uses 0.01, and a clnas
 * search has tens of trials, so 0.01. Adam's step is nearly independent of the reward's scale, so fractions
 * here and NB201's percentages behave alike.
 * On the chain space controller "lstm" (the default there) is the chain controller (chain_controller.h: Zoph &
 * Le's LSTM, the op, its hyper-parameters, the stride and anchor-point skips of each layer), writing networks of
 * strategy.layers layers (6; 1 .. 20), strategy.hidden units (32; 1 .. 256), its weights drawn from a seed that is
 * the strategy generator's first draw. On other spaces (darts) controller "lstm" is an LSTM over the space's
 * decisions (decision_controller.h: one step per decision, its input the embeddings of the decision and of the
 * previous value, a softmax head per decision), strategy.hidden units (32), weights uniform in [-0.08, 0.08] drawn
 * from the strategy's generator at creation, as NB201's. The baseline, the loss and Adam are the same for every
 * policy. */

#define REINFORCE_MAX_TRIALS 10000000
#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define ADAM_EPS 1e-8
#define LSTM_INIT_RANGE 0.08
#define MAX_OPTIONS 64 /* the most options of one decision (chain depth: 20) */

enum { CONTROLLER_PER_EDGE, CONTROLLER_LSTM };

typedef struct reinforce_state {
    int trials, controller;
    double lr, ema_momentum;
    clnas_rng rng;
    const clnas_space_iface *space;
    int *options, *offset;                              /* per_edge: per decision, its options and first logit */
    int *choice;                                        /* per_edge, decision_lstm: scratch, space->decisions */
    double *logits;                                     /* per_edge: [decision][option] */
    clnas_rnn_controller lstm;                          /* lstm */
    clnas_chain_controller *chain;                      /* the chain space's lstm */
    clnas_decision_controller *decision_lstm;           /* lstm on other spaces: over the decisions */
    double *params, *grad, *adam_m, *adam_v;            /* params: logits or lstm.params */
    size_t n_params;
    int adam_steps;
    double ema_num, ema_den;
    double last_reward, last_baseline; /* NAN before the first observation */
    clnas_proposal_order order;
} reinforce_state;

/* The softmax of n <= MAX_OPTIONS logits. */
static void edge_probabilities(const double *logits, int n, double *p)
{
    double max = logits[0], sum = 0.0;
    for (int k = 1; k < n; k++)
        max = logits[k] > max ? logits[k] : max;
    for (int k = 0; k < n; k++)
        sum += p[k] = exp(logits[k] - max);
    for (int k = 0; k < n; k++)
        p[k] /= sum;
}

static void reinforce_destroy(void *state)
{
    reinforce_state *s = state;
    if (!s)
        return;
    clnas_rnn_controller_free(&s->lstm);
    clnas_chain_controller_free(s->chain);
    clnas_decision_controller_free(s->decision_lstm);
    free(s->options);
    free(s->offset);
    free(s->choice);
    free(s->logits);
    free(s->grad);
    free(s->adam_m);
    free(s->adam_v);
    free(s);
}

/* The per-decision policy's tables: logits 0 for every option of every decision of the space. */
static clnas_status per_edge_init(reinforce_state *s, clnas_error *err)
{
    const int n = s->space->decisions;
    s->options = calloc((size_t)n, sizeof *s->options);
    s->offset = calloc((size_t)n, sizeof *s->offset);
    s->choice = calloc((size_t)n, sizeof *s->choice);
    if (!s->options || !s->offset || !s->choice)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "reinforce: out of memory");
    size_t total = 0;
    for (int d = 0; d < n; d++) {
        s->options[d] = s->space->decision_options(d);
        if (s->options[d] > MAX_OPTIONS)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "reinforce: space %s's decision %d has %d options, "
                                   "more than the %d the per_edge policy holds", s->space->name, d, s->options[d],
                                   MAX_OPTIONS);
        s->offset[d] = (int)total;
        total += (size_t)s->options[d];
    }
    s->logits = calloc(total, sizeof *s->logits);
    if (!s->logits)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "reinforce: out of memory");
    s->params = s->logits;
    s->n_params = total;
    return CLNAS_OK;
}

static clnas_status reinforce_create(const cJSON *params, uint64_t seed, const clnas_space_iface *space,
                                     cJSON *resolved, void **state, clnas_error *err)
{
    static const char *const known[] = {"trials", "lr", "ema_momentum", "controller", "hidden", "layers"};
    static const char *const controllers[] = {"per_edge", "lstm"};
    *state = NULL;
    space = clnas_space_or_nb201(space);
    const int chain = space == &clnas_space_chain;
    clnas_status st = clnas_strategy_params_check(params, "reinforce", known, 6, resolved, err);
    if (st != CLNAS_OK)
        return st;
    int trials, controller, hidden = 0, layers = 0;
    double lr, momentum;
    if ((st = clnas_strategy_param_int(params, "trials", 40, 1, REINFORCE_MAX_TRIALS, NULL, resolved, &trials, err))
            != CLNAS_OK
        || (st = clnas_strategy_param_number(params, "lr", 0.01, 0.0, 1, 10.0, 0, resolved, &lr, err)) != CLNAS_OK
        || (st = clnas_strategy_param_number(params, "ema_momentum", 0.9, 0.0, 0, 1.0, 1, resolved, &momentum, err))
               != CLNAS_OK
        || (st = clnas_strategy_param_choice(params, "controller", chain ? CONTROLLER_LSTM : CONTROLLER_PER_EDGE,
                                             controllers, 2, resolved, &controller, err)) != CLNAS_OK)
        return st;
    const int chain_lstm = chain && controller == CONTROLLER_LSTM;
    if (chain_lstm) {
        st = clnas_strategy_param_int(params, "layers", 6, 1, CLNAS_CHAIN_MAX_LAYERS, NULL, resolved, &layers, err);
        if (st != CLNAS_OK)
            return st;
    } else if (params && cJSON_GetObjectItemCaseSensitive(params, "layers")) {
        if (chain)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "strategy.layers: the network depth of the chain "
                                   "space's \"lstm\" controller; \"per_edge\" draws the depth as a decision");
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "strategy.layers: the chain space's network depth; this run's space is %s", space->name);
    }
    if (controller == CONTROLLER_LSTM) {
        st = clnas_strategy_param_int(params, "hidden", 32, 1,
                                      chain_lstm ? CLNAS_CHAIN_CONTROLLER_MAX_HIDDEN : CLNAS_RNN_MAX_HIDDEN, NULL,
                                      resolved, &hidden, err);
        if (st != CLNAS_OK)
            return st;
    } else if (params && cJSON_GetObjectItemCaseSensitive(params, "hidden")) {
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG,
                               "strategy.hidden: only used with strategy.controller \"lstm\"");
    }

    reinforce_state *s = calloc(1, sizeof *s);
    if (!s)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "reinforce: out of memory");
    s->trials = trials;
    s->controller = controller;
    s->lr = lr;
    s->ema_momentum = momentum;
    s->last_reward = s->last_baseline = NAN;
    s->space = space;
    s->order.space = space;
    clnas_rng_seed(&s->rng, seed);
    if (chain_lstm) {
        st = clnas_chain_controller_create(hidden, layers, clnas_rng_next(&s->rng), &s->chain, err);
        if (st == CLNAS_OK) {
            s->params = clnas_chain_controller_params(s->chain);
            s->n_params = clnas_chain_controller_n_params(s->chain);
        }
    } else if (controller == CONTROLLER_LSTM && space != &clnas_space_nb201) {
        st = clnas_decision_controller_create(space, hidden, LSTM_INIT_RANGE, &s->rng, &s->decision_lstm, err);
        if (st == CLNAS_OK) {
            s->params = clnas_decision_controller_params(s->decision_lstm);
            s->n_params = clnas_decision_controller_n_params(s->decision_lstm);
            s->choice = calloc((size_t)space->decisions, sizeof *s->choice);
            if (!s->choice)
                st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "reinforce: out of memory");
        }
    } else if (controller == CONTROLLER_LSTM) {
        st = clnas_rnn_controller_init(&s->lstm, hidden, LSTM_INIT_RANGE, &s->rng, err);
        s->params = s->lstm.params;
        s->n_params = s->lstm.n_params;
    } else {
        st = per_edge_init(s, err);
    }
    if (st == CLNAS_OK) {
        s->grad = calloc(s->n_params, sizeof *s->grad);
        s->adam_m = calloc(s->n_params, sizeof *s->adam_m);
        s->adam_v = calloc(s->n_params, sizeof *s->adam_v);
        if (!s->grad || !s->adam_m || !s->adam_v)
            st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "reinforce: out of memory");
    }
    if (st != CLNAS_OK) {
        reinforce_destroy(s);
        return st;
    }
    *state = s;
    return CLNAS_OK;
}

static int reinforce_budget(const void *state)
{
    return ((const reinforce_state *)state)->trials;
}

static void per_edge_sample(reinforce_state *s, clnas_space_genotype *out)
{
    for (int d = 0; d < s->space->decisions; d++) {
        double p[MAX_OPTIONS];
        const int n = s->options[d];
        edge_probabilities(s->logits + s->offset[d], n, p);
        /* Inverse CDF of one uniform draw; rounding can leave u above the last partial sum: take the last op. */
        const double u = clnas_rng_uniform(&s->rng);
        double cumulative = 0.0;
        int op = n - 1;
        for (int k = 0; k < n; k++) {
            cumulative += p[k];
            if (u < cumulative) {
                op = k;
                break;
            }
        }
        s->choice[d] = op;
    }
    s->space->from_decisions(s->choice, out);
}

static clnas_status reinforce_propose(void *state, clnas_space_genotype *out, clnas_error *err)
{
    reinforce_state *s = state;
    clnas_status st = clnas_proposal_order_can_propose(&s->order, s->trials, "reinforce", err);
    if (st != CLNAS_OK)
        return st;
    if (s->chain) {
        clnas_chain_genotype c;
        char text[CLNAS_SPACE_STR_MAX];
        st = clnas_chain_controller_sample(s->chain, &s->rng, &c, NULL, NULL, err);
        if (st == CLNAS_OK)
            st = clnas_chain_genotype_format(&c, text, sizeof text, err);
        if (st == CLNAS_OK)
            st = clnas_space_chain.parse(text, out, err);
        if (st == CLNAS_OK)
            clnas_proposal_order_proposed(&s->order, out);
        return st;
    }
    if (s->decision_lstm) {
        st = clnas_decision_controller_sample(s->decision_lstm, &s->rng, s->choice, err);
        if (st != CLNAS_OK)
            return st;
        s->space->from_decisions(s->choice, out);
    } else if (s->controller == CONTROLLER_LSTM) {
        clnas_genotype g;
        st = clnas_rnn_controller_sample(&s->lstm, &s->rng, &g, err);
        if (st != CLNAS_OK)
            return st;
        clnas_nb201_to(&g, out);
    } else {
        per_edge_sample(s, out);
    }
    clnas_proposal_order_proposed(&s->order, out);
    return CLNAS_OK;
}

/* s->grad = d log P(arch) / d params under the policy that proposed arch (params change only in observe); with
 * several proposals in flight (asynchronous workers), under the policy as it stands when the result is observed. */
static clnas_status log_prob_gradient(reinforce_state *s, const clnas_space_genotype *sarch, clnas_error *err)
{
    memset(s->grad, 0, s->n_params * sizeof *s->grad);
    double log_prob;
    if (s->chain) {
        char text[CLNAS_SPACE_STR_MAX];
        clnas_chain_genotype c;
        clnas_status st = clnas_space_chain.format(sarch, text, sizeof text, err);
        if (st == CLNAS_OK)
            st = clnas_chain_genotype_parse(text, &c, err);
        return st == CLNAS_OK ? clnas_chain_controller_log_prob(s->chain, &c, &log_prob, s->grad, err) : st;
    }
    if (s->decision_lstm) {
        s->space->to_decisions(sarch, s->choice);
        return clnas_decision_controller_log_prob(s->decision_lstm, s->choice, &log_prob, s->grad, err);
    }
    if (s->controller == CONTROLLER_LSTM) {
        const clnas_genotype nb201 = clnas_nb201_of(sarch);
        return clnas_rnn_controller_log_prob(&s->lstm, &nb201, &log_prob, s->grad, err);
    }
    s->space->to_decisions(sarch, s->choice);
    for (int d = 0; d < s->space->decisions; d++) {
        if (s->choice[d] < 0) /* a decision the genotype does not depend on */
            continue;
        double p[MAX_OPTIONS];
        edge_probabilities(s->logits + s->offset[d], s->options[d], p);
        for (int k = 0; k < s->options[d]; k++)
            s->grad[s->offset[d] + k] = (k == s->choice[d]) - p[k];
    }
    return CLNAS_OK;
}

static clnas_status reinforce_observe(void *state, const clnas_space_genotype *sarch, double fitness,
                                      clnas_error *err)
{
    reinforce_state *s = state;
    clnas_status st = clnas_proposal_order_observe(&s->order, sarch, fitness, "reinforce", err);
    if (st != CLNAS_OK)
        return st;
    const double reward = isnan(fitness) ? 0.0 : fitness;
    const double m = s->ema_momentum;
    s->ema_num = m * s->ema_num + (1.0 - m) * reward;
    s->ema_den = m * s->ema_den + (1.0 - m);
    const double baseline = s->ema_num / s->ema_den;
    const double advantage = reward - baseline;
    st = log_prob_gradient(s, sarch, err);
    if (st != CLNAS_OK)
        return st;

    s->adam_steps++;
    const double correction1 = 1.0 - pow(ADAM_BETA1, s->adam_steps);
    const double correction2 = 1.0 - pow(ADAM_BETA2, s->adam_steps);
    for (size_t i = 0; i < s->n_params; i++) {
        const double grad = -advantage * s->grad[i]; /* of the loss -(r - b) log P */
        s->adam_m[i] = ADAM_BETA1 * s->adam_m[i] + (1.0 - ADAM_BETA1) * grad;
        s->adam_v[i] = ADAM_BETA2 * s->adam_v[i] + (1.0 - ADAM_BETA2) * grad * grad;
        const double denom = sqrt(s->adam_v[i]) / sqrt(correction2) + ADAM_EPS;
        s->params[i] -= s->lr / correction1 * s->adam_m[i] / denom;
    }
    s->last_reward = reward;
    s->last_baseline = baseline;
    return CLNAS_OK;
}

static int add_number_or_null(cJSON *obj, const char *key, double v)
{
    cJSON *item = isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);
    if (!item || !cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        return 0;
    }
    return 1;
}

/* mode_arch: the genotype of each decision's likeliest option; mode_probability: its probability under the
 * per-decision policy (the decisions it depends on; tiny over many decisions, so not rounded). 0 when out of
 * memory. */
static int per_edge_describe_mode(const reinforce_state *s, cJSON *root)
{
    const clnas_space_iface *space = s->space;
    int *choice = malloc((size_t)space->decisions * sizeof *choice);
    if (!choice)
        return 0;
    for (int d = 0; d < space->decisions; d++) {
        const double *l = s->logits + s->offset[d];
        choice[d] = 0;
        for (int k = 1; k < s->options[d]; k++)
            choice[d] = l[k] > l[choice[d]] ? k : choice[d];
    }
    clnas_space_genotype mode;
    space->from_decisions(choice, &mode);
    space->to_decisions(&mode, choice);
    double log_prob = 0.0;
    for (int d = 0; d < space->decisions; d++)
        if (choice[d] >= 0) {
            double p[MAX_OPTIONS];
            edge_probabilities(s->logits + s->offset[d], s->options[d], p);
            log_prob += log(p[choice[d]]);
        }
    free(choice);
    char text[CLNAS_SPACE_STR_MAX];
    return space->format(&mode, text, sizeof text, NULL) == CLNAS_OK && cJSON_AddStringToObject(root, "mode_arch", text)
           && cJSON_AddNumberToObject(root, "mode_probability", exp(log_prob));
}

/* per_edge on NB201: {"probabilities": [[p(none), p(skip_connect), p(nor_conv_1x1), p(nor_conv_3x3),
 * p(avg_pool_3x3)] per edge in arch-string order], ...}; lstm and per_edge on other spaces: {"mode_arch": the
 * likeliest decisions' genotype, "mode_probability": its probability, ...}; all end with "baseline" and "reward" of
 * the last observation (null before). */
static cJSON *reinforce_describe(const void *state)
{
    const reinforce_state *s = state;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    if (s->chain) {
        clnas_chain_genotype mode;
        double log_prob;
        char text[CLNAS_SPACE_STR_MAX];
        if (clnas_chain_controller_mode(s->chain, &mode, NULL) != CLNAS_OK
            || clnas_chain_controller_log_prob(s->chain, &mode, &log_prob, NULL, NULL) != CLNAS_OK
            || clnas_chain_genotype_format(&mode, text, sizeof text, NULL) != CLNAS_OK
            || !cJSON_AddStringToObject(root, "mode_arch", text)
            || !cJSON_AddNumberToObject(root, "mode_probability", exp(log_prob)))
            goto fail;
    } else if (s->controller == CONTROLLER_LSTM && !s->decision_lstm) {
        clnas_genotype mode;
        double log_prob;
        char text[CLNAS_GENOTYPE_STR_MAX];
        if (clnas_rnn_controller_mode(&s->lstm, &mode, NULL) != CLNAS_OK
            || clnas_rnn_controller_log_prob(&s->lstm, &mode, &log_prob, NULL, NULL) != CLNAS_OK
            || clnas_genotype_format(&mode, text, sizeof text, NULL) != CLNAS_OK
            || !cJSON_AddStringToObject(root, "mode_arch", text)
            || !cJSON_AddNumberToObject(root, "mode_probability", round(exp(log_prob) * 1e6) / 1e6))
            goto fail;
    } else if (s->decision_lstm) {
        clnas_space_genotype mode;
        double log_prob;
        char text[CLNAS_SPACE_STR_MAX];
        int choice[CLNAS_SPACE_DECISIONS_MAX];
        if (clnas_decision_controller_mode(s->decision_lstm, choice, NULL) != CLNAS_OK)
            goto fail;
        s->space->from_decisions(choice, &mode);
        s->space->to_decisions(&mode, choice);
        if (clnas_decision_controller_log_prob(s->decision_lstm, choice, &log_prob, NULL, NULL) != CLNAS_OK
            || s->space->format(&mode, text, sizeof text, NULL) != CLNAS_OK
            || !cJSON_AddStringToObject(root, "mode_arch", text)
            || !cJSON_AddNumberToObject(root, "mode_probability", exp(log_prob)))
            goto fail;
    } else if (s->space != &clnas_space_nb201) {
        if (!per_edge_describe_mode(s, root))
            goto fail;
    } else {
        cJSON *probabilities = cJSON_AddArrayToObject(root, "probabilities");
        if (!probabilities)
            goto fail;
        for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
            double p[CLNAS_NB201_OPS];
            edge_probabilities(s->logits + e * CLNAS_NB201_OPS, CLNAS_NB201_OPS, p);
            for (int k = 0; k < CLNAS_NB201_OPS; k++)
                p[k] = round(p[k] * 1e6) / 1e6; /* six decimals keep journal lines short */
            cJSON *row = cJSON_CreateDoubleArray(p, CLNAS_NB201_OPS);
            if (!row || !cJSON_AddItemToArray(probabilities, row)) {
                cJSON_Delete(row);
                goto fail;
            }
        }
    }
    if (!add_number_or_null(root, "baseline", s->last_baseline) || !add_number_or_null(root, "reward", s->last_reward))
        goto fail;
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

static clnas_status reinforce_set_in_flight(void *state, int max, clnas_error *err)
{
    return clnas_proposal_order_set_in_flight(&((reinforce_state *)state)->order, max, "reinforce", err);
}

const clnas_strategy_iface clnas_strategy_reinforce = {
    .name = "reinforce",
    .create = reinforce_create,
    .budget = reinforce_budget,
    .propose = reinforce_propose,
    .observe = reinforce_observe,
    .set_in_flight = reinforce_set_in_flight,
    .describe = reinforce_describe,
    .destroy = reinforce_destroy,
};
