/* clnas — the index of the largest value (predicted class, strongest op). */
#ifndef CLNAS_ARGMAX_H
#define CLNAS_ARGMAX_H

/* The first index of the largest of v[0..n-1] (ties go to the lowest index, as torch.argmax); 0 when n < 1. */
int clnas_argmax(const double *v, int n);

#endif
