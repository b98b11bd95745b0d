/* clnas tool — drawing an NB201 cell in SVG (the picture cell.dot describes, without Graphviz). */
#include "report_cell.h"

#define NODE_Y 78
#define NODE_R 13
#define RISE 60 /* how far the control points of an arc stand off; its apex is 3/4 of that from the node */

static double node_x(int n)
{
    return 36 + n * 106.0;
}

const char *report_op_colour(int op)
{
    switch (op) {
    case CLNAS_OP_SKIP_CONNECT: return "#555555";
    case CLNAS_OP_NOR_CONV_1X1: return "#2ca02c";
    case CLNAS_OP_NOR_CONV_3X3: return "#1f77b4";
    case CLNAS_OP_AVG_POOL_3X3: return "#ff7f0e";
    default: return "#c49bd8"; /* none */
    }
}

static void op_style(int op, const char **name, const char **colour)
{
    static const char *const names[] = {"none", "skip", "conv 1x1", "conv 3x3", "avg pool"};
    *name = op >= 0 && op < CLNAS_NB201_OPS ? names[op] : "?";
    *colour = report_op_colour(op);
}

/* Edge from -> to: a straight arrow between neighbours, labelled above it; a jump of two an arc from the top of
 * one node to the top of the other, 0 -> 3 one below from bottom to bottom, each labelled at its apex. Arcs leave
 * and enter the nodes vertically, so no two arrowheads meet at one point. */
static void edge(FILE *f, int from, int to, int op, int live)
{
    const char *name, *colour;
    op_style(op, &name, &colour);
    if (!live)
        colour = "#bbbbbb";
    double x0 = node_x(from), x1 = node_x(to), lx = (x0 + x1) / 2, ly;
    fprintf(f, "<path d=\"");
    if (to - from == 1) {
        fprintf(f, "M%.1f,%d L%.1f,%d", x0 + NODE_R, NODE_Y, x1 - NODE_R, NODE_Y);
        ly = NODE_Y - 6;
    } else {
        int side = to - from == 2 ? -1 : 1, y = NODE_Y + side * NODE_R, cy = y + side * RISE;
        fprintf(f, "M%.1f,%d C%.1f,%d %.1f,%d %.1f,%d", x0, y, x0, cy, x1, cy, x1, y);
        ly = y + side * RISE * 0.75 + (side < 0 ? -4 : 13);
    }
    fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s marker-end=\"url(#arrow-%s)\"/>\n", colour,
            live ? "" : " stroke-dasharray=\"4 3\"", live ? "live" : "dead");
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" fill=\"%s\" stroke=\"white\" "
               "stroke-width=\"3\" paint-order=\"stroke\">%s</text>\n",
            lx, ly, colour, name);
}

void report_cell_svg(FILE *f, const clnas_genotype *g)
{
    int zero[CLNAS_NB201_NODES], live[CLNAS_NB201_EDGES];
    clnas_genotype_analyse(g, zero, live);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"12\" class=\"cell\">\n",
            REPORT_CELL_W, REPORT_CELL_H, REPORT_CELL_W, REPORT_CELL_H);
    /* marker ids repeat across the page's cells; each copy is identical, so whichever a browser picks is right */
    fprintf(f, "<defs><marker id=\"arrow-live\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" "
               "markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker>"
               "<marker id=\"arrow-dead\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" "
               "markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#bbb\"/></marker></defs>\n");
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        if (g->ops[e] != CLNAS_OP_NONE)
            edge(f, clnas_nb201_edge_from[e], clnas_nb201_edge_to[e], g->ops[e], live[e]);
    for (int n = 0; n < CLNAS_NB201_NODES; n++)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%d\" r=\"%d\" fill=\"%s\" stroke=\"#333\"%s/>"
                   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n",
                node_x(n), NODE_Y, NODE_R, n == 0 ? "#e8f0fa" : n == 3 ? "#fde9d9" : "white",
                zero[n] ? " stroke-dasharray=\"3 2\"" : "", node_x(n), NODE_Y + 4, n);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" font-size=\"10\" fill=\"#666\">in</text>"
               "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#666\">out</text>\n</svg>\n",
            node_x(0) - NODE_R - 3, NODE_Y + 4, node_x(3) + NODE_R + 3, NODE_Y + 4);
}
