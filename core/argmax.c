/* clnas — the index of the largest value. */
#include "argmax.h"

int clnas_argmax(const double *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}
