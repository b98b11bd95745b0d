/* clnas tests — tiny IDX datasets (Fashion-MNIST's file format) written into a scratch directory. */
#ifndef CLNAS_TINY_IDX_H
#define CLNAS_TINY_IDX_H

/* Pixel k (row-major) of image i. */
typedef int (*tiny_idx_pixel_fn)(int i, int k, void *ctx);

/* Writes dir/<split>-images-idx3-ubyte (n one-channel side x side images, pixels from pixel(i, k, ctx)) and
 * dir/<split>-labels-idx1-ubyte (label i % 10); split is "train" or "t10k". Returns 0, or -1 when a file cannot be
 * written. */
int tiny_idx_write(const char *dir, const char *split, int n, int side, tiny_idx_pixel_fn pixel, void *ctx);

#endif
