/* clnas — a DARTS genotype as categorical decisions: per cell and node, the pair of inputs and the op of each. */
#include "darts_decisions.h"

#include <stdio.h>
#include <string.h>

#define NON_NONE_OPS (CLNAS_DARTS_OPS - 1)
#define PER_CELL (CLNAS_DARTS_NODES * 3)

int clnas_darts_decision_options(int i)
{
    const int k = (i % PER_CELL) / 3;
    return i % 3 == 0 ? (k + 2) * (k + 1) / 2 : NON_NONE_OPS;
}

void clnas_darts_decision_name(int i, char *buf, size_t cap)
{
    static const char *const kinds[3] = {"inputs", "op_low", "op_high"};
    snprintf(buf, cap, "%s.node%d.%s", i < PER_CELL ? "normal" : "reduce", 2 + (i % PER_CELL) / 3, kinds[i % 3]);
}

static int op_choice(uint8_t op, int *exact)
{
    if (op == CLNAS_DARTS_NONE || op >= CLNAS_DARTS_OPS) {
        *exact = 0;
        return 0; /* max_pool_3x3 */
    }
    return op - 1;
}

static int cell_to(const clnas_darts_cell *c, int *choice)
{
    int exact = 1;
    for (int k = 0; k < CLNAS_DARTS_NODES; k++) {
        const int states = 2 + k;
        int a = c->input[2 * k] < states ? c->input[2 * k] : 0;
        int b = c->input[2 * k + 1] < states ? c->input[2 * k + 1] : 0;
        int op_a = op_choice(c->op[2 * k], &exact), op_b = op_choice(c->op[2 * k + 1], &exact);
        exact &= a == c->input[2 * k] && b == c->input[2 * k + 1];
        if (a == b) { /* no such pair: the nearest other state */
            exact = 0;
            b = a + 1 < states ? a + 1 : a - 1;
        }
        if (a > b) {
            exact = 0;
            const int t = a, top = op_a;
            a = b, op_a = op_b;
            b = t, op_b = top;
        }
        choice[3 * k] = b * (b - 1) / 2 + a;
        choice[3 * k + 1] = op_a;
        choice[3 * k + 2] = op_b;
    }
    exact &= c->nconcat == CLNAS_DARTS_NODES;
    for (int s = 0; exact && s < CLNAS_DARTS_NODES; s++)
        exact &= c->concat[s] == 2 + s;
    return exact;
}

int clnas_darts_to_decisions(const clnas_darts_genotype *g, int *choice)
{
    const int normal = cell_to(&g->normal, choice);
    return cell_to(&g->reduce, choice + PER_CELL) && normal;
}

static void cell_from(const int *choice, clnas_darts_cell *c)
{
    memset(c, 0, sizeof *c);
    for (int k = 0; k < CLNAS_DARTS_NODES; k++) {
        int b = 1;
        while ((b + 1) * b / 2 <= choice[3 * k]) /* the pair b(b-1)/2 + a, a < b */
            b++;
        c->input[2 * k] = (uint8_t)(choice[3 * k] - b * (b - 1) / 2);
        c->input[2 * k + 1] = (uint8_t)b;
        c->op[2 * k] = (uint8_t)(1 + choice[3 * k + 1]);
        c->op[2 * k + 1] = (uint8_t)(1 + choice[3 * k + 2]);
    }
    for (int s = 0; s < CLNAS_DARTS_NODES; s++)
        c->concat[s] = (uint8_t)(2 + s);
    c->nconcat = CLNAS_DARTS_NODES;
}

void clnas_darts_from_decisions(const int *choice, clnas_darts_genotype *out)
{
    cell_from(choice, &out->normal);
    cell_from(choice + PER_CELL, &out->reduce);
}
