/* clnas tool — drawing an NB201 cell in SVG (the picture cell.dot describes, without Graphviz). */
#include "report_cell.h"

#define NODE_Y 68
#define NODE_R 13

static double node_x(int n)
{
    return 30 + n * 106.0;
}

static void op_style(int op, const char **name, const char **colour)
{
    switch (op) {
    case CLNAS_OP_SKIP_CONNECT: *name = "skip", *colour = "#555555"; break;
    case CLNAS_OP_NOR_CONV_1X1: *name = "conv 1x1", *colour = "#2ca02c"; break;
    case CLNAS_OP_NOR_CONV_3X3: *name = "conv 3x3", *colour = "#1f77b4"; break;
    case CLNAS_OP_AVG_POOL_3X3: *name = "avg pool", *colour = "#ff7f0e"; break;
    default: *name = "none", *colour = "#bbbbbb"; break;
    }
}

/* Edge from -> to: a straight arrow between neighbours, an arc above for a jump of two, below for 0 -> 3. The
 * label sits at the curve's middle. */
static void edge(FILE *f, int from, int to, int op, int live)
{
    const char *name, *colour;
    op_style(op, &name, &colour);
    if (!live)
        colour = "#bbbbbb";
    double x0 = node_x(from) + NODE_R, x1 = node_x(to) - NODE_R, cy = NODE_Y, ly = NODE_Y - 6;
    if (to - from == 2)
        cy = NODE_Y - 86, ly = (2 * NODE_Y + 2 * cy) / 4 - 4;
    else if (to - from == 3)
        cy = NODE_Y + 80, ly = (2 * NODE_Y + 2 * cy) / 4 + 14;
    double lx = (x0 + x1) / 2;
    fprintf(f, "<path d=\"M%.1f,%d Q%.1f,%.1f %.1f,%d\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
               "marker-end=\"url(#arrow-%s)\"/>\n",
            x0, NODE_Y, lx, cy, x1, NODE_Y, colour, live ? "" : " stroke-dasharray=\"4 3\"", live ? "live" : "dead");
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
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" fill=\"#666\">in</text>"
               "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" fill=\"#666\">out</text>\n</svg>\n",
            node_x(0), NODE_Y + NODE_R + 12, node_x(3), NODE_Y + NODE_R + 12);
}
