/* clnas — channel concatenation (NCHW): NIN inputs [BATCH][C<k>][HW] into y [BATCH][CT][HW] in order, and its
 * backward, one channel slice of dy copied out. Defines (forward): BATCH, HW, NIN (1..8), C0..C<NIN-1>, CT, ACCUM,
 * LOCAL, INPLACE and CC (optional: bit k set when input k is a slice of y its producers wrote; CC the channels of the
 * others); (slice): BATCH, HW, CT (channels of dy), CS (of dx), OFFSET (dx's first channel in dy), ACCUM, LOCAL.
 * One work-item per element written. A program holds the entry its defines name (NIN: the forward, CS: the slice). */

#ifdef NIN
#ifndef INPLACE
#define INPLACE 0
#endif
#ifndef CC
#define CC CT
#endif
#define CONCAT_SLOT(k) , TENSOR_IN(x##k)
/* An input in place (bit k of INPLACE) already lies in y, its producers wrote it there: the work-items cover the CC
 * channels of the other inputs only. c counts those channels from input k's first; input k holds copied channel c
 * when 0 <= c < C<k>, which is channel base + c of y. */
#define CONCAT_TAKE(k)                                                                                                \
    if (!(INPLACE >> k & 1)) {                                                                                        \
        if (c >= 0 && c < C##k) {                                                                                     \
            v = TENSOR_AT(x##k)[(b * C##k + c) * HW + s];                                                             \
            oc = base + c;                                                                                            \
        }                                                                                                             \
        c -= C##k;                                                                                                    \
    }                                                                                                                 \
    base += C##k;

__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void concat_fwd(TENSOR_IN(x0)
#if NIN > 1
                CONCAT_SLOT(1)
#endif
#if NIN > 2
                CONCAT_SLOT(2)
#endif
#if NIN > 3
                CONCAT_SLOT(3)
#endif
#if NIN > 4
                CONCAT_SLOT(4)
#endif
#if NIN > 5
                CONCAT_SLOT(5)
#endif
#if NIN > 6
                CONCAT_SLOT(6)
#endif
#if NIN > 7
                CONCAT_SLOT(7)
#endif
                , TENSOR_OUT(y))
{
    const int i = get_global_id(0);
    if (i < BATCH * CC * HW) {
        const int s = i % HW, b = i / (CC * HW);
        int c = (i / HW) % CC, base = 0, oc = 0;
        real v = 0;
        CONCAT_TAKE(0)
#if NIN > 1
        CONCAT_TAKE(1)
#endif
#if NIN > 2
        CONCAT_TAKE(2)
#endif
#if NIN > 3
        CONCAT_TAKE(3)
#endif
#if NIN > 4
        CONCAT_TAKE(4)
#endif
#if NIN > 5
        CONCAT_TAKE(5)
#endif
#if NIN > 6
        CONCAT_TAKE(6)
#endif
#if NIN > 7
        CONCAT_TAKE(7)
#endif
        STORE(ACCUM, TENSOR_AT(y) + (b * CT + oc) * HW + s, v);
    }
}

#endif

#ifdef CS
/* dx[b][c][s] = dy[b][OFFSET + c][s]: one input's gradient. */
__kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1)))
void concat_slice(TENSOR_IN(dy), TENSOR_OUT(dx))
{
    const int i = get_global_id(0);
    if (i < BATCH * CS * HW) {
        const int s = i % HW, c = (i / HW) % CS, b = i / (CS * HW);
        STORE(ACCUM, TENSOR_AT(dx) + i, TENSOR_AT(dy)[(b * CT + OFFSET + c) * HW + s]);
    }
}
#endif
