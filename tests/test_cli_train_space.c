/* clnas — `clnas train`, `eval` and `compile` on every space (issue 13): DARTS and chain networks trained for a step
 * on a tiny data directory written here, their weights evaluated from the metadata alone, --from with a hand-written
 * best.json of the darts space, DARTS' recipe in the result, and the usage errors (unknown space, a bad arch with its
 * position, DARTS' options on another space). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "scratch_dir.h"

#ifndef CLNAS_TOOL_PATH
#error "define CLNAS_TOOL_PATH as the absolute path of the built clnas program"
#endif

#define CHAIN_ARCH "conv3x3-16 | maxpool3x3 | conv1x1-16 + skip(1)"

typedef struct run {
    int status; /* exit status, -1 when it did not exit */
    char *out, *err;
} run;

static void run_free(run *r)
{
    free(r->out);
    free(r->err);
}

/* `clnas ARGS` in dir (the words of args passed through the shell as written), stdout and stderr kept. */
static run clnas(const char *dir, const char *args)
{
    char cmd[8192], out[1024], err[1024];
    scratch_dir_path(out, sizeof out, dir, "stdout");
    scratch_dir_path(err, sizeof err, dir, "stderr");
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >'%s' 2>'%s'", dir, CLNAS_TOOL_PATH, args, out, err);
    int st = system(cmd);
    run r = {WIFEXITED(st) ? WEXITSTATUS(st) : -1, test_read_file(out, NULL), test_read_file(err, NULL)};
    assert_non_null(r.out);
    assert_non_null(r.err);
    if (getenv("CLNAS_TEST_VERBOSE"))
        printf("$ clnas %s\n-> %d\n%s%s", args, r.status, r.out, r.err);
    return r;
}

static void put_be32(FILE *f, uint32_t v)
{
    const unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                                (unsigned char)v};
    assert_int_equal(fwrite(b, 1, 4, f), 4);
}

/* An IDX pair of count 28x28 images (seeded noise) and labels i % 10. */
static void write_idx(const char *dir, const char *images, const char *labels, int count, unsigned seed)
{
    char path[1024];
    FILE *f = fopen(scratch_dir_path(path, sizeof path, dir, images), "wb");
    assert_non_null(f);
    put_be32(f, 0x803);
    put_be32(f, (uint32_t)count);
    put_be32(f, 28);
    put_be32(f, 28);
    for (int i = 0; i < count * 28 * 28; i++) {
        seed = seed * 1103515245u + 12345u;
        fputc((int)(seed >> 24), f);
    }
    assert_int_equal(fclose(f), 0);
    f = fopen(scratch_dir_path(path, sizeof path, dir, labels), "wb");
    assert_non_null(f);
    put_be32(f, 0x801);
    put_be32(f, (uint32_t)count);
    for (int i = 0; i < count; i++)
        fputc(i % 10, f);
    assert_int_equal(fclose(f), 0);
}

/* The scratch directory with data/ (32 training, 16 test images) and run/best.json. */
static int setup(void **state)
{
    if (scratch_dir_setup(state) != 0)
        return -1;
    const char *dir = *state;
    char path[1024];
    if (system(NULL) == 0)
        return -1;
    snprintf(path, sizeof path, "mkdir -p '%s/data' '%s/run' '%s/badrun'", dir, dir, dir);
    if (system(path) != 0)
        return -1;
    char data[1024];
    scratch_dir_path(data, sizeof data, dir, "data");
    write_idx(data, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 32, 1);
    write_idx(data, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 16, 2);
    FILE *f = fopen(scratch_dir_path(path, sizeof path, dir, "run/best.json"), "w");
    assert_non_null(f);
    fputs("{\"space\": \"darts\", \"arch\": \"DARTS_V2\", \"fitness\": 0.5, \"trial\": 3}\n", f);
    assert_int_equal(fclose(f), 0);
    f = fopen(scratch_dir_path(path, sizeof path, dir, "badrun/best.json"), "w");
    assert_non_null(f);
    fputs("{\"space\": \"darts\", \"arch\": \"Genotype(normal=[('sep_conv_3x3', 0), ('bogus', 1)\"}\n", f);
    assert_int_equal(fclose(f), 0);
    return 0;
}

/* The JSON object in text (eval --result - prints its accuracy line first). */
static cJSON *json_of(const char *text)
{
    const char *brace = strchr(text, '{');
    cJSON *j = brace ? cJSON_Parse(brace) : NULL;
    if (!j)
        fail_msg("not JSON: %s", text);
    return j;
}

static double num(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!cJSON_IsNumber(v) && !cJSON_IsBool(v))
        fail_msg("no number %s", key);
    return cJSON_IsBool(v) ? (double)cJSON_IsTrue(v) : v->valuedouble;
}

static const char *str(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!cJSON_IsString(v))
        fail_msg("no string %s", key);
    return v->valuestring;
}

#define TINY "--data data --batch 8 --mean 0.5 --std 0.25 --quiet"

/* DARTS: --from a darts best.json with DARTS' recipe (batch overridden), saved; evaluated and re-trained from the
 * weights with nothing but the file; its result records the recipe. */
static void test_darts_from_best_json_recipe_and_weights(void **state)
{
    const char *dir = *state;
    run r = clnas(dir, "train --from run --channels 2 --layers 3 --recipe darts --epochs 1 " TINY
                       " --save d.safetensors --result d.json");
    if (r.status != 0)
        fail_msg("train --from (darts) exited %d: %s", r.status, r.err);
    assert_non_null(strstr(r.err, "retraining the best architecture (darts)"));
    assert_non_null(strstr(r.out, "test accuracy"));
    run_free(&r);
    char path[1024];
    char *text = test_read_file(scratch_dir_path(path, sizeof path, dir, "d.json"), NULL);
    assert_non_null(text);
    cJSON *j = json_of(text);
    assert_string_equal(str(j, "space"), "darts");
    assert_non_null(strstr(str(j, "arch"), "Genotype(normal=[('sep_conv_3x3', 0)"));
    assert_int_equal((int)num(j, "layers"), 3);
    assert_int_equal((int)num(j, "channels"), 2);
    assert_int_equal((int)num(j, "batch"), 8); /* --batch overrides the recipe's 96 */
    assert_int_equal((int)num(j, "steps"), 4); /* 32 images, batch 8, 1 epoch */
    assert_true(num(j, "lr") == 0.025 && num(j, "momentum") == 0.9 && num(j, "weight_decay") == 3e-4);
    assert_true(num(j, "nesterov") == 0 && num(j, "grad_clip") == 5 && num(j, "drop_path") == 0.2);
    assert_string_equal(str(j, "lr_schedule"), "cosine per epoch");
    const cJSON *aug = cJSON_GetObjectItemCaseSensitive(j, "augment");
    assert_true(num(aug, "crop_padding") == 4 && num(aug, "flip") == 1 && num(aug, "cutout") == 16);
    cJSON_Delete(j);
    free(text);

    r = clnas(dir, "eval --weights d.safetensors --data data --batch 8 --result -");
    if (r.status != 0)
        fail_msg("eval of darts weights exited %d: %s", r.status, r.err);
    j = json_of(r.out);
    assert_string_equal(str(j, "space"), "darts");
    assert_int_equal((int)num(j, "layers"), 3);
    assert_int_equal((int)num(j, "test_images"), 16);
    cJSON_Delete(j);
    run_free(&r);

    r = clnas(dir, "eval --weights d.safetensors --data data --batch 8 --space chain");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "darts network, not of --space chain"));
    run_free(&r);
    r = clnas(dir, "eval --weights d.safetensors --data data --batch 8 --layers 4");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "--layers 4 differs from the file's 3"));
    run_free(&r);
    r = clnas(dir, "eval --weights d.safetensors --data data --batch 8 --arch DARTS_V1");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "differs from the file's arch"));
    run_free(&r);

    r = clnas(dir, "train --init d.safetensors --steps 1 " TINY " --augment crop,flip --cutout 5 --drop-path 0.1");
    if (r.status != 0)
        fail_msg("train --init (darts) exited %d: %s", r.status, r.err);
    assert_non_null(strstr(r.err, "darts C=2 layers 3"));
    run_free(&r);
}

/* chain: trained with --channels as the stem width, saved, evaluated from the metadata alone; compile too. */
static void test_chain_train_eval_compile(void **state)
{
    const char *dir = *state;
    run r = clnas(dir, "train --space chain --arch '" CHAIN_ARCH "' --channels 4 --steps 2 " TINY
                       " --recipe darts --save c.safetensors --result c.json");
    if (r.status != 0)
        fail_msg("train (chain) exited %d: %s", r.status, r.err);
    assert_non_null(strstr(r.err, "no drop-path")); /* the recipe's drop-path is DARTS' only */
    run_free(&r);
    char path[1024];
    char *text = test_read_file(scratch_dir_path(path, sizeof path, dir, "c.json"), NULL);
    assert_non_null(text);
    cJSON *j = json_of(text);
    assert_string_equal(str(j, "space"), "chain");
    assert_string_equal(str(j, "arch"), CHAIN_ARCH);
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "drop_path"));
    cJSON_Delete(j);
    free(text);
    r = clnas(dir, "eval --weights c.safetensors --data data --batch 8 --result -");
    if (r.status != 0)
        fail_msg("eval of chain weights exited %d: %s", r.status, r.err);
    j = json_of(r.out);
    assert_string_equal(str(j, "space"), "chain");
    assert_string_equal(str(j, "arch"), CHAIN_ARCH);
    assert_int_equal((int)num(j, "channels"), 4);
    cJSON_Delete(j);
    run_free(&r);
    r = clnas(dir, "compile --space chain --arch '" CHAIN_ARCH "' --channels 4 --batch 4 --out cc --json");
    if (r.status != 0)
        fail_msg("compile (chain) exited %d: %s", r.status, r.err);
    assert_non_null(strstr(r.out, "\"launches_per_step\""));
    run_free(&r);
    r = clnas(dir, "compile --space darts --arch DARTS_V1 --channels 2 --layers 3 --batch 4 --out dc");
    if (r.status != 0)
        fail_msg("compile (darts) exited %d: %s", r.status, r.err);
    assert_non_null(strstr(r.out, "compiled DARTS_V1\n  network           darts C=2 layers 3, input 1x28x28"));
    run_free(&r);
}

/* Usage errors: exit 2 (1 for a network the config check refuses) with the message, before any kernel. */
static void test_errors(void **state)
{
    const char *dir = *state;
    static const struct {
        const char *args;
        int status;
        const char *message;
    } cases[] = {
        {"train --space bogus --arch x " TINY, 2, "unknown search space \"bogus\" (known: nb201, darts, chain)"},
        {"eval --space bogus --weights w " TINY, 2, "unknown search space \"bogus\""},
        {"compile --space bogus --arch x --out o", 2, "unknown search space \"bogus\""},
        {"train --space darts --arch \"Genotype(normal=[('sep_conv_3x3', 0), ('bogus', 1)\" " TINY, 2,
         "--arch (darts): genotype position 40: expected an op name"},
        {"train --arch DARTS_V2 " TINY, 2, "--arch (nb201): arch string position 0: expected '|'"},
        {"train --space chain --arch 'conv3x3-8' " TINY, 2, "--arch (chain): chain genotype position 8"},
        {"compile --space darts --arch 'Genotype(normal=[(' --out o", 1, "--arch: genotype position 18"},
        {"train --arch '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|' --layers 3 " TINY, 2,
         "--layers is DARTS'"},
        {"train --arch '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|' --drop-path 0.2 " TINY, 2,
         "--drop-path is DARTS'"},
        {"train --space chain --arch '" CHAIN_ARCH "' --auxiliary " TINY, 2, "--auxiliary is DARTS'"},
        {"train --space darts --arch DARTS_V2 --cells 2 " TINY, 2, "--cells is NB201's"},
        {"compile --arch '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|' --layers 3 --out o", 2,
         "--layers is DARTS'"},
        {"train --space darts --arch DARTS_V2 --layers 3 --auxiliary " TINY, 1, "auxiliary head"},
        {"train --space darts --arch DARTS_V2 --recipe fast " TINY, 2, "--recipe 'fast': expected nb201 or darts"},
        {"train --space darts --arch DARTS_V2 --augment crop,rotate " TINY, 2, "'rotate' is neither"},
        {"train --space darts --arch DARTS_V2 --lr-schedule hourly " TINY, 2, "expected step or epoch"},
        {"train --from badrun " TINY, 1, "best.json: arch: genotype position 40: expected an op name"},
        {"train --from run --space nb201 " TINY, 2, "a search of the darts space, not of --space nb201"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run r = clnas(dir, cases[i].args);
        if (r.status != cases[i].status || !strstr(r.err, cases[i].message) || strstr(r.err, "kernels ready"))
            fail_msg("clnas %s: exit %d (expected %d), stderr:\n%s(expected to hold: %s)", cases[i].args, r.status,
                     cases[i].status, r.err, cases[i].message);
        run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_errors, setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_chain_train_eval_compile, setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_darts_from_best_json_recipe_and_weights, setup, scratch_dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
