/* clnas tests — what the DARTS and GDAS search tests share: a tiny synthetic dataset, the two-epoch options with an
 * epoch counter that can stop the run, and `clnas search` run through the tool. */
#include "search_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "clnas/darts_genotype.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "darts_checkpoint.h"
#include "executor.h"
#include "model_build.h"
#include "plan.h"
#include "scratch_dir.h"
#include "text_input.h"
#include "space_iface.h"

clnas_dataset search_fixture_synthetic(int images, int hw, uint64_t seed)
{
    clnas_dataset d = {images, 1, hw, hw, 10, malloc((size_t)images * hw * hw), malloc((size_t)images)};
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (int i = 0; i < images; i++) {
        d.labels[i] = (uint8_t)(i % 10);
        for (int p = 0; p < hw * hw; p++)
            d.pixels[i * hw * hw + p] = (uint8_t)((p % 10 == d.labels[i] ? 200 : 40) + clnas_rng_below(&rng, 50));
    }
    return d;
}

void epochs_seen_count(epochs_seen *s)
{
    s->count++;
    if (s->stop_after > 0 && s->count >= s->stop_after)
        s->stop = 1;
}

clnas_darts_options search_fixture_options(int start, epochs_seen *seen,
                                           clnas_status (*on_epoch)(const clnas_darts_epoch *e, void *user,
                                                                    clnas_error *err))
{
    clnas_darts_options o;
    memset(&o, 0, sizeof o);
    o.epochs = 2;
    o.start_epoch = start;
    o.lr = 0.05;
    o.seed = 9;
    o.adam = clnas_adam_config_darts();
    o.adam.lr = 0.05; /* large enough that alpha visibly moves in a few steps */
    o.mean[0] = 0.3;
    o.std[0] = 0.3;
    o.epoch_done = on_epoch;
    o.user = seen;
    o.stop = &seen->stop;
    seen->count = start;
    return o;
}

int search_fixture_run(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int search_fixture_run_cli(const char *config, const char *sets, const char *dir, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' search --config '%s/../../configs/%s' %s --out '%s/run' 2>&1", CLNAS_TOOL_PATH,
             CLNAS_TEST_DATA, config, sets, dir);
    int status = search_fixture_run(cmd, out, cap);
    printf("%s", out);
    return status;
}

cJSON *search_fixture_read_json(const char *path)
{
    char *text = NULL;
    size_t n = 0;
    clnas_error err;
    if (clnas_file_read_text(path, 1 << 24, &text, &n, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    cJSON *j = cJSON_ParseWithLength(text, n);
    free(text);
    if (!j)
        fail_msg("%s: not JSON", path);
    return j;
}

void search_fixture_assert_best_darts(const char *dir, char *arch, size_t cap)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/run/best.json", dir);
    cJSON *best = search_fixture_read_json(path);
    const cJSON *space = cJSON_GetObjectItemCaseSensitive(best, "space");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(best, "arch");
    assert_true(cJSON_IsString(space) && cJSON_IsString(a));
    assert_string_equal(space->valuestring, "darts");
    clnas_darts_genotype g;
    clnas_error err;
    if (clnas_darts_genotype_parse(a->valuestring, &g, &err) != CLNAS_OK)
        fail_msg("best.json arch %s: %s", a->valuestring, err.message);
    snprintf(arch, cap, "%s", a->valuestring);
    cJSON_Delete(best);
}

clnas_journal_entry *search_fixture_journal_darts(const char *dir, int *n)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/run/journal.jsonl", dir);
    clnas_journal_entry *entries = NULL;
    int torn = 0;
    size_t good = 0;
    clnas_error err;
    *n = 0;
    if (clnas_journal_read_space(path, &clnas_space_darts, &entries, n, &torn, &good, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return entries;
}

double search_fixture_alpha_moved(const clnas_alpha *from, const clnas_alpha *to)
{
    double moved = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int k = 0; k < CLNAS_NB201_OPS; k++)
            moved = fmax(moved, fabs(to->alpha[e][k] - from->alpha[e][k]));
    return moved;
}

void search_fixture_assert_no_journal(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/run/journal.jsonl", dir);
    assert_int_not_equal(access(path, F_OK), 0);
}

void search_fixture_assert_too_large(const char *config, const char *network, const char *dir, char *out,
                                     size_t cap)
{
    const char *too_large = "--set proxy.channels=256 --set proxy.batch=4096";
    assert_int_equal(search_fixture_run_cli(config, too_large, dir, out, cap), 1);
    char needs[64];
    snprintf(needs, sizeof needs, "the %s search network needs", network);
    assert_non_null(strstr(out, needs));
    assert_non_null(strstr(out, "fewer channels (proxy.channels 256)"));
    search_fixture_assert_no_journal(dir);
}

void search_fixture_checkpoint_round_trip(clnas_model *from, clnas_model *to, clnas_alpha *alpha)
{
    char *dir = scratch_dir_new("darts-checkpoint");
    assert_non_null(dir);
    char path[1100];
    scratch_dir_path(path, sizeof path, dir, "darts_checkpoint.safetensors");
    clnas_darts_net saved = {from, NULL, "DARTS"}, fresh = {to, NULL, "DARTS"};
    clnas_error err;
    int epochs = 0;
    if (clnas_darts_checkpoint_save(path, &saved, alpha, 1, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    memset(alpha, 0, sizeof *alpha);
    if (clnas_darts_checkpoint_load(path, &fresh, alpha, &epochs, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(epochs, 1);
    scratch_dir_remove(dir);
    free(dir);
}

static double *read_params(clnas_model *m, size_t *n)
{
    const clnas_plan *plan = clnas_model_plan(m);
    *n = plan->arena_elems[CLNAS_ARENA_PARAMS];
    double *v = malloc(*n * sizeof *v + 1);
    clnas_error err;
    assert_int_equal(clnas_executor_read(clnas_model_executor(m), CLNAS_ARENA_PARAMS, 0, v, *n, &err), CLNAS_OK);
    return v;
}

void search_fixture_assert_same_end(clnas_model *a, const clnas_alpha *alpha_a, clnas_model *b,
                                    const clnas_alpha *alpha_b)
{
    assert_memory_equal(alpha_b->alpha, alpha_a->alpha, sizeof alpha_a->alpha);
    assert_memory_equal(alpha_b->adam_v, alpha_a->adam_v, sizeof alpha_a->adam_v);
    size_t na, nb;
    double *pa = read_params(a, &na), *pb = read_params(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(pa, pb, na * sizeof *pa);
    free(pa);
    free(pb);
}
