/* clnas — the alpha heat map: softmax(alpha) per edge as coloured cells with their numbers, plain SVG. */
#include "alpha.h"
#include "build_darts_search.h"
#include "chain_paths.h"
#include "clnas/darts_genotype.h"
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
    else if (p->ops == CLNAS_DARTS_OPS)
        snprintf(buf, cap, "%s", clnas_darts_op_name((clnas_darts_op)k));
    else if (p->ops == CLNAS_CHAIN_PATH_OPS)
        snprintf(buf, cap, "%s", clnas_chain_path_op_name(k));
    else
        snprintf(buf, cap, "op %d", k);
}

/* NB201's 6 edges x 5 ops (a 6-layer chain skeleton has 6 rows too, of 9 ops). */
static int nb201_rows(const clnas_alpha *p)
{
    return p->edges == CLNAS_NB201_EDGES && p->ops == CLNAS_NB201_OPS;
}

static void edge_label(const clnas_alpha *p, int e, char *buf, size_t cap)
{
    if (nb201_rows(p))
        snprintf(buf, cap, "%d-&gt;%d", clnas_nb201_edge_from[e], clnas_nb201_edge_to[e]);
    else if (p->edges == 2 * CLNAS_DARTS_SEARCH_EDGES)
        snprintf(buf, cap, "%s %d", e < CLNAS_DARTS_SEARCH_EDGES ? "normal" : "reduce", e % CLNAS_DARTS_SEARCH_EDGES);
    else if (p->ops == CLNAS_CHAIN_PATH_OPS)
        snprintf(buf, cap, "layer %d", e + 1);
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
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            width, height, width, height);
    char head[512];
    snprintf(head, sizeof head, "%s%sepoch %d: softmax(alpha) per %s", title ? title : "",
             title && *title ? ", " : "", epoch, p->ops == CLNAS_CHAIN_PATH_OPS ? "layer" : "edge");
    clnas_svg_put_text_fit(f, 8, 22, 14, width - 16, "", head);
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
            const int x = MARGIN_L + k * CELL_W;
            if (!clnas_alpha_holds(p, e, k)) { /* an op the row does not hold */
                fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#ddd\" stroke=\"#888\"/>"
                           "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#888\">-</text>\n",
                        x, y, CELL_W, CELL_H, x + CELL_W / 2, y + CELL_H / 2 + 4);
                continue;
            }
            char fill[8];
            colour(v, fill);
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#888\"/>"
                       "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%.3f</text>\n",
                    x, y, CELL_W, CELL_H, fill, x + CELL_W / 2, y + CELL_H / 2 + 4, v > 0.6 ? "white" : "black", v);
        }
    }
    clnas_svg_put_text_fit(f, 8, height - 14, 12, width - 16, " fill=\"#555\"",
                           p->ops == CLNAS_CHAIN_PATH_OPS
                               ? "rows: the skeleton's layers; colour: probability, white 0 to blue 1; grey: an op "
                                 "the layer cannot hold"
                               : "rows: edges (from->to node); colour: probability, white 0 to blue 1");
    fputs("</svg>\n", f);
    return ferror(f);
}

/* edge,op,alpha,probability: one row per edge and op. */
static int write_csv(FILE *f, void *ctx)
{
    const heat_map *h = ctx;
    fprintf(f, "epoch,edge,op,alpha,probability\n");
    char edge[32], op[64];
    for (int e = 0; e < h->p->edges; e++)
        for (int k = 0; k < h->p->ops; k++) {
            if (nb201_rows(h->p))
                snprintf(edge, sizeof edge, "%d-%d", clnas_nb201_edge_from[e], clnas_nb201_edge_to[e]);
            else
                snprintf(edge, sizeof edge, "%d", e);
            op_label(h->p, k, op, sizeof op);
            fprintf(f, "%d,%s,%s,%.9g,%.9g\n", h->epoch, edge, op, h->p->alpha[e][k], h->probs[e * h->p->ops + k]);
        }
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
    st = clnas_file_write_atomic(path, write_heat_map, &h, err);
    if (st != CLNAS_OK)
        return st;
    /* the numbers beside the picture: <path without .svg>.csv */
    char csv[1100];
    size_t n = strlen(path);
    if (n >= 4 && strcmp(path + n - 4, ".svg") == 0)
        n -= 4;
    if (n + 5 > sizeof csv)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "alpha heat map: path too long: %s", path);
    memcpy(csv, path, n);
    memcpy(csv + n, ".csv", 5);
    return clnas_file_write_atomic(csv, write_csv, &h, err);
}
