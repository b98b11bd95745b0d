/* clnas — Zoph & Le's anchor-point attention, shared by the LSTM controllers: whether step i connects to an earlier
 * step j, P = sigmoid(v . tanh(W_prev a_j + W_curr a_i)), a_j and a_i the anchor steps' hidden states. */
#ifndef CLNAS_ANCHOR_ATTENTION_H
#define CLNAS_ANCHOR_ATTENTION_H

/* The weights of the attention: v [H], W_prev and W_curr [H x H], row-major. */
typedef struct clnas_anchor_weights {
    const double *v, *w_prev, *w_curr;
} clnas_anchor_weights;

/* Where their gradients go (shaped as the weights). */
typedef struct clnas_anchor_grads {
    double *v, *w_prev, *w_curr;
} clnas_anchor_grads;

/* The probability that i connects to j; u (H) receives tanh(W_prev a_j + W_curr a_i) for the backward pass. */
double clnas_anchor_probability(int hidden, const clnas_anchor_weights *w, const double *aj, const double *ai,
                                double *u);

/* Backpropagation of a Bernoulli's log-probability through the attention: ds = d log P(decision) / d score (the
 * decision minus its probability). Adds to g and to the anchors' hidden-state gradients dh_j, dh_i; da is scratch of
 * H values. */
void clnas_anchor_backward(int hidden, const clnas_anchor_weights *w, double ds, const double *u, const double *aj,
                           const double *ai, clnas_anchor_grads *g, double *dh_j, double *dh_i, double *da);

#endif
