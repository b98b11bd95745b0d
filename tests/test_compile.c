/* clnas — tests of `clnas compile`: plan statistics and invariants, the written folder, the command itself. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "autodiff.h"
#include "build_nb201.h"
#include "clnas/network.h"
#include "clnas/rng.h"
#include "clnas/space.h"
#include "fuse.h"
#include "op.h"
#include "plan.h"
#include "plan_write.h"
#include "scratch_dir.h"

#define BEST_ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
/* the best arch with the two convolutions into node 3 removed: nodes 1 and 2 no longer reach the output */
#define BEST_NO_CONV_INTO_3 "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|"
/* the best arch with every edge into node 3 removed: the cell output is zero */
#define BEST_NOTHING_INTO_3 "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|"
#define ALL_NONE "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"

static clnas_plan *compile_arch(const char *arch, int channels, int cells)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.channels = channels;
    cfg.cells = cells;
    clnas_error err = {0};
    if (clnas_genotype_parse(arch, &cfg.genotype, &err) != CLNAS_OK)
        fail_msg("parse %s: %s", arch, err.message);
    clnas_plan *plan = NULL;
    if (clnas_plan_compile(&cfg, &plan, &err) != CLNAS_OK)
        fail_msg("compile %s: %s", arch, err.message);
    assert_non_null(plan);
    return plan;
}

static clnas_plan_stats stats_of(const clnas_plan *plan)
{
    clnas_plan_stats s;
    clnas_error err = {0};
    assert_int_equal(clnas_plan_stats_get(plan, &s, &err), CLNAS_OK);
    return s;
}

/* Every tensor binding lies inside its arena; no output overlaps another binding of the same launch in the
 * activation arena (a kernel would read what it is overwriting). */
static void check_launches(const clnas_plan *plan, const clnas_plan_launch *launches, int n, const char *what)
{
    for (int i = 0; i < n; i++) {
        const clnas_plan_launch *l = &launches[i];
        assert_in_range(l->kernel, 0, plan->nkernels - 1);
        const clnas_kernel_desc *d = &plan->kernels[l->kernel].desc;
        for (int a = 0; a < d->nargs; a++) {
            if (d->arg_kind[a] != CLNAS_ARG_TENSOR && d->arg_kind[a] != CLNAS_ARG_TENSOR_INT)
                continue;
            const clnas_plan_binding *b = &l->arg[a];
            assert_in_range(b->arena, 0, CLNAS_ARENA_COUNT - 1);
            if (b->count == 0 || b->offset + b->count > plan->arena_elems[b->arena])
                fail_msg("%s launch %d (%s) slot %s: [%zu, +%zu) outside the %s arena of %zu elements", what, i,
                         l->label, d->arg_name[a], b->offset, b->count, clnas_arena_name(b->arena),
                         plan->arena_elems[b->arena]);
            if (b->arena != CLNAS_ARENA_ACT || clnas_plan_slot_access(d->arg_name[a]) == CLNAS_SLOT_READ)
                continue;
            for (int o = 0; o < d->nargs; o++) {
                const clnas_plan_binding *c = &l->arg[o];
                if (o == a || c->arena != CLNAS_ARENA_ACT
                    || (d->arg_kind[o] != CLNAS_ARG_TENSOR && d->arg_kind[o] != CLNAS_ARG_TENSOR_INT))
                    continue;
                if (b->offset < c->offset + c->count && c->offset < b->offset + b->count)
                    fail_msg("%s launch %d (%s): output %s [%zu, +%zu) overlaps %s [%zu, +%zu)", what, i, l->label,
                             d->arg_name[a], b->offset, b->count, d->arg_name[o], c->offset, c->count);
            }
        }
    }
}

/* The launches of one training step and the ops before fusion, counted apart from the plan and its stats: the
 * plan's network built, differentiated and fused again, its launch order's length. */
static int fused_launches(const clnas_net_config *cfg, int *ops)
{
    clnas_graph g;
    clnas_graph_init(&g);
    clnas_net_io io;
    clnas_fuse_stats fs = {0, 0};
    clnas_error err = {0};
    int input_grad = -1;
    assert_int_equal(clnas_build_nb201(cfg, 1, &g, &io, &err), CLNAS_OK);
    assert_int_equal(clnas_autodiff(&g, &io, cfg->want_input_grad, &input_grad, &err), CLNAS_OK);
    assert_int_equal(clnas_fuse(&g, &fs, &err), CLNAS_OK);
    assert_int_equal(fs.launches, g.norder);
    clnas_graph_free(&g);
    *ops = fs.ops_before;
    return fs.launches;
}

static void check_plan(const clnas_plan *plan)
{
    clnas_plan_stats s = stats_of(plan);
    int ops = 0, launches = fused_launches(&plan->config, &ops);
    if (s.launches_per_step != launches || plan->ntrain != launches || s.ops != ops)
        fail_msg("launches per step %d (stats) %d (plan), ops %d: the fused graph has %d launches, %d ops",
                 s.launches_per_step, plan->ntrain, s.ops, launches, ops);
    assert_true(s.launches_per_step > 0);
    assert_true(s.launches_per_step < s.ops);
    assert_true(s.kernels <= s.launches_per_step + plan->neval);
    assert_true(s.programs <= s.kernels);
    assert_true(s.arena_bytes > 0);
    for (int k = 0; k < plan->nkernels; k++)
        assert_in_range(plan->kernels[k].program, 0, plan->nprograms - 1);
    check_launches(plan, plan->train, plan->ntrain, "training");
    check_launches(plan, plan->eval, plan->neval, "evaluation");
}

/* Two kernel descriptors generate the same kernel: template, entry, #defines, geometry and slots. */
static int same_desc(const clnas_kernel_desc *a, const clnas_kernel_desc *b)
{
    if (strcmp(a->template_name, b->template_name) || strcmp(a->entry, b->entry) || a->ndefines != b->ndefines ||
        a->dims != b->dims || a->nargs != b->nargs)
        return 0;
    for (int i = 0; i < a->ndefines; i++)
        if (strcmp(a->defines[i].name, b->defines[i].name) || strcmp(a->defines[i].value, b->defines[i].value))
            return 0;
    for (int i = 0; i < 3; i++)
        if (a->global[i] != b->global[i] || a->local[i] != b->local[i])
            return 0;
    for (int i = 0; i < a->nargs; i++)
        if (a->arg_kind[i] != b->arg_kind[i] || strcmp(a->arg_name[i], b->arg_name[i]))
            return 0;
    return 1;
}

static void test_best_arch_stats(void **state)
{
    (void)state;
    clnas_plan *plan = compile_arch(BEST_ARCH, 16, 1);
    check_plan(plan);
    clnas_plan_stats s = stats_of(plan);
    /* every kernel of the plan is launched at least once, and the training step's distinct kernels (by index)
     * are its distinct descriptors (by content): equal descriptors share one kernel, different ones do not */
    int distinct_train = 0, distinct_descs = 0;
    for (int k = 0; k < plan->nkernels; k++) {
        int used = 0, in_train = 0;
        for (int i = 0; i < plan->ntrain; i++)
            in_train |= plan->train[i].kernel == k;
        for (int i = 0; i < plan->neval; i++)
            used |= plan->eval[i].kernel == k;
        if (!used && !in_train)
            fail_msg("kernel %d (%s) is in the plan but no launch uses it", k, plan->kernels[k].desc.entry);
        distinct_train += in_train;
    }
    for (int i = 0; i < plan->ntrain; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = same_desc(&plan->kernels[plan->train[j].kernel].desc, &plan->kernels[plan->train[i].kernel].desc);
        distinct_descs += !seen;
    }
    if (distinct_train != distinct_descs)
        fail_msg("the training step launches %d distinct kernels for %d distinct descriptors", distinct_train,
                 distinct_descs);
    assert_int_equal(plan->train[plan->ntrain - 1].phase, CLNAS_PHASE_UPDATE);
    size_t expected = 0;
    for (int a = 0; a < CLNAS_ARENA_COUNT; a++)
        expected += plan->arena_elems[a] * (a == CLNAS_ARENA_LABELS ? 4 : sizeof(float));
    assert_int_equal(s.arena_bytes, expected);
    clnas_plan_free(plan);
}

static void test_dead_edges_generate_nothing(void **state)
{
    (void)state;
    clnas_plan *best = compile_arch(BEST_ARCH, 16, 1);
    clnas_plan *fewer = compile_arch(BEST_NO_CONV_INTO_3, 16, 1);
    clnas_plan *zero = compile_arch(BEST_NOTHING_INTO_3, 16, 1);
    check_plan(fewer);
    check_plan(zero);
    clnas_plan_stats b = stats_of(best), f = stats_of(fewer), z = stats_of(zero);
    assert_true(f.launches_per_step < b.launches_per_step);
    assert_true(f.ops < b.ops);
    assert_true(z.launches_per_step < b.launches_per_step);
    /* the unreachable edges' parameters are not live; the reachable ones are */
    int dead = clnas_plan_find_param(fewer, "cells.0.edges.2_1.conv.weight");
    int kept = clnas_plan_find_param(best, "cells.0.edges.2_1.conv.weight");
    assert_true(dead >= 0 && kept >= 0);
    assert_false(fewer->params[dead].live);
    assert_true(best->params[kept].live);
    clnas_plan_free(best);
    clnas_plan_free(fewer);
    clnas_plan_free(zero);
}

static void test_all_none_compiles(void **state)
{
    (void)state;
    clnas_plan *plan = compile_arch(ALL_NONE, 16, 1);
    check_plan(plan);
    clnas_plan *best = compile_arch(BEST_ARCH, 16, 1);
    assert_true(plan->ntrain < best->ntrain);
    /* stem -> reductions -> head: no parameter of a cell edge takes part */
    for (int i = 0; i < plan->nparams; i++)
        if (strstr(plan->params[i].name, ".edges.") && plan->params[i].live)
            fail_msg("parameter %s is live in an all-none network", plan->params[i].name);
    clnas_plan_free(best);
    clnas_plan_free(plan);
}

/* The plan invariants over sampled cells, at a small size. */
static void test_sampled_plans(void **state)
{
    (void)state;
    clnas_rng rng;
    clnas_rng_seed(&rng, 201);
    for (int k = 0; k < 60; k++) {
        clnas_net_config cfg;
        clnas_net_config_default(&cfg);
        cfg.channels = 4;
        cfg.cells = 1 + k % 2;
        cfg.batch = 4;
        cfg.height = cfg.width = 8;
        cfg.fp64 = k % 3 == 0;
        clnas_genotype_sample(&rng, &cfg.genotype);
        clnas_plan *plan = NULL;
        clnas_error err = {0};
        char arch[CLNAS_GENOTYPE_STR_MAX];
        assert_int_equal(clnas_genotype_format(&cfg.genotype, arch, sizeof arch, &err), CLNAS_OK);
        if (clnas_plan_compile(&cfg, &plan, &err) != CLNAS_OK)
            fail_msg("compile %s: %s", arch, err.message);
        check_plan(plan);
        clnas_plan_free(plan);
    }
}

/* ---- the written folder ---- */

static char *make_temp_dir(void)
{
    char *dir = scratch_dir_new("clnas-test-compile");
    assert_non_null(dir);
    return dir;
}

static int ends_with(const char *name, const char *suffix)
{
    size_t len = strlen(name), ls = strlen(suffix);
    return len > ls && strcmp(name + len - ls, suffix) == 0;
}

static int contains(const char *name, const char *part)
{
    return strstr(name, part) != NULL;
}

/* How many entries of dir (. and .. included) match(name, arg). */
static int count_entries(const char *dir, int (*match)(const char *name, const char *arg), const char *arg)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += match(e->d_name, arg);
    closedir(d);
    return n;
}

static void test_write_dir(void **state)
{
    (void)state;
    clnas_plan *plan = compile_arch(BEST_NO_CONV_INTO_3, 16, 1);
    clnas_plan_stats s = stats_of(plan);
    char *root = make_temp_dir();
    char dir[512], path[1024];
    snprintf(dir, sizeof dir, "%s/nested/out", root); /* parents are created */
    clnas_error err = {0};
    if (clnas_plan_write_dir(plan, dir, &err) != CLNAS_OK)
        fail_msg("write: %s", err.message);

    assert_int_equal(count_entries(dir, ends_with, ".cl"), plan->nprograms);
    assert_int_equal(count_entries(dir, contains, ".tmp"), 0); /* no temporary file is left behind */
    for (int p = 0; p < plan->nprograms; p++) {
        char file[128];
        assert_int_equal(clnas_plan_program_file(plan, p, file, sizeof file, &err), CLNAS_OK);
        snprintf(path, sizeof path, "%s/%s", dir, file);
        char *text = test_read_file(path, NULL);
        assert_string_equal(text, plan->program_sources[p]);
        free(text);
    }

    snprintf(path, sizeof path, "%s/plan.json", dir);
    char *text = test_read_file(path, NULL);
    cJSON *json = cJSON_Parse(text);
    free(text);
    assert_non_null(json);
    static const char *const keys[] = {"arch",     "channels",      "cells",   "batch",      "input", "element_type",
                                       "arena_bytes", "kernels",       "buffers", "parameters", "stats", "launches",
                                       "eval_launches"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (!cJSON_HasObjectItem(json, keys[k]))
            fail_msg("plan.json has no \"%s\"", keys[k]);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(json, "live_param_elements")));
    assert_string_equal(cJSON_GetObjectItem(json, "arch")->valuestring, BEST_NO_CONV_INTO_3);
    assert_string_equal(cJSON_GetObjectItem(json, "element_type")->valuestring, "float32");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "input")), 3);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "kernels")), plan->nkernels);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "launches")), plan->ntrain);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "eval_launches")), plan->neval);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "parameters")), plan->nparams);
    cJSON *stats = cJSON_GetObjectItem(json, "stats");
    assert_int_equal(cJSON_GetObjectItem(stats, "launches_per_step")->valueint, s.launches_per_step);
    assert_int_equal((size_t)cJSON_GetObjectItem(stats, "arena_bytes")->valuedouble, s.arena_bytes);
    /* every kernel names a program file that was written; every launch's tensor args carry their binding */
    cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(json, "kernels")) {
        cJSON *file = cJSON_GetObjectItem(k, "program_file");
        assert_true(cJSON_IsString(file));
        snprintf(path, sizeof path, "%s/%s", dir, file->valuestring);
        assert_int_equal(access(path, R_OK), 0);
        assert_true(cJSON_IsObject(cJSON_GetObjectItem(k, "defines")));
    }
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(json, "launches"), 0);
    assert_string_equal(cJSON_GetObjectItem(first, "phase")->valuestring, "forward");
    cJSON *arg;
    int named = 0;
    cJSON_ArrayForEach(arg, cJSON_GetObjectItem(first, "args")) {
        assert_true(cJSON_IsString(cJSON_GetObjectItem(arg, "slot")));
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(arg, "offset_elements"))); /* units in the names */
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(arg, "elements")));
        named += cJSON_IsString(cJSON_GetObjectItem(arg, "buffer"));
    }
    assert_true(named > 0);
    cJSON_Delete(json);

    snprintf(path, sizeof path, "%s/cell.dot", dir);
    text = test_read_file(path, NULL);
    assert_non_null(strstr(text, "digraph cell"));
    assert_non_null(strstr(text, "n0 -> n3 [label=\"skip_connect\"]"));
    assert_non_null(strstr(text, "n1 -> n2 [label=\"nor_conv_3x3\", style=dashed")); /* cannot reach node 3 */
    assert_null(strstr(text, "label=\"none"));
    free(text);
    snprintf(path, sizeof path, "%s/graph.dot", dir);
    text = test_read_file(path, NULL);
    assert_non_null(strstr(text, "digraph plan"));
    assert_non_null(strstr(text, "cluster_forward"));
    assert_non_null(strstr(text, "cluster_backward"));
    assert_non_null(strstr(text, "cluster_update"));
    assert_non_null(strstr(text, "L0 ["));
    free(text);

    /* writing again over the same folder works (files are replaced by rename) */
    assert_int_equal(clnas_plan_write_dir(plan, dir, &err), CLNAS_OK);
    /* a path through a regular file is an error naming it */
    snprintf(path, sizeof path, "%s/plan.json/sub", dir);
    assert_int_equal(clnas_plan_write_dir(plan, path, &err), CLNAS_ERR_IO);
    assert_non_null(strstr(err.message, "plan.json"));

    scratch_dir_remove(root);
    free(root);
    clnas_plan_free(plan);
}

static void test_zero_node_marked(void **state)
{
    (void)state;
    /* node 1 is zero (none from 0); the conv 1->2 then computes BatchNorm's shift */
    clnas_plan *plan = compile_arch("|none~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|none~1|skip_connect~2|", 8, 1);
    check_plan(plan);
    char *root = make_temp_dir();
    clnas_error err = {0};
    assert_int_equal(clnas_plan_write_dir(plan, root, &err), CLNAS_OK);
    char path[1024];
    snprintf(path, sizeof path, "%s/cell.dot", root);
    char *text = test_read_file(path, NULL);
    assert_non_null(strstr(text, "n1 [label=\"1\\n(zero)\""));
    assert_null(strstr(text, "n2 [label=\"2\\n(zero)\""));
    assert_non_null(strstr(text, "BN shift"));
    free(text);
    scratch_dir_remove(root);
    free(root);
    clnas_plan_free(plan);
}

/* ---- the command ---- */

#ifdef CLNAS_TOOL_PATH
/* Runs the tool with args (stderr joined to stdout); returns its exit status and what it printed. */
static int run_tool(const char *args, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' compile %s 2>&1", CLNAS_TOOL_PATH, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_tool_json(void **state)
{
    (void)state;
    char *root = make_temp_dir();
    char args[1024], out[8192], path[1024];
    snprintf(args, sizeof args, "--arch '%s' --channels 16 --cells 1 --out '%s/plan' --json", BEST_ARCH, root);
    int rc = run_tool(args, out, sizeof out);
    if (rc != 0)
        fail_msg("clnas compile exited %d: %s", rc, out);
    cJSON *json = cJSON_Parse(out);
    assert_non_null(json);
    assert_true(cJSON_IsObject(json));
    assert_int_equal(cJSON_GetArraySize(json), 11);
    assert_string_equal(cJSON_GetObjectItem(json, "family")->valuestring, "cpu");
    clnas_plan *plan = compile_arch(BEST_ARCH, 16, 1);
    clnas_plan_stats s = stats_of(plan);
    assert_int_equal(cJSON_GetObjectItem(json, "ops")->valueint, s.ops);
    assert_int_equal(cJSON_GetObjectItem(json, "kernels")->valueint, s.kernels);
    assert_int_equal(cJSON_GetObjectItem(json, "launches_per_step")->valueint, s.launches_per_step);
    assert_int_equal(cJSON_GetObjectItem(json, "programs")->valueint, s.programs);
    assert_int_equal((size_t)cJSON_GetObjectItem(json, "arena_bytes")->valuedouble, s.arena_bytes);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(json, "recompute"))); /* no device or budget to fit: kept */
    assert_int_equal(cJSON_GetObjectItem(json, "recomputed")->valueint, 0);
    assert_int_equal(cJSON_GetObjectItem(json, "recomputed_nodes")->valueint, 0);
    assert_int_equal(cJSON_GetObjectItem(json, "wgrad_splits")->valueint, 0); /* the CPU family never splits */
    assert_int_equal(cJSON_GetObjectItem(json, "bn_splits")->valueint, 0);
    cJSON_Delete(json);
    /* only the object: nothing before or after it but the newline */
    assert_int_equal(out[0], '{');
    assert_string_equal(strchr(out, '}'), "}\n");
    snprintf(path, sizeof path, "%s/plan/plan.json", root);
    assert_int_equal(access(path, R_OK), 0);

    /* --recompute: said so, and a smaller arena */
    char recomputed[4096];
    snprintf(args, sizeof args, "--arch '%s' --channels 16 --cells 1 --out '%s/recompute' --json --recompute",
             BEST_ARCH, root);
    assert_int_equal(run_tool(args, recomputed, sizeof recomputed), 0);
    cJSON *rj = cJSON_Parse(recomputed);
    assert_non_null(rj);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(rj, "recompute")));
    const double all_bytes = cJSON_GetObjectItem(rj, "arena_bytes")->valuedouble;
    assert_true((size_t)all_bytes < s.arena_bytes);
    /* C=16 N=1: the stem, 3 cells of 5 convolutions and 2 reduction blocks of 2 have a BatchNorm after them */
    const int all = cJSON_GetObjectItem(rj, "recomputed")->valueint;
    assert_int_equal(all, 1 + 3 * 5 + 2 * 2);
    cJSON_Delete(rj);

    /* --memory-budget a quarter of the way from all to none (past what recomputing the BatchNorm outputs alone saves):
     * some recomputed, the arena within it; the summary says how many and why */
    const double budget = all_bytes + ((double)s.arena_bytes - all_bytes) / 4;
    snprintf(args, sizeof args, "--arch '%s' --channels 16 --cells 1 --out '%s/budget' --json --memory-budget %.0f",
             BEST_ARCH, root, budget);
    assert_int_equal(run_tool(args, recomputed, sizeof recomputed), 0);
    rj = cJSON_Parse(recomputed);
    assert_non_null(rj);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(rj, "recompute")));
    const int some = cJSON_GetObjectItem(rj, "recomputed")->valueint;
    assert_true(some > 0 && some < all);
    assert_true(cJSON_GetObjectItem(rj, "recomputed_nodes")->valueint > 0);
    assert_true(cJSON_GetObjectItem(rj, "arena_bytes")->valuedouble <= budget);
    cJSON_Delete(rj);
    snprintf(path, sizeof path, "%s/budget/plan.json", root);
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    rj = cJSON_Parse(text);
    free(text);
    const cJSON *rec = cJSON_GetObjectItem(cJSON_GetObjectItem(rj, "stats"), "recompute");
    assert_int_equal(cJSON_GetObjectItem(rec, "candidates")->valueint, all);
    assert_int_equal(cJSON_GetObjectItem(rec, "recomputed")->valueint, some);
    assert_true(cJSON_GetObjectItem(rec, "macs_at_most")->valueint > 0);
    cJSON_Delete(rj);
    snprintf(args, sizeof args, "--arch '%s' --channels 16 --cells 1 --out '%s/budget' --memory-budget %.6fK",
             BEST_ARCH, root, budget / 1024);
    assert_int_equal(run_tool(args, recomputed, sizeof recomputed), 0);
    char line[128];
    snprintf(line, sizeof line, "  recomputation     %d of %d convolution outputs (the cheapest: at most", some, all);
    assert_non_null(strstr(recomputed, line));
    assert_non_null(strstr(recomputed, "to fit the memory budget"));
    /* a budget even recomputing all exceeds: refused (exit 1) with both sizes; --no-recompute with one it needs */
    snprintf(args, sizeof args, "--arch '%s' --channels 16 --cells 1 --out '%s/budget' --memory-budget %.0f",
             BEST_ARCH, root, all_bytes - 1);
    assert_int_equal(run_tool(args, recomputed, sizeof recomputed), 1);
    assert_non_null(strstr(recomputed, "even recomputing its convolution outputs, more than the memory budget of"));
    snprintf(args, sizeof args, "--arch '%s' --channels 16 --cells 1 --out '%s/budget' --memory-budget %.0f "
             "--no-recompute", BEST_ARCH, root, budget);
    assert_int_equal(run_tool(args, recomputed, sizeof recomputed), 1);
    assert_non_null(strstr(recomputed, "keeping its convolution outputs (recompute off)"));
    /* a size that is not one: bad usage */
    snprintf(args, sizeof args, "--arch '%s' --channels 16 --cells 1 --out '%s/budget' --memory-budget 12X", BEST_ARCH,
             root);
    assert_int_equal(run_tool(args, recomputed, sizeof recomputed), 2);
    assert_non_null(strstr(recomputed, "--memory-budget: expected a size in bytes"));

    /* --family gpu: the GPU family for a default GPU, in the object and in plan.json */
    snprintf(args, sizeof args, "--arch '%s' --channels 16 --cells 1 --out '%s/gpu' --json --family gpu", BEST_ARCH,
             root);
    assert_int_equal(run_tool(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"family\": \"gpu\""));
    cJSON *gj = cJSON_Parse(out);
    assert_non_null(gj);
    assert_true(cJSON_GetObjectItem(gj, "wgrad_splits")->valueint > 0); /* 2 tiles at C=16 for 16 compute units */
    assert_true(cJSON_GetObjectItem(gj, "bn_splits")->valueint > 0);     /* 16 channels for 16 compute units */
    cJSON_Delete(gj);
    snprintf(path, sizeof path, "%s/gpu/plan.json", root);
    assert_int_equal(access(path, R_OK), 0);

    /* the human summary names the numbers and the folder */
    snprintf(args, sizeof args, "--arch '%s' --channels 16 --cells 1 --out '%s/plan'", BEST_ARCH, root);
    assert_int_equal(run_tool(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "launches per step"));
    assert_non_null(strstr(out, root));
    clnas_plan_free(plan);
    scratch_dir_remove(root);
    free(root);
}

static void test_tool_errors(void **state)
{
    (void)state;
    char out[8192];
    /* node 2 lists one edge where two are expected */
    assert_int_equal(run_tool("--arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|none~1|none~2|' "
                              "--out /tmp/clnas-test-compile-never",
                              out, sizeof out),
                     1);
    assert_non_null(strstr(out, "position"));
    assert_non_null(strstr(out, "--arch"));
    assert_int_equal(run_tool("--arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|none~2|' "
                              "--height 30 --width 30 --out /tmp/clnas-test-compile-never",
                              out, sizeof out),
                     1);
    assert_non_null(strstr(out, "30x30"));
    assert_non_null(strstr(out, "multiples of 4"));
    assert_int_equal(access("/tmp/clnas-test-compile-never", F_OK), -1);
    assert_int_equal(run_tool("--arch '" BEST_ARCH "'", out, sizeof out), 2); /* no --out */
    assert_non_null(strstr(out, "--out"));
    assert_int_equal(run_tool("--arch '" BEST_ARCH "' --out /tmp/x --channels 0", out, sizeof out), 2);
    assert_non_null(strstr(out, "--channels"));
    assert_int_equal(run_tool("--bogus", out, sizeof out), 2);
    assert_int_equal(run_tool("--help", out, sizeof out), 0);
    assert_non_null(strstr(out, "--arch"));
}
#endif

/* One row per node kind, each naming its kind; a kind that fusion leaves in the launch order has a kernel
 * (lower), the ones it always removes have none; a forward kind with a gradient has a backward rule. */
static void test_op_table(void **state)
{
    (void)state;
    /* GAP and GAP_BWD lose NB201's head ReLU to fusion but keep a kernel for DARTS' head, which has none */
    static const clnas_node_kind fused_away[] = {CLNAS_NODE_RELU, CLNAS_NODE_SUM, CLNAS_NODE_RELU_BWD,
                                                 CLNAS_NODE_SGD};
    for (int k = 0; k < CLNAS_NODE_KIND_COUNT; k++) {
        const clnas_op_def *def = clnas_op_def_of((clnas_node_kind)k);
        assert_int_equal(def->kind, k);
        assert_string_not_equal(def->name, "?");
        int away = 0;
        for (size_t i = 0; i < sizeof fused_away / sizeof fused_away[0]; i++)
            away |= (int)fused_away[i] == k;
        if (away == (def->lower != NULL))
            fail_msg("%s: lower is %s", def->name, def->lower ? "set" : "missing");
        if ((def->relu_slot >= 0) != (def->fold_relu != NULL))
            fail_msg("%s: relu_slot %d without fold_relu, or the reverse", def->name, def->relu_slot);
    }
    static const clnas_node_kind differentiable[] = {
        CLNAS_NODE_RELU, CLNAS_NODE_CONV, CLNAS_NODE_BN, CLNAS_NODE_BN_CONST, CLNAS_NODE_AVGPOOL3,
        CLNAS_NODE_AVGPOOL2, CLNAS_NODE_SUM, CLNAS_NODE_GAP, CLNAS_NODE_LINEAR, CLNAS_NODE_MIXED, CLNAS_NODE_DWCONV,
        CLNAS_NODE_MAXPOOL3, CLNAS_NODE_SUBSAMPLE2, CLNAS_NODE_CONCAT, CLNAS_NODE_DROP_PATH};
    for (size_t i = 0; i < sizeof differentiable / sizeof differentiable[0]; i++)
        assert_non_null(clnas_op_def_of(differentiable[i])->backward);
    assert_string_equal(clnas_op_def_of(CLNAS_NODE_KIND_COUNT)->name, "?");
    assert_string_equal(clnas_node_kind_name(CLNAS_NODE_CONV_BWD_FILTER), "conv_backward_filter");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best_arch_stats),
        cmocka_unit_test(test_dead_edges_generate_nothing),
        cmocka_unit_test(test_all_none_compiles),
        cmocka_unit_test(test_sampled_plans),
        cmocka_unit_test(test_write_dir),
        cmocka_unit_test(test_zero_node_marked),
        cmocka_unit_test(test_op_table),
#ifdef CLNAS_TOOL_PATH
        cmocka_unit_test(test_tool_json),
        cmocka_unit_test(test_tool_errors),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
