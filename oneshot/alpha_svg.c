/* clnas — the alpha heat map: softmax(alpha) per edge as coloured cells with their numbers, plain SVG. */
#include "alpha.h"
#include "file_io.h"
#include "svg_text.h"

#include <stdio.h>
#include <string.h>

#define CELL_W 110
#define CELL_H 34
#define MARGIN_L 80
#define MARGIN_R 20
#define MARGIN_T 70
#define MARGIN_B 40

/* White at 0 to the plot's blue (#1f77b4) at 1. */
static void colour(double v, char out[8])
{
    const int blue[3] = {0x1f, 0x77, 0xb4};
    int rgb[3];
    for (int i = 0; i < 3; i++)
        rgb[i] = (int)(255.0 + (blue[i] - 255.0) * (v < 0 ? 0 : v > 1 ? 1 : v) + 0.5);
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

static void op_label(const clnas_alpha *p, int k, char *buf, size_t cap)
{
    if (p->ops == CLNAS_NB201_OPS)
        snprintf(buf, cap, "%s", clnas_nb201_op_name((clnas_nb201_op)k));
    else
        snprintf(buf, cap, "op %d", k);
}

static void edge_label(const clnas_alpha *p, int e, char *buf, size_t cap)
{
    if (p->edges == CLNAS_NB201_EDGES)
        snprintf(buf, cap, "%d-&gt;%d", clnas_nb201_edge_from[e], clnas_nb201_edge_to[e]);
    else
        snprintf(buf, cap, "edge %d", e);
}

typedef struct heat_map {
    const clnas_alpha *p;
    const double *probs;
    int epoch;
    const char *title;
} heat_map;

static int write_heat_map(FILE *f, void *ctx)
{
    const heat_map *h = ctx;
    const clnas_alpha *p = h->p;
    const double *probs = h->probs;
    const int epoch = h->epoch;
    const char *title = h->title;
    const int width = MARGIN_L + p->ops * CELL_W + MARGIN_R, height = MARGIN_T + p->edges * CELL_H + MARGIN_B;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            width, height);
    fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"14\">", MARGIN_L);
    clnas_svg_put_escaped(f, title);
    fprintf(f, "%sepoch %d: softmax(alpha) per edge</text>\n", title && *title ? ", " : "", epoch);
    char label[64];
    for (int k = 0; k < p->ops; k++) {
        op_label(p, k, label, sizeof label);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", MARGIN_L + k * CELL_W + CELL_W / 2,
                MARGIN_T - 10, label);
    }
    for (int e = 0; e < p->edges; e++) {
        const int y = MARGIN_T + e * CELL_H;
        edge_label(p, e, label, sizeof label);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", MARGIN_L - 8, y + CELL_H / 2 + 4, label);
        for (int k = 0; k < p->ops; k++) {
            const double v = probs[e * p->ops + k];
            char fill[8];
            colour(v, fill);
            const int x = MARGIN_L + k * CELL_W;
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#888\"/>"
                       "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%.3f</text>\n",
                    x, y, CELL_W, CELL_H, fill, x + CELL_W / 2, y + CELL_H / 2 + 4, v > 0.6 ? "white" : "black", v);
        }
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#555\">rows: edges (from-&gt;to node); colour: probability, white 0 "
               "to blue 1</text>\n</svg>\n",
            MARGIN_L, height - 14);
    return ferror(f);
}

clnas_status clnas_alpha_svg_write(const clnas_alpha *p, const char *path, int epoch, const char *title,
                                   clnas_error *err)
{
    if (!path)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "alpha heat map: path must not be NULL");
    double probs[CLNAS_ARCH_MAX_EDGES * CLNAS_ARCH_MAX_OPS];
    clnas_status st = clnas_alpha_softmax(p, probs, err);
    if (st != CLNAS_OK)
        return st;
    heat_map h = {p, probs, epoch, title};
    return clnas_file_write_atomic(path, write_heat_map, &h, err);
}
