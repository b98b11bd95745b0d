/* clnas — every NB201 op's forward and backward time per stage: one network with one cell per stage whose cell
 * holds every op that does work, its training launches timed one by one and summed by edge op and stage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_device.h"
#include "clnas/model.h"
#include "model_build.h"
#include "executor.h"
#include "plan.h"

/* Node 1 = conv3x3(x0); node 2 = conv1x1(x0) + pool(n1); node 3 = x0 + conv3x3(n1) + conv1x1(n2): two 3x3 and
 * two 1x1 convs (from the cell input and from inner nodes), a pool and a skip per stage. */
#define OPS_CELL "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"

/* Rows: per stage skip, 1x1, 3x3, pool (0..11), then per reduction block conv_a, conv_b, shortcut (12..17). */
#define OP_ROWS 18
_Static_assert(OP_ROWS <= CLNAS_BENCH_MAX_OPS, "the caller's array holds CLNAS_BENCH_MAX_OPS rows");

enum { CONV_FWD, CONV_BWD_DATA, CONV_BWD_FILTER, CONV_KINDS };
static const char *const conv_entry[CONV_KINDS] = {"conv2d_fwd", "conv2d_bwd_data", "conv2d_bwd_filter"};

typedef struct op_row {
    clnas_bench_op_result r;
    int ksize, stride;                /* the op's convolution (0: none) */
    int pool;                         /* adds per output of its pool (9 for 3x3, 4 for the shortcut's 2x2), 0: none */
    int used[CONV_KINDS][3];          /* launches of each conv kind that ran the kernel [0], CLBlast [1], Winograd [2] */
    const char *variant[CONV_KINDS];  /* the tuner's variant of the kernel launches of each conv kind (NULL: none) */
    int mixed[CONV_KINDS];            /* its launches ran different variants */
} op_row;

static void row_init(op_row *row, const char *op, int stage, int ci, int co, int h, int w, int ksize, int stride,
                     int pool)
{
    memset(row, 0, sizeof *row);
    snprintf(row->r.op, sizeof row->r.op, "%s", op);
    if (strncmp(op, "conv_", 5) == 0 || strcmp(op, "shortcut") == 0)
        snprintf(row->r.name, sizeof row->r.name, "reduction %d %s", stage - 1, op);
    else
        snprintf(row->r.name, sizeof row->r.name, "%s stage %d", op, stage);
    row->r.stage = stage;
    row->r.in_channels = ci, row->r.out_channels = co, row->r.height = h, row->r.width = w;
    row->ksize = ksize, row->stride = stride, row->pool = pool;
}

/* Multiply-adds x 2 of one launch of `kind` for this row's op at batch b (0 for launches without arithmetic
 * worth counting: BatchNorm, copies). */
static double launch_flop(const op_row *row, clnas_node_kind kind, int batch)
{
    const clnas_bench_op_result *r = &row->r;
    int ho = r->height / row->stride, wo = r->width / row->stride;
    if (row->pool && (kind == CLNAS_NODE_AVGPOOL3 || kind == CLNAS_NODE_AVGPOOL3_BWD || kind == CLNAS_NODE_AVGPOOL2 ||
                      kind == CLNAS_NODE_AVGPOOL2_BWD)) {
        int pooled = row->pool == 4 ? 2 : 1; /* the shortcut pools to the output size */
        return (double)batch * r->in_channels * (r->height / pooled) * (r->width / pooled) * row->pool;
    }
    if (row->ksize && (kind == CLNAS_NODE_CONV || kind == CLNAS_NODE_CONV_BWD_DATA || kind == CLNAS_NODE_CONV_BWD_FILTER))
        return 2.0 * batch * r->out_channels * r->in_channels * row->ksize * row->ksize * ho * wo;
    return 0.0;
}

/* The row of a launch label ("cells.K.edges.J_I.conv:backward_data", "cells.K.conv_a.bn", ...), or -1. */
static int row_of(const char *label, const clnas_genotype *g, const int *row_index_base)
{
    int k = 0, j = 0, i = 0, used = 0, edge = -1;
    if (sscanf(label, "cells.%d.edges.%d_%d%n", &k, &j, &i, &used) == 3 && (label[used] == '.' || label[used] == ':' ||
                                                                            !label[used])) {
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            if (clnas_nb201_edge_from[e] == i && clnas_nb201_edge_to[e] == j)
                edge = e;
        if (edge < 0 || k % 2)
            return -1;
        int op = g->ops[edge]; /* rows 0..3 of a stage: skip, 1x1, 3x3, pool (enum order minus none) */
        return op == CLNAS_OP_NONE ? -1 : row_index_base[k / 2] + op - 1;
    }
    if (sscanf(label, "cells.%d.%n", &k, &used) == 1 && used > 0 && k % 2 == 1) {
        const char *part = label + used;
        int base = 12 + 3 * (k / 2);
        if (strncmp(part, "conv_a.", 7) == 0)
            return base;
        if (strncmp(part, "conv_b.", 7) == 0)
            return base + 1;
        if (strncmp(part, "shortcut.", 9) == 0)
            return base + 2;
    }
    return -1;
}

static void algo_text(const op_row *row, char *out, size_t cap)
{
    static const char *const algo[3] = {"kernel", "clblast", "winograd"};
    int kinds = 0, any[3] = {0, 0, 0};
    for (int c = 0; c < CONV_KINDS; c++) {
        kinds += row->used[c][0] || row->used[c][1] || row->used[c][2];
        for (int a = 0; a < 3; a++)
            any[a] |= row->used[c][a] > 0;
    }
    if (!kinds || any[0] + any[1] + any[2] == 1) {
        snprintf(out, cap, "%s", any[1] ? algo[1] : any[2] ? algo[2] : algo[0]);
        return;
    }
    out[0] = '\0';
    for (int c = 0; c < CONV_KINDS; c++) {
        int n = 0, last = 0;
        for (int a = 0; a < 3; a++)
            if (row->used[c][a])
                n++, last = a;
        if (!n)
            continue;
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s=%s", len ? " " : "", conv_entry[c], n > 1 ? "mixed" : algo[last]);
    }
}

static void variant_text(const op_row *row, char *out, size_t cap)
{
    static const char *const pass[CONV_KINDS] = {"fwd", "bwd_data", "bwd_filter"};
    out[0] = '\0';
    for (int c = 0; c < CONV_KINDS; c++) {
        if (!row->variant[c])
            continue;
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s %s", len ? "; " : "", pass[c], row->mixed[c] ? "mixed" : row->variant[c]);
    }
}

static int conv_kind(clnas_node_kind kind)
{
    return kind == CLNAS_NODE_CONV ? CONV_FWD
           : kind == CLNAS_NODE_CONV_BWD_DATA ? CONV_BWD_DATA
           : kind == CLNAS_NODE_CONV_BWD_FILTER ? CONV_BWD_FILTER
                                                 : -1;
}

/* Sums the profiled launches of the plan into rows. */
static void collect(const clnas_plan *plan, const clnas_executor *ex, op_row *rows, int steps)
{
    static const int base[3] = {0, 4, 8};
    int batch = plan->config.batch;
    for (int i = 0; i < plan->ntrain; i++) {
        const clnas_plan_launch *l = &plan->train[i];
        if (l->phase == CLNAS_PHASE_UPDATE)
            continue;
        int ri = row_of(l->label, &plan->config.genotype, base);
        if (ri < 0)
            continue;
        op_row *row = &rows[ri];
        double ms = 1e3 * ex->launch_seconds[i] / steps, flop = launch_flop(row, l->kind, batch);
        int fwd = l->phase == CLNAS_PHASE_FORWARD;
        *(fwd ? &row->r.forward_ms : &row->r.backward_ms) += ms;
        *(fwd ? &row->r.forward_flop : &row->r.backward_flop) += flop;
        *(fwd ? &row->r.forward_launches : &row->r.backward_launches) += 1;
        int ck = conv_kind(l->kind);
        if (ck >= 0)
            row->used[ck][ex->use_gemm[i] ? 1 : ex->use_alt && ex->use_alt[i] ? 2 : 0]++;
        if (ck >= 0 && ex->variants && ex->variants[l->kernel][0] && !ex->use_gemm[i] &&
            !(ex->use_alt && ex->use_alt[i])) {
            const char *v = ex->variants[l->kernel];
            if (row->variant[ck] && strcmp(row->variant[ck], v) != 0)
                row->mixed[ck] = 1;
            row->variant[ck] = v;
        }
    }
    for (int r = 0; r < OP_ROWS; r++) {
        clnas_bench_op_result *o = &rows[r].r;
        int n = o->instances ? o->instances : 1;
        o->forward_ms /= n, o->backward_ms /= n, o->forward_flop /= n, o->backward_flop /= n;
        o->forward_launches /= n, o->backward_launches /= n;
        algo_text(&rows[r], o->algo, sizeof o->algo);
        variant_text(&rows[r], o->variant, sizeof o->variant);
    }
}

clnas_status clnas_bench_ops(clnas_device *dev, clnas_program_cache *cache, const clnas_net_config *cfg, int warmup,
                             int steps, clnas_bench_op_result *out, int *count, clnas_error *err)
{
    *count = 0;
    if (steps < 1 || warmup < 0 || cfg->fp64)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "op benchmark: %d steps, %d warm-up%s (expected at least 1 "
                               "step, float32)", steps, warmup, cfg->fp64 ? ", float64" : "");
    clnas_net_config c = *cfg;
    c.cells = 1;
    c.want_input_grad = 0;
    clnas_status st = clnas_genotype_parse(OPS_CELL, &c.genotype, err);
    if (st != CLNAS_OK)
        return st;
    op_row rows[OP_ROWS];
    static const char *const cell_ops[4] = {"skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};
    static const int cell_k[4] = {0, 1, 3, 0}, cell_pool[4] = {0, 0, 0, 9};
    for (int s = 0, ch = c.channels, h = c.height, w = c.width; s < 3; s++, ch *= 2, h /= 2, w /= 2) {
        for (int o = 0; o < 4; o++)
            row_init(&rows[4 * s + o], cell_ops[o], s + 1, ch, ch, h, w, cell_k[o], 1, cell_pool[o]);
        if (s < 2) {
            row_init(&rows[12 + 3 * s], "conv_a", s + 2, ch, 2 * ch, h, w, 3, 2, 0);
            row_init(&rows[13 + 3 * s], "conv_b", s + 2, 2 * ch, 2 * ch, h / 2, w / 2, 3, 1, 0);
            row_init(&rows[14 + 3 * s], "shortcut", s + 2, ch, 2 * ch, h, w, 1, 2, 4);
            for (int p = 12 + 3 * s; p < 15 + 3 * s; p++)
                rows[p].r.instances = 1;
        }
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            if (c.genotype.ops[e] != CLNAS_OP_NONE)
                rows[4 * s + c.genotype.ops[e] - 1].r.instances++;
    }
    clnas_model *model = NULL;
    clnas_bench_train_result timed;
    st = clnas_bench_model_new(dev, cache, &c, &model, err);
    /* the warm-up runs unprofiled, so launch_seconds holds the timed steps alone */
    if (st == CLNAS_OK)
        st = clnas_bench_train_steps(model, warmup, steps, 1, &timed, err);
    if (st == CLNAS_OK) {
        clnas_executor *ex = clnas_model_executor(model);
        ex->profile = 0;
        collect(clnas_model_plan(model), ex, rows, steps);
        for (int r = 0; r < OP_ROWS; r++)
            out[r] = rows[r].r;
        *count = OP_ROWS;
    }
    clnas_model_free(model);
    return st;
}
