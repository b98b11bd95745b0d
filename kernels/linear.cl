/* clnas — fully connected layer (the classifier head): forward, input gradient, weight and bias gradients.
 * Defines: N IN OUT ACCUM. x [N][IN], w [OUT][IN], b [OUT], y [N][OUT]. One work-item per output element, each
 * a fixed serial sum (the layer is small: N*IN*OUT is about a million at most), so results are deterministic. */

/* y[n][o] (=/+=) b[o] + sum_i w[o][i] * x[n][i] */
__kernel void linear_fwd(TENSOR_IN(x), TENSOR_IN(w), TENSOR_IN(b), TENSOR_OUT(y))
{
    const int id = get_global_id(0); /* n * OUT + o */
    if (id >= N * OUT)
        return;
    const int n = id / OUT, o = id - n * OUT;
    __global const real *xr = TENSOR_AT(x) + n * IN;
    __global const real *wr = TENSOR_AT(w) + o * IN;
    real s = 0;
    for (int i = 0; i < IN; i++)
        s = fma(wr[i], xr[i], s);
    STORE(ACCUM, TENSOR_AT(y) + id, s + TENSOR_AT(b)[o]);
}

/* dx[n][i] (=/+=) sum_o dy[n][o] * w[o][i] */
__kernel void linear_bwd_data(TENSOR_IN(dy), TENSOR_IN(w), TENSOR_OUT(dx))
{
    const int id = get_global_id(0); /* n * IN + i */
    if (id >= N * IN)
        return;
    const int n = id / IN, i = id - n * IN;
    __global const real *dyr = TENSOR_AT(dy) + n * OUT;
    __global const real *wc = TENSOR_AT(w) + i;
    real s = 0;
    for (int o = 0; o < OUT; o++)
        s = fma(dyr[o], wc[o * IN], s);
    STORE(ACCUM, TENSOR_AT(dx) + id, s);
}

/* dw[o][i] = sum_n dy[n][o] * x[n][i] and db[o] = sum_n dy[n][o], both overwritten. Work-item o * (IN + 1) + i
 * computes dw[o][i] for i < IN and db[o] for i == IN. */
__kernel void linear_bwd_weight(TENSOR_IN(dy), TENSOR_IN(x), TENSOR_OUT(dw), TENSOR_OUT(db))
{
    const int id = get_global_id(0);
    if (id >= OUT * (IN + 1))
        return;
    const int o = id / (IN + 1), i = id - o * (IN + 1);
    __global const real *dyc = TENSOR_AT(dy) + o;
    real s = 0;
    if (i < IN) {
        __global const real *xc = TENSOR_AT(x) + i;
        for (int n = 0; n < N; n++)
            s = fma(dyc[n * OUT], xc[n * IN], s);
        TENSOR_AT(dw)[o * IN + i] = s;
    } else {
        for (int n = 0; n < N; n++)
            s += dyc[n * OUT];
        TENSOR_AT(db)[o] = s;
    }
}
