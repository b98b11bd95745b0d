/* clnas — the convolution's kernel variants: tunings (named tunable parameters) as text, how a lowering reads
 * them, the candidates of a pass in the order the tuner tries them, and which plan kernels are tunable. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op_conv.h"

void clnas_conv_tuning_format(const clnas_conv_tuning *t, char *out, size_t cap)
{
    size_t len = 0;
    if (cap)
        out[0] = '\0';
    for (int i = 0; t && i < t->n && len < cap; i++) {
        int n = snprintf(out + len, cap - len, "%s%s=%d", i ? " " : "", t->name[i], t->value[i]);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

static int find_name(const clnas_conv_tuning *t, const char *name)
{
    for (int i = 0; t && i < t->n; i++)
        if (strcmp(t->name[i], name) == 0)
            return i;
    return -1;
}

clnas_status clnas_conv_tuning_parse(const char *text, clnas_conv_tuning *t, clnas_error *err)
{
    memset(t, 0, sizeof *t);
    const char *s = text ? text : "";
    size_t pos = 0;
    while (s[pos]) {
        if (pos > 0) {
            if (s[pos] != ' ')
                return clnas_error_set(err, CLNAS_ERR_PARSE, "tuning \"%.120s\": at character %zu expected a space",
                                       s, pos + 1);
            pos++;
        }
        size_t start = pos;
        while (isupper((unsigned char)s[pos]) || isdigit((unsigned char)s[pos]) || s[pos] == '_')
            pos++;
        size_t len = pos - start;
        if (len == 0 || len >= CLNAS_CONV_TUNE_NAME_MAX || !isupper((unsigned char)s[start]))
            return clnas_error_set(err, CLNAS_ERR_PARSE, "tuning \"%.120s\": at character %zu expected a name of 1 .. "
                                   "%d characters [A-Z0-9_] starting with a letter", s, start + 1,
                                   CLNAS_CONV_TUNE_NAME_MAX - 1);
        if (s[pos] != '=')
            return clnas_error_set(err, CLNAS_ERR_PARSE, "tuning \"%.120s\": at character %zu expected '='", s,
                                   pos + 1);
        pos++;
        size_t vstart = pos;
        long v = 0;
        while (isdigit((unsigned char)s[pos]) && pos - vstart < 7)
            v = v * 10 + (s[pos++] - '0');
        if (pos == vstart || s[vstart] == '0' || v > 999999 || (s[pos] && s[pos] != ' '))
            return clnas_error_set(err, CLNAS_ERR_PARSE, "tuning \"%.120s\": at character %zu expected a value 1 .. "
                                   "999999", s, vstart + 1);
        if (t->n == CLNAS_CONV_TUNE_MAX)
            return clnas_error_set(err, CLNAS_ERR_PARSE, "tuning \"%.120s\": more than %d parameters", s,
                                   CLNAS_CONV_TUNE_MAX);
        char name[CLNAS_CONV_TUNE_NAME_MAX];
        memcpy(name, s + start, len);
        name[len] = '\0';
        if (find_name(t, name) >= 0)
            return clnas_error_set(err, CLNAS_ERR_PARSE, "tuning \"%.120s\": %s given twice", s, name);
        memcpy(t->name[t->n], name, len + 1);
        t->value[t->n++] = (int)v;
    }
    return CLNAS_OK;
}

int clnas_conv_tune_take(clnas_conv_tune_ctx *ctx, const char *name, int def)
{
    if (!ctx)
        return def;
    int v = def, i = find_name(ctx->in, name);
    if (i >= 0) {
        v = ctx->in->value[i];
        ctx->taken |= 1u << i;
    }
    clnas_conv_tuning *u = ctx->used;
    if (u && u->n < CLNAS_CONV_TUNE_MAX && find_name(u, name) < 0) {
        snprintf(u->name[u->n], sizeof u->name[u->n], "%s", name);
        u->value[u->n++] = v;
    }
    return v;
}

int clnas_kernel_desc_same(const clnas_kernel_desc *a, const clnas_kernel_desc *b)
{
    if (strcmp(a->template_name, b->template_name) || strcmp(a->entry, b->entry) || a->ndefines != b->ndefines ||
        a->dims != b->dims || a->nargs != b->nargs)
        return 0;
    for (int i = 0; i < a->ndefines; i++)
        if (strcmp(a->defines[i].name, b->defines[i].name) || strcmp(a->defines[i].value, b->defines[i].value))
            return 0;
    for (int i = 0; i < a->dims; i++)
        if (a->global[i] != b->global[i] || a->local[i] != b->local[i])
            return 0;
    for (int i = 0; i < a->nargs; i++)
        if (a->arg_kind[i] != b->arg_kind[i] || strcmp(a->arg_name[i], b->arg_name[i]))
            return 0;
    return 1;
}

/* ---- candidates ---- */

/* The values the tuner tries for a tunable (the default's own value is always a candidate: it is the default). */
typedef struct tune_range {
    const char *name;
    int values[8];
} tune_range;

static const tune_range ranges[] = {
    {"CO_BLOCK", {1, 2, 4, 8}},         {"CI_BLOCK", {1, 2, 4, 8}},        {"ROWS", {1, 2}},
    {"COV", {1, 2, 4}},                 {"COLS", {4, 7, 14}},              {"LOCAL", {4, 8, 16, 32, 64, 128, 256}},
    {"CO_GROUP", {1, 2, 4, 8, 16, 32, 64, 128}},                            {"IMG_CHUNK", {1, 2, 4, 8, 16, 32, 64, 128}},
    {"RM", {1, 2, 4, 8}},               {"RN", {1, 2, 4, 8}},              {"TK", {4, 8, 16, 32}},
    {"TP", {8, 16, 32, 64, 128}},      {"SEG", {8, 16, 32, 64, 128}},     {"CI_GROUP", {4, 8, 16, 32, 64}},
};

static const tune_range *range_of(const char *name)
{
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (strcmp(ranges[i].name, name) == 0)
            return &ranges[i];
    return NULL;
}

/* Steps of a factor of 2 between a and b (both >= 1), rounded up. */
static int octaves(int a, int b)
{
    int lo = a < b ? a : b, hi = a < b ? b : a, n = 0;
    while (lo < hi) {
        lo *= 2;
        n++;
    }
    return n;
}

typedef struct tune_move {
    int param[2], value[2], nparams, distance, order;
} tune_move;

static int move_cmp(const void *pa, const void *pb)
{
    const tune_move *a = pa, *b = pb;
    if (a->distance != b->distance)
        return a->distance - b->distance;
    if (a->nparams != b->nparams)
        return a->nparams - b->nparams;
    return a->order - b->order;
}

clnas_status clnas_conv_tune_candidates(clnas_conv_pass pass, const clnas_conv_params *p,
                                        const clnas_device_profile *profile, int max, clnas_conv_tuning *out,
                                        int *count, clnas_error *err)
{
    *count = 0;
    if (max < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "conv tuning: at most %d candidates, expected at least 1",
                               max);
    clnas_kernel_desc *seen = malloc((size_t)max * sizeof *seen);
    if (!seen)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "conv tuning: out of memory");
    clnas_conv_tuning def;
    clnas_status st = clnas_op_conv_desc_tuned(pass, p, profile, NULL, &seen[0], &def, err);
    if (st != CLNAS_OK) {
        free(seen);
        return st;
    }
    out[0] = def;
    int n = 1;
    /* the moves: one tunable to another value, or two tunables one octave each */
    enum { MOVES_MAX = 512 };
    tune_move *moves = malloc(MOVES_MAX * sizeof *moves);
    int nmoves = 0;
    if (!moves) {
        free(seen);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "conv tuning: out of memory");
    }
    for (int i = 0; i < def.n; i++) {
        const tune_range *r = range_of(def.name[i]);
        for (int v = 0; r && v < 8 && r->values[v] && nmoves < MOVES_MAX; v++)
            if (r->values[v] != def.value[i]) {
                moves[nmoves] = (tune_move){{i, -1}, {r->values[v], 0}, 1, octaves(r->values[v], def.value[i]),
                                            nmoves};
                nmoves++;
            }
    }
    int singles = nmoves;
    for (int a = 0; a < singles; a++)
        for (int b = a + 1; b < singles && nmoves < MOVES_MAX; b++)
            if (moves[a].param[0] != moves[b].param[0] && moves[a].distance == 1 && moves[b].distance == 1) {
                moves[nmoves] = (tune_move){{moves[a].param[0], moves[b].param[0]},
                                            {moves[a].value[0], moves[b].value[0]}, 2, 2, nmoves};
                nmoves++;
            }
    /* round-robin over the tunables within one distance: order by (distance, params, position among its own) */
    int rank[CLNAS_CONV_TUNE_MAX] = {0};
    for (int m = 0; m < singles; m++) {
        int i = moves[m].param[0];
        moves[m].order = (moves[m].distance * 64 + rank[i]++) * CLNAS_CONV_TUNE_MAX + i;
    }
    qsort(moves, (size_t)nmoves, sizeof *moves, move_cmp);
    for (int m = 0; m < nmoves && n < max; m++) {
        clnas_conv_tuning t = def;
        for (int k = 0; k < moves[m].nparams; k++)
            t.value[moves[m].param[k]] = moves[m].value[k];
        clnas_error refused;
        if (clnas_op_conv_desc_tuned(pass, p, profile, &t, &seen[n], NULL, &refused) != CLNAS_OK)
            continue; /* outside the kernel's ranges or the device's limits */
        if (profile && seen[n].local[0] > profile->max_work_group_size)
            continue;
        int dup = 0;
        for (int k = 0; k < n && !dup; k++)
            dup = clnas_kernel_desc_same(&seen[k], &seen[n]);
        if (!dup)
            out[n++] = t;
    }
    free(moves);
    free(seen);
    *count = n;
    return CLNAS_OK;
}

/* ---- which plan kernels are tunable ---- */

int clnas_conv_params_of_desc(const clnas_kernel_desc *kd, clnas_conv_params *p)
{
    static const char *const names[] = {"N", "CI", "CO", "H", "W", "KSIZE", "STRIDE", "PAD", "RELU_IN", "ACCUM"};
    long v[10];
    for (int i = 0; i < 10; i++) {
        v[i] = clnas_kernel_desc_define_value(kd, names[i]);
        if (v[i] < 0 || v[i] > INT_MAX)
            return 0;
    }
    const long split = clnas_kernel_desc_define_value(kd, "SPLIT");
    *p = (clnas_conv_params){(int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4],
                             (int)v[5], (int)v[6], (int)v[7], (int)v[8], (int)v[9],
                             split > 1 && split <= INT_MAX ? (int)split : 0};
    return 1;
}

clnas_status clnas_conv_tune_target(const clnas_kernel_desc *kd, int fp64, clnas_conv_pass *pass,
                                    clnas_conv_params *p, char *sig, size_t cap, int *has, clnas_error *err)
{
    *has = 0;
    static const char *const entries[] = {"conv2d_fwd", "conv2d_bwd_data", "conv2d_bwd_filter"};
    static const char *const names[] = {"fwd", "bwd_data", "bwd_filter"};
    int which = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(kd->entry, entries[i]) == 0)
            which = i;
    if (which < 0 || !clnas_conv_params_of_desc(kd, p))
        return CLNAS_OK;
    *pass = (clnas_conv_pass)which;
    /* the template with its source hash: a choice measured on an older kernel is not taken for this one */
    char id[CLNAS_KERNEL_TEMPLATE_ID_MAX];
    clnas_status st = clnas_kernel_template_id(kd->template_name, id, sizeof id, err);
    if (st != CLNAS_OK)
        return st;
    char split[24] = "";
    if (p->split > 1)
        snprintf(split, sizeof split, " split%d", p->split);
    int n = snprintf(sig, cap, "tune %s %s %s n%d ci%d co%d %dx%d k%d s%d p%d relu%d acc%d%s", names[which], id,
                     fp64 ? "f64" : "f32", p->n, p->ci, p->co, p->h, p->w, p->ksize, p->stride, p->pad, p->relu_in,
                     p->accum, split);
    *has = n > 0 && (size_t)n < cap;
    return CLNAS_OK;
}
