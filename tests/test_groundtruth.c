/* clnas — the ground-truth table builder: a sample of distinct classes (NB201's exactly as before, DARTS' and chain
 * genotypes drawn with repeats skipped), rows from two trainers, resume that skips the rows already written and
 * refuses a file of another sample or space (issue 14); `clnas groundtruth --space darts|chain` trains tiny proxies
 * and rank-eval --reference reads its table, proxy-check --space trains in the space (issue 13). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "space_nb201.h"
#include "groundtruth.h"
#include "scratch_dir.h"
#include "tiny_idx.h"

typedef struct fake {
    int calls, seed;
    const clnas_space_iface *space;
} fake;

/* NB201: accuracy from the cell's index and the trainer's seed, params = index; other spaces: from the canonical
 * hash */
static clnas_status fake_evaluate(void *state, const clnas_space_genotype *g_s, clnas_evaluator_result *out,
                                  clnas_error *err)
{
    (void)err;
    fake *f = state;
    f->calls++;
    memset(out, 0, sizeof *out);
    uint32_t i;
    if (!f->space || f->space == &clnas_space_nb201) {
        const clnas_genotype g = clnas_nb201_of(g_s);
        i = clnas_genotype_to_index(&g);
    } else {
        uint64_t h;
        f->space->canonical(g_s, NULL, 0, &h, NULL);
        i = (uint32_t)(h % 15625);
    }
    out->status = CLNAS_TRIAL_OK;
    out->fitness = 0.1 + 0.8 * (double)(i % 1000) / 1000.0 + 0.001 * f->seed;
    out->params = (long)i;
    out->flops = 2.0 * i / 3.0;
    return CLNAS_OK;
}

static void fake_destroy(void *state)
{
    (void)state;
}

static const clnas_evaluator_iface fake_iface = {"fake", fake_evaluate, fake_destroy, NULL, NULL};

static uint64_t hash_of(const clnas_space_iface *space, const clnas_space_genotype *g)
{
    uint64_t h = 0;
    assert_int_equal(space->canonical(g, NULL, 0, &h, NULL), CLNAS_OK);
    return h;
}

/* NB201: the sample of the code before issue 13 (a ground-truth run begun with it must resume): the FNV-1a of the
 * cell indices of all 5,390 classes for seed 1, and its first cell. */
static void test_nb201_sample_unchanged(void **unused)
{
    (void)unused;
    static clnas_space_genotype all[5390];
    clnas_error err = {0};
    assert_int_equal(clnas_groundtruth_sample(NULL, 5390, 1, all, &err), CLNAS_OK);
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 5390; i++) {
        const clnas_genotype g = clnas_nb201_of(&all[i]);
        h ^= clnas_genotype_to_index(&g);
        h *= 1099511628211ull;
    }
    assert_true(h == 0x36434a842ee74328ull);
    char text[CLNAS_SPACE_STR_MAX];
    assert_int_equal(clnas_space_nb201.format(&all[0], text, sizeof text, NULL), CLNAS_OK);
    assert_string_equal(text, "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|skip_connect~2|");
    assert_int_equal(clnas_groundtruth_sample(&clnas_space_nb201, 5391, 1, all, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "from 1 to 5390"));
}

static void test_sample_is_distinct_and_seeded(void **unused)
{
    (void)unused;
    const clnas_space_iface *spaces[] = {&clnas_space_nb201, &clnas_space_darts, &clnas_space_chain};
    enum { K = 40 };
    for (int s = 0; s < 3; s++) {
        static clnas_space_genotype a[K], b[K], c[K];
        clnas_error err = {0};
        assert_int_equal(clnas_groundtruth_sample(spaces[s], K, 1, a, &err), CLNAS_OK);
        assert_int_equal(clnas_groundtruth_sample(spaces[s], K, 1, b, &err), CLNAS_OK);
        assert_int_equal(clnas_groundtruth_sample(spaces[s], K, 2, c, &err), CLNAS_OK);
        assert_memory_equal(a, b, sizeof a);
        assert_memory_not_equal(a, c, sizeof a);
        for (int i = 0; i < K; i++) {
            const uint64_t hi = hash_of(spaces[s], &a[i]);
            for (int j = 0; j < i; j++)
                assert_true(hi != hash_of(spaces[s], &a[j]));
        }
        assert_int_equal(clnas_groundtruth_sample(spaces[s], 0, 1, a, &err), CLNAS_ERR_INVALID_ARG);
    }
}

static void run(const clnas_space_iface *space, const char *out, int archs, uint64_t seed, fake *f0, fake *f1,
                volatile int *stop, clnas_status want, const char *message)
{
    f0->space = f1->space = space;
    clnas_evaluator e0 = {&fake_iface, f0}, e1 = {&fake_iface, f1};
    clnas_groundtruth_config cfg = {archs, seed, {&e0, &e1}, out, stop, NULL, NULL, space};
    clnas_error err = {0};
    const clnas_status st = clnas_groundtruth_run(&cfg, &err);
    if (st != want)
        fail_msg("groundtruth_run: %d (%s), expected %d", st, err.message, want);
    if (message && !strstr(err.message, message))
        fail_msg("groundtruth_run: \"%s\", expected it to contain \"%s\"", err.message, message);
}

/* What the code before issue 13 wrote for 5 cells of seed 7 with the fake trainers: NB201 files are unchanged. */
static const char nb201_golden[] =
    "arch,hash,accuracy_seed0,accuracy_seed1,mean,params,flops\n"
    "|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_1x1~2|,d7eca1972b67b64e,"
    "0.45760000000000001,0.45860000000000001,0.45810000000000001,7447,4964.666666666667\n"
    "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|,0df183b5ea61b474,"
    "0.73840000000000006,0.73940000000000006,0.73890000000000011,9798,6532\n"
    "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|,7cb207d5245e451f,"
    "0.53839999999999999,0.53939999999999999,0.53889999999999993,15548,10365.333333333334\n"
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|,1c2163bab51b5eab,"
    "0.83120000000000005,0.83220000000000005,0.83170000000000011,10914,7276\n"
    "|none~0|+|avg_pool_3x3~0|none~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|,37bc665f7dbfbca4,"
    "0.56320000000000003,0.56420000000000003,0.56370000000000009,2579,1719.3333333333333\n";

static void test_nb201_file_unchanged(void **state)
{
    char out[600];
    snprintf(out, sizeof out, "%s/gt.csv", (const char *)*state);
    fake f0 = {0, 0, NULL}, f1 = {0, 1, NULL};
    run(NULL, out, 5, 7, &f0, &f1, NULL, CLNAS_OK, NULL);
    char *text = test_read_file(out, NULL);
    assert_string_equal(text, nb201_golden);
    free(text);
}

/* Rows, a stop and a resume that gives the same file, and a file of another sample refused, in each space. */
static void rows_and_resume(const char *dir, const clnas_space_iface *space)
{
    char out[600];
    snprintf(out, sizeof out, "%s/gt-%s.csv", dir, space->name);
    fake f0 = {0, 0, NULL}, f1 = {0, 1, NULL};
    run(space, out, 6, 4, &f0, &f1, NULL, CLNAS_OK, NULL);
    assert_int_equal(f0.calls, 6);
    assert_int_equal(f1.calls, 6);
    clnas_reference ref;
    clnas_error err = {0};
    if (clnas_reference_read(out, &ref, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_ptr_equal(ref.space, space);
    assert_int_equal(ref.n, 6);
    clnas_space_genotype sample[6];
    assert_int_equal(clnas_groundtruth_sample(space, 6, 4, sample, &err), CLNAS_OK);
    for (int i = 0; i < 6; i++) {
        const clnas_reference_row *r = &ref.rows[i];
        assert_true(clnas_space_genotype_equal(&r->arch, &sample[i]));
        assert_true(r->hash == hash_of(space, &sample[i]));
        assert_true(fabs(r->accuracy[1] - r->accuracy[0] - 0.001) < 1e-12);
        assert_true(r->mean == 0.5 * (r->accuracy[0] + r->accuracy[1]));
    }
    clnas_reference_free(&ref);
    char *full = test_read_file(out, NULL);
    if (space != &clnas_space_nb201) {
        char first[64];
        snprintf(first, sizeof first, "# space: %s\n%s\n", space->name, CLNAS_REFERENCE_HEADER);
        assert_memory_equal(full, first, strlen(first));
    }
    if (space == &clnas_space_darts) /* DARTS' strings hold commas: quoted */
        assert_non_null(strstr(full, "\n\"Genotype(normal=[('"));

    /* stopped after 2 rows, then resumed: the same file, each row trained once */
    char part[600];
    snprintf(part, sizeof part, "%s/part-%s.csv", dir, space->name);
    fake g0 = {0, 0, NULL}, g1 = {0, 1, NULL};
    volatile int stop = 0;
    run(space, part, 2, 4, &g0, &g1, &stop, CLNAS_OK, NULL); /* the first 2 of the same sample (a prefix of K = 6's) */
    run(space, part, 6, 4, &g0, &g1, &stop, CLNAS_OK, NULL);
    assert_int_equal(g0.calls, 6);
    char *resumed = test_read_file(part, NULL);
    assert_string_equal(resumed, full);
    free(resumed);

    /* a file of another sample is refused, and one of another space */
    fake h0 = {0, 0, NULL}, h1 = {0, 1, NULL};
    run(space, out, 6, 5, &h0, &h1, NULL, CLNAS_ERR_MISMATCH, "is not in the sample of 6 architectures");
    const clnas_space_iface *other = space == &clnas_space_nb201 ? &clnas_space_chain : &clnas_space_nb201;
    run(other, out, 6, 4, &h0, &h1, NULL, CLNAS_ERR_MISMATCH, other == &clnas_space_nb201 ? "a table of space" : "no \"# space: chain\" line");
    assert_int_equal(h0.calls, 0);
    free(full);
}

static void test_rows_and_resume(void **state)
{
    rows_and_resume(*state, &clnas_space_nb201);
    rows_and_resume(*state, &clnas_space_darts);
    rows_and_resume(*state, &clnas_space_chain);
}

/* 8x8 images: class c brightens row c % 8 (test_search_spaces' tiny data). */
static int pixel(int i, int k, void *ctx)
{
    (void)ctx;
    return (k / 8 == (i % 10) % 8) ? 200 : (k * 37 + i * 11) % 60;
}

/* `clnas ARGS > dir/out.txt 2>&1`: its exit status, the output into *text (malloc'ed). */
static int tool(const char *dir, const char *args, char **text)
{
    char out[700], cmd[4000];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(cmd, sizeof cmd, "'%s' %s > '%s' 2>&1", CLNAS_TOOL_PATH, args, out);
    const int rc = system(cmd);
    *text = test_read_file(out, NULL);
    assert_non_null(*text);
    assert_true(WIFEXITED(rc));
    return WEXITSTATUS(rc);
}

/* The command on a DARTS and a chain proxy of C=2 (DARTS: 3 layers) trained for one epoch on 64 tiny images: the
 * table in the space, read back, and scored by rank-eval --reference (the zero-cost proxy in the table's space). */
static void test_cli_tiny(void **state)
{
    const char *dir = *state;
    char data[700], config[700], args[3000];
    snprintf(data, sizeof data, "%s/data", dir);
    assert_int_equal(mkdir(data, 0777), 0);
    assert_int_equal(tiny_idx_write(data, "train", 96, 8, pixel, NULL), 0);
    assert_int_equal(tiny_idx_write(data, "t10k", 16, 8, pixel, NULL), 0);
    snprintf(config, sizeof config, "%s/tiny.json", dir);
    FILE *f = fopen(config, "w");
    assert_non_null(f);
    fprintf(f, "{\"name\": \"gt\", \"seed\": 5, \"dataset\": {\"dir\": \"%s\", \"validation_size\": 32, "
               "\"train_subset\": 64}, \"proxy\": {\"channels\": 2, \"layers\": 3, \"batch\": 16, \"epochs\": 1}}\n",
            data);
    fclose(f);
    const clnas_space_iface *spaces[] = {&clnas_space_darts, &clnas_space_chain};
    for (int s = 0; s < 2; s++) {
        char out[700], *text = NULL;
        snprintf(out, sizeof out, "%s/gt-%s.csv", dir, spaces[s]->name);
        snprintf(args, sizeof args, "groundtruth --space %s --archs 2 --config '%s' --out '%s'", spaces[s]->name,
                 config, out);
        if (tool(dir, args, &text) != 0)
            fail_msg("clnas %s:\n%s", args, text);
        print_message("clnas %s:\n%s", args, text);
        assert_non_null(strstr(text, spaces[s]->name));
        free(text);
        clnas_reference ref;
        clnas_error err = {0};
        if (clnas_reference_read(out, &ref, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        assert_ptr_equal(ref.space, spaces[s]);
        assert_int_equal(ref.n, 2);
        for (int i = 0; i < 2; i++) {
            assert_true(ref.rows[i].accuracy[0] >= 0 && ref.rows[i].accuracy[0] <= 1);
            assert_true(ref.rows[i].params > 0 && ref.rows[i].flops > 0);
        }
        clnas_reference_free(&ref);
        /* a rerun resumes: nothing left to train */
        assert_int_equal(tool(dir, args, &text), 0);
        assert_non_null(strstr(text, "(in the file)"));
        free(text);
        snprintf(args, sizeof args, "rank-eval --reference '%s' --estimator flops --estimator zc:params --config '%s'",
                 out, config);
        if (tool(dir, args, &text) != 0)
            fail_msg("clnas %s:\n%s", args, text);
        assert_non_null(strstr(text, "zc:params"));
        free(text);
        /* proxy-check in the space: 3 architectures, two seeds each */
        snprintf(args, sizeof args, "proxy-check --space %s --archs 3 --config '%s'", spaces[s]->name, config);
        if (tool(dir, args, &text) != 0)
            fail_msg("clnas %s:\n%s", args, text);
        char want[64];
        snprintf(want, sizeof want, "proxy: space %s, C=2", spaces[s]->name);
        assert_non_null(strstr(text, want));
        assert_non_null(strstr(text, "(3 architectures)"));
        free(text);
    }
}

/* Reads DIR/<name>.csv's scores (arch,score after the header) into v; returns their number. */
static int read_scores(const char *path, double *v, int cap)
{
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    int n = 0;
    for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
        const char *comma = strrchr(l, ',');
        if (strncmp(l, "arch,", 5) != 0 && comma && n < cap)
            v[n++] = strtod(comma + 1, NULL);
    }
    free(text);
    return n;
}

/* The scores file of estimator "<prefix><run>" in scores_dir (characters other than [A-Za-z0-9_-] made '_'). */
static void scores_path(char *csv, size_t cap, const char *scores_dir, const char *prefix, const char *run)
{
    snprintf(csv, cap, "%s/%s", scores_dir, prefix);
    size_t len = strlen(csv);
    for (const char *c = run; *c && len + 1 < cap; c++)
        csv[len++] = (isalnum((unsigned char)*c) || *c == '-' || *c == '_') ? *c : '_';
    snprintf(csv + len, cap - len, ".csv");
}

/* A tiny GDAS run (C=4, one epoch of 4 steps on 64 images) scored by both rank-eval modes: --reference with
 * supernet:DIR and supernet-loss:DIR (accuracies in [0,1], minus losses finite and negative; scored in one call, the
 * same files byte for byte as scored each in a call of its own) and --supernet DIR (its rows' supernet accuracies in [0,1]); a GDAS run without a checkpoint
 * is refused saying so. The direct evaluation of one path is test_gdas_path's. */
static void gdas_supernet_estimators(const char *dir, const char *data, const char *ref)
{
    char run[700], args[3000], scores[2][700], csv[2][800], *text = NULL;
    snprintf(run, sizeof run, "%s/gdas", dir);
    snprintf(args, sizeof args, "search --config '%s/../../configs/gdas.json' --set dataset.dir='%s' "
             "--set dataset.validation_size=32 --set dataset.train_subset=64 --set proxy.channels=4 "
             "--set proxy.batch=16 --set strategy.epochs=1 --set strategy.warm_up=false --out '%s'", CLNAS_TEST_DATA,
             data, run);
    if (tool(dir, args, &text) != 0)
        fail_msg("clnas %s:\n%s", args, text);
    free(text);
    /* both estimators in one call (one evaluation of each path serves both), then each in a call of its own */
    for (int call = 0; call < 3; call++) {
        const int k = call > 0;
        snprintf(scores[k], sizeof scores[k], "%s/gdas-scores%d", dir, k);
        if (call == 0)
            snprintf(args, sizeof args, "rank-eval --reference '%s' --estimator 'supernet:%s' "
                     "--estimator 'supernet-loss:%s' --bn-batches 2 --scores '%s'", ref, run, run, scores[k]);
        else
            snprintf(args, sizeof args, "rank-eval --reference '%s' --estimator '%s:%s' --bn-batches 2 --scores '%s'",
                     ref, call == 1 ? "supernet" : "supernet-loss", run, scores[k]);
        if (tool(dir, args, &text) != 0)
            fail_msg("clnas %s:\n%s", args, text);
        print_message("clnas %s:\n%s", args, text);
        assert_non_null(strstr(text, "GDAS, trained 1 epoch(s); non-affine BatchNorm"));
        assert_non_null(strstr(text, "recalibration over 2 training batches"));
        if (call == 0) /* the supernet was loaded and its paths evaluated once */
            assert_null(strstr(strstr(text, "GDAS, trained") + 1, "GDAS, trained"));
        free(text);
    }
    for (int e = 0; e < 2; e++) {
        double v[8];
        for (int k = 0; k < 2; k++)
            scores_path(csv[k], sizeof csv[k], scores[k], e == 0 ? "supernet_" : "supernet-loss_", run);
        assert_int_equal(read_scores(csv[0], v, 8), 3);
        for (int i = 0; i < 3; i++) {
            if (e == 1)
                assert_true(v[i] < 0 && isfinite(v[i])); /* minus a cross-entropy */
            else
                assert_true(v[i] >= 0 && v[i] <= 1);
        }
        char *a = test_read_file(csv[0], NULL), *b = test_read_file(csv[1], NULL);
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(a, b); /* each path scored again: the same scores */
        free(a);
        free(b);
    }
    snprintf(args, sizeof args, "rank-eval --supernet '%s' --archs 3 --bn-batches 2", run);
    if (tool(dir, args, &text) != 0)
        fail_msg("clnas %s:\n%s", args, text);
    print_message("clnas %s:\n%s", args, text);
    assert_non_null(strstr(text, "(gdas, space nb201), 3 architectures"));
    assert_non_null(strstr(text, "Kendall tau"));
    free(text);
    char path[800];
    snprintf(path, sizeof path, "%s/rank_eval.json", run);
    text = test_read_file(path, NULL);
    assert_non_null(text);
    cJSON *json = cJSON_Parse(text), *rows = cJSON_GetObjectItem(json, "rows");
    free(text);
    assert_int_equal(cJSON_GetArraySize(rows), 3);
    for (int i = 0; i < 3; i++) {
        const cJSON *sn = cJSON_GetObjectItem(cJSON_GetArrayItem(rows, i), "supernet");
        assert_true(cJSON_IsNumber(sn) && sn->valuedouble >= 0 && sn->valuedouble <= 1);
    }
    cJSON_Delete(json);
    /* a GDAS run that has not finished an epoch has no checkpoint to score */
    snprintf(path, sizeof path, "%s/gdas/gdas_checkpoint.safetensors", dir);
    assert_int_equal(unlink(path), 0);
    if (tool(dir, args, &text) != 1)
        fail_msg("clnas %s:\n%s", args, text);
    assert_non_null(strstr(text, "no GDAS checkpoint"));
    free(text);
}

/* The NB201 estimators of a tiny run: a reference of 3 cells, a SPOS run, and rank-eval's supernet (path accuracy),
 * supernet-loss (minus the path's validation loss) and proxy estimators with their scores files; and a GDAS run's
 * supernet scored the same ways (gdas_supernet_estimators). */
static void test_cli_supernet_estimators(void **state)
{
    const char *dir = *state;
    char data[700], config[700], args[3000], ref[700], run[700], scores[700], csv[800];
    snprintf(data, sizeof data, "%s/data", dir);
    assert_int_equal(mkdir(data, 0777), 0);
    assert_int_equal(tiny_idx_write(data, "train", 96, 8, pixel, NULL), 0);
    assert_int_equal(tiny_idx_write(data, "t10k", 16, 8, pixel, NULL), 0);
    snprintf(config, sizeof config, "%s/tiny.json", dir);
    FILE *f = fopen(config, "w");
    assert_non_null(f);
    fprintf(f, "{\"name\": \"gt\", \"seed\": 5, \"dataset\": {\"dir\": \"%s\", \"validation_size\": 32, "
               "\"train_subset\": 64}, \"proxy\": {\"channels\": 2, \"cells\": 1, \"batch\": 16, \"epochs\": 1}}\n",
            data);
    fclose(f);
    char *text = NULL;
    snprintf(ref, sizeof ref, "%s/gt.csv", dir);
    snprintf(args, sizeof args, "groundtruth --archs 3 --config '%s' --out '%s'", config, ref);
    if (tool(dir, args, &text) != 0)
        fail_msg("clnas %s:\n%s", args, text);
    free(text);
    snprintf(run, sizeof run, "%s/spos", dir);
    snprintf(args, sizeof args, "search --config '%s/../../configs/spos.json' --set dataset.dir='%s' "
             "--set dataset.validation_size=32 --set dataset.train_subset=64 --set proxy.channels=2 "
             "--set proxy.batch=16 --set proxy.epochs=1 --set strategy.population=2 --set strategy.sample_size=1 "
             "--set strategy.cycles=1 --set strategy.bn_batches=1 --out '%s'", CLNAS_TEST_DATA, data, run);
    if (tool(dir, args, &text) != 0)
        fail_msg("clnas %s:\n%s", args, text);
    free(text);
    snprintf(scores, sizeof scores, "%s/scores", dir);
    snprintf(args, sizeof args, "rank-eval --reference '%s' --estimator 'supernet:%s' --estimator 'supernet-loss:%s' "
             "--estimator proxy --config '%s' --scores '%s'", ref, run, run, config, scores);
    if (tool(dir, args, &text) != 0)
        fail_msg("clnas %s:\n%s", args, text);
    print_message("clnas %s:\n%s", args, text);
    assert_non_null(strstr(text, "trained 4 steps)"));
    free(text);
    double v[8];
    for (int e = 0; e < 3; e++) {
        snprintf(csv, sizeof csv, "%s/proxy.csv", scores);
        if (e < 2) /* the file of "supernet:/path/to/spos" */
            scores_path(csv, sizeof csv, scores, e == 0 ? "supernet_" : "supernet-loss_", run);
        assert_int_equal(read_scores(csv, v, 8), 3);
        for (int i = 0; i < 3; i++) {
            if (e == 1)
                assert_true(v[i] < 0 && isfinite(v[i])); /* minus a cross-entropy */
            else
                assert_true(v[i] >= 0 && v[i] <= 1);
        }
    }
    gdas_supernet_estimators(dir, data, ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nb201_sample_unchanged),
        cmocka_unit_test(test_sample_is_distinct_and_seeded),
        scratch_dir_unit_test(test_nb201_file_unchanged),
        scratch_dir_unit_test(test_rows_and_resume),
        scratch_dir_unit_test(test_cli_tiny),
        scratch_dir_unit_test(test_cli_supernet_estimators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
