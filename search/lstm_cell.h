/* clnas — one step of an LSTM layer, forward and backpropagation, shared by the LSTM controllers. */
#ifndef CLNAS_LSTM_CELL_H
#define CLNAS_LSTM_CELL_H

/* The vectors of one step (H values each), kept for the backward pass: the input x and the state before (h_prev,
 * c_prev), set by the caller; the gates i, f, g (the candidate), o, and the state after (c, h), set by the step. */
typedef struct clnas_lstm_step {
    double *x, *h_prev, *c_prev, *gi, *gf, *gg, *go, *c, *h;
} clnas_lstm_step;

#define CLNAS_LSTM_STEP_VECTORS 9

/* Points the step's vectors at buffer, which holds CLNAS_LSTM_STEP_VECTORS * hidden doubles. */
void clnas_lstm_step_bind(clnas_lstm_step *s, double *buffer, int hidden);

/* The step's gates and new state from x, h_prev and c_prev. w is [4H x 2H] (rows: gates i, f, g, o, H each;
 * columns: the input, then h_prev), b [4H]; the input has H values too:
 *   [i f g o] = [sigmoid sigmoid tanh sigmoid](w [x; h_prev] + b), c = f c_prev + i g, h = o tanh(c). */
void clnas_lstm_forward(const double *w, const double *b, int hidden, clnas_lstm_step *s);

/* Backpropagation through the step: dh is d loss / d h (all of it: the step's own uses and the next step's
 * h_prev); dc holds d loss / d c from the next step on entry and d loss / d c_prev on return. Adds to gw and gb
 * (shaped as w and b), writes dx and dh_prev (H each); dz is scratch of 4H. */
void clnas_lstm_backward(const double *w, int hidden, const clnas_lstm_step *s, const double *dh, double *dc,
                         double *gw, double *gb, double *dx, double *dh_prev, double *dz);

#endif
