/* clnas example — a search with an evaluator of the program's own: 20 random NB201 cells, each scored by a
 * function of its arch string (no training), the run written to a run directory as `clnas search` writes it.
 * Usage: custom_search [RUN_DIR]. */
#include <math.h>
#include <stdio.h>

#include "clnas/context.h"
#include "clnas/search.h"
#include "clnas/space.h"

/* A made-up fitness in 0..1: rewards 3x3 convolutions on edges that reach the output, a little less 1x1s and
 * skips; a cell whose output is always zero scores 0. A real program would train, or ask a table or a model. */
static clnas_status score(const char *arch, void *user, double *fitness, clnas_error *err)
{
    int *calls = user;
    clnas_genotype g;
    clnas_status st = clnas_genotype_parse(arch, &g, err);
    if (st != CLNAS_OK)
        return st;
    int zero[CLNAS_NB201_NODES], live[CLNAS_NB201_EDGES];
    clnas_genotype_analyse(&g, zero, live);
    double s = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        if (!live[e])
            continue;
        switch (g.ops[e]) {
        case CLNAS_OP_NOR_CONV_3X3: s += 1.0; break;
        case CLNAS_OP_NOR_CONV_1X1: s += 0.6; break;
        case CLNAS_OP_SKIP_CONNECT: s += 0.3; break;
        default: break;
        }
    }
    *fitness = zero[CLNAS_NB201_NODES - 1] ? 0.0 : s / CLNAS_NB201_EDGES;
    (*calls)++;
    return CLNAS_OK;
}

static void progress(const clnas_search_report *r, void *user)
{
    (void)user;
    printf("trial %2d/%d  %-7s %.3f  %s  best %.3f\n", r->done, r->total, r->status, r->fitness, r->arch,
           r->best_index >= 0 ? r->best_fitness : NAN);
}

static int fail(const char *what, const clnas_error *err)
{
    fprintf(stderr, "custom_search: %s: %s\n", what, err->message);
    return 1;
}

int main(int argc, char **argv)
{
    clnas_error err;
    clnas_error_clear(&err);
    /* The config `clnas search --config` would read; --set style overrides after it. */
    static const char text[] = "{\"name\": \"custom\", \"seed\": 1, \"strategy\": {\"name\": \"random\"}}";
    clnas_config *cfg = NULL;
    if (clnas_config_parse(text, "custom_search", &cfg, &err) != CLNAS_OK ||
        clnas_config_set(cfg, "strategy.trials=20", &err) != CLNAS_OK)
        return fail("config", &err);

    clnas_context *ctx = NULL;
    if (clnas_context_new(NULL, &ctx, &err) != CLNAS_OK) {
        clnas_config_free(cfg);
        return fail("opening the device", &err);
    }
    int calls = 0;
    clnas_search_params sp = clnas_search_default_params();
    sp.config = cfg;
    sp.run_dir = argc > 1 ? argv[1] : NULL;
    sp.progress = progress;
    sp.evaluate = score;
    sp.user = &calls;
    clnas_search_result res;
    clnas_status st = clnas_search_run(ctx, &sp, &res, &err);
    clnas_context_free(ctx);
    clnas_config_free(cfg);
    if (st != CLNAS_OK)
        return fail("search", &err);
    printf("%d trials (%d evaluated here) in %s\n", res.done, calls, res.run_dir);
    if (res.best_index < 0) {
        fprintf(stderr, "custom_search: no trial succeeded\n");
        return 1;
    }
    printf("best: trial %d, fitness %.3f, %s\n", res.best_index, res.best_fitness, res.best_arch);
    return 0;
}
