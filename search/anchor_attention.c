/* clnas — the anchor-point attention of the LSTM controllers, forward and backward. */
#include "anchor_attention.h"

#include <math.h>
#include <stddef.h>

static double sigmoid(double z)
{
    return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

double clnas_anchor_probability(int hidden, const clnas_anchor_weights *w, const double *aj, const double *ai,
                                double *u)
{
    const int H = hidden;
    double score = 0.0;
    for (int k = 0; k < H; k++) {
        double a = 0.0;
        for (int m = 0; m < H; m++)
            a += w->w_prev[(size_t)k * H + m] * aj[m] + w->w_curr[(size_t)k * H + m] * ai[m];
        u[k] = tanh(a);
        score += w->v[k] * u[k];
    }
    return sigmoid(score);
}

void clnas_anchor_backward(int hidden, const clnas_anchor_weights *w, double ds, const double *u, const double *aj,
                           const double *ai, clnas_anchor_grads *g, double *dh_j, double *dh_i, double *da)
{
    const int H = hidden;
    for (int k = 0; k < H; k++) {
        g->v[k] += ds * u[k];
        da[k] = ds * w->v[k] * (1.0 - u[k] * u[k]);
    }
    for (int k = 0; k < H; k++) {
        for (int m = 0; m < H; m++) {
            g->w_prev[(size_t)k * H + m] += da[k] * aj[m];
            g->w_curr[(size_t)k * H + m] += da[k] * ai[m];
            dh_j[m] += da[k] * w->w_prev[(size_t)k * H + m];
            dh_i[m] += da[k] * w->w_curr[(size_t)k * H + m];
        }
    }
}
