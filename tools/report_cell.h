/* clnas tool — an NB201 cell drawn as inline SVG for `clnas report`: nodes 0 to 3, an arrow per edge op. */
#ifndef CLNAS_REPORT_CELL_H
#define CLNAS_REPORT_CELL_H

#include <stdio.h>

#include "clnas/space.h"

#define REPORT_CELL_W 400
#define REPORT_CELL_H 156

/* The cell as an <svg> element: node 0 (input) to node 3 (output) left to right, each edge an arrow coloured and
 * labelled by its op (none: not drawn); an edge that cannot reach the output dashed and grey. */
void report_cell_svg(FILE *f, const clnas_genotype *g);
/* The colour of an edge op, the same in the cells and in the alpha plots. */
const char *report_op_colour(int op);

#endif
