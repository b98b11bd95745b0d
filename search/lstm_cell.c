/* clnas — one step of an LSTM layer, forward and backpropagation. */
#include "lstm_cell.h"

#include <math.h>
#include <string.h>

static double sigmoid(double z)
{
    return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

void clnas_lstm_step_bind(clnas_lstm_step *s, double *buffer, int hidden)
{
    double **fields[CLNAS_LSTM_STEP_VECTORS] = {&s->x, &s->gi, &s->gf, &s->gg, &s->go, &s->c, &s->h, &s->h_prev,
                                                &s->c_prev};
    for (int f = 0; f < CLNAS_LSTM_STEP_VECTORS; f++)
        *fields[f] = buffer + (size_t)f * hidden;
}

void clnas_lstm_forward(const double *w, const double *b, int hidden, clnas_lstm_step *s)
{
    const int H = hidden;
    double *gates[4] = {s->gi, s->gf, s->gg, s->go};
    for (int g = 0; g < 4; g++) {
        for (int k = 0; k < H; k++) {
            const double *row = w + (size_t)(g * H + k) * 2 * H;
            double z = b[g * H + k];
            for (int m = 0; m < H; m++)
                z += row[m] * s->x[m] + row[H + m] * s->h_prev[m];
            gates[g][k] = g == 2 ? tanh(z) : sigmoid(z);
        }
    }
    for (int k = 0; k < H; k++) {
        s->c[k] = s->gf[k] * s->c_prev[k] + s->gi[k] * s->gg[k];
        s->h[k] = s->go[k] * tanh(s->c[k]);
    }
}

void clnas_lstm_backward(const double *w, int hidden, const clnas_lstm_step *s, const double *dh, double *dc,
                         double *gw, double *gb, double *dx, double *dh_prev, double *dz)
{
    const int H = hidden;
    for (int k = 0; k < H; k++) {
        const double dhk = dh[k];
        const double tc = tanh(s->c[k]);
        const double dck = dc[k] + dhk * s->go[k] * (1.0 - tc * tc);
        dz[k] = dck * s->gg[k] * s->gi[k] * (1.0 - s->gi[k]);         /* input gate */
        dz[H + k] = dck * s->c_prev[k] * s->gf[k] * (1.0 - s->gf[k]); /* forget gate */
        dz[2 * H + k] = dck * s->gi[k] * (1.0 - s->gg[k] * s->gg[k]); /* candidate */
        dz[3 * H + k] = dhk * tc * s->go[k] * (1.0 - s->go[k]);       /* output gate */
        dc[k] = dck * s->gf[k];                                        /* to the step before */
    }
    memset(dx, 0, (size_t)H * sizeof *dx);
    memset(dh_prev, 0, (size_t)H * sizeof *dh_prev);
    for (int r = 0; r < 4 * H; r++) {
        const double *row = w + (size_t)r * 2 * H;
        double *grow = gw + (size_t)r * 2 * H;
        gb[r] += dz[r];
        for (int m = 0; m < H; m++) {
            grow[m] += dz[r] * s->x[m];
            grow[H + m] += dz[r] * s->h_prev[m];
            dx[m] += dz[r] * row[m];
            dh_prev[m] += dz[r] * row[H + m];
        }
    }
}
