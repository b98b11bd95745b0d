/* clnas tests — tiny IDX datasets (Fashion-MNIST's file format) written into a scratch directory. */
#include "tiny_idx.h"

#include <stdint.h>
#include <stdio.h>

#include "scratch_dir.h"

static void put_be32(FILE *f, uint32_t v)
{
    fputc((int)(v >> 24) & 255, f);
    fputc((int)(v >> 16) & 255, f);
    fputc((int)(v >> 8) & 255, f);
    fputc((int)v & 255, f);
}

/* Opens dir/<split>-<kind> for writing and writes the IDX header: magic, n, then the image sides (if any). */
static FILE *open_idx(const char *dir, const char *split, const char *kind, uint32_t magic, int n, int side)
{
    char name[96], path[4200];
    snprintf(name, sizeof name, "%s-%s", split, kind);
    FILE *f = fopen(scratch_dir_path(path, sizeof path, dir, name), "wb");
    if (!f)
        return NULL;
    put_be32(f, magic);
    put_be32(f, (uint32_t)n);
    if (side > 0) {
        put_be32(f, (uint32_t)side);
        put_be32(f, (uint32_t)side);
    }
    return f;
}

int tiny_idx_write(const char *dir, const char *split, int n, int side, tiny_idx_pixel_fn pixel, void *ctx)
{
    FILE *f = open_idx(dir, split, "images-idx3-ubyte", 0x803, n, side);
    if (!f)
        return -1;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < side * side; k++)
            fputc(pixel(i, k, ctx) & 255, f);
    if (fclose(f) != 0)
        return -1;
    f = open_idx(dir, split, "labels-idx1-ubyte", 0x801, n, 0);
    if (!f)
        return -1;
    for (int i = 0; i < n; i++)
        fputc(i % 10, f);
    return fclose(f) != 0 ? -1 : 0;
}
