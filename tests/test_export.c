/* clnas — `clnas export` (issue 13): the module file it writes runs with plain PyTorch and gives clnas's eval logits
 * (NB201, trained here) and the DARTS reference sets' logits (tests/data/darts); parameter counts equal DARTS'
 * published ones; bad requests are refused with messages that say why and write nothing. The Python checks are
 * skipped, saying why, where no python3 can import torch (CI installs python3-torch). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "clnas/chain_genotype.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "clnas/safetensors.h"
#include "device_fixture.h"
#include "model_build.h"
#include "pytorch_export.h"
#include "scratch_dir.h"
#include "small_net.h"

#ifndef CLNAS_TOOL_PATH
#error "define CLNAS_TOOL_PATH as the absolute path of the built clnas program"
#endif

#define CHECK_SCRIPT CLNAS_TEST_DATA "/../export_check.py"
#define DARTS_SETS CLNAS_TEST_DATA "/darts"
#define NB201_ARCH "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|"
#define SIDE 12
#define BATCH 32 /* test_train's network: kernels shared */
#define CLASSES 10

/* The DARTS reference sets: folder, genotype name, trained parameters (meta.json n_params). */
static const struct {
    const char *set, *genotype;
    long long params;
} darts_sets[] = {
    {"a_darts_v2_c4_l5_1x28x28_b3", "DARTS_V2", 11338},
    {"b4_darts_v1_c4_l5_3x32x32_b4_aux", "DARTS_V1", 421800},
    {"c_allops_c4_l5_1x28x28_b2_bnrand", "ALL_OPS", 14486},
};

/* argv run to completion with stdout and stderr into out_path (NULL: inherited); its exit status, 127 when it
 * could not start, 128 when it did not exit. */
static int run_argv(const char *const *argv, const char *out_path)
{
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (out_path && (!freopen(out_path, "w", stdout) || dup2(fileno(stdout), 2) < 0))
            _exit(126);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* export_check.py with args (SPACE DIR REF triples, NULL-terminated) under the first interpreter that imports torch
 * (CLNAS_PYTHON, python3 on PATH, then Debian's own: a PATH python3 of pyenv or a venv may lack torch); its exit
 * status, 77 when none imports torch. */
static int python_check(const char *const *args)
{
    const char *env = getenv("CLNAS_PYTHON");
    const char *pythons[] = {env && *env ? env : "python3", "python3", "/usr/bin/python3"};
    const char *argv[40] = {NULL, CHECK_SCRIPT};
    int n = 2;
    for (; *args && n < 39; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    for (size_t i = 0; i < sizeof pythons / sizeof pythons[0]; i++) {
        argv[0] = pythons[i];
        int rc = run_argv(argv, NULL);
        if (rc != 77 && rc != 127)
            return rc;
    }
    return 77;
}

/* python_check's verdict: skip (saying why) at 77, fail at anything else but 0. */
static void python_verdict(int rc)
{
    if (rc == 77) {
        printf("skipped: no python3 here imports torch (install python3-torch, or set CLNAS_PYTHON)\n");
        skip();
    }
    if (rc != 0)
        fail_msg("%s: exit %d: an exported module disagrees (output above)", CHECK_SCRIPT, rc);
}

static clnas_export_request darts_request(const char *genotype, const char *weights, const char *out_dir)
{
    clnas_export_request req = {.space = CLNAS_EXPORT_DARTS, .arch = genotype, .weights = weights,
                                .auxiliary = -1, .out_dir = out_dir};
    return req;
}

/* The parameter counts of the DARTS reference README (DARTS: 3.3M, PC-DARTS: 3.6M at C=36, 20 layers). */
static void test_darts_param_counts(void **state)
{
    const char *dir = *state;
    static const struct {
        const char *genotype;
        int channels, layers, in_channels;
        long long params;
    } cases[] = {
        {"DARTS_V2", 36, 20, 3, 3349342},
        {"PC_DARTS", 36, 20, 3, 3634678},
        {"DARTS_V1", 36, 20, 3, 3169414},
        {"DARTS_V2", 16, 8, 1, 245242},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clnas_export_request req = darts_request(cases[i].genotype, NULL, dir);
        req.channels = cases[i].channels;
        req.depth = cases[i].layers;
        req.in_channels = cases[i].in_channels;
        clnas_export_result res;
        clnas_error err;
        if (clnas_export_pytorch(&req, &res, &err) != CLNAS_OK)
            fail_msg("%s: %s", cases[i].genotype, err.message);
        assert_int_equal(res.params, cases[i].params);
        assert_int_equal(res.weights_path[0], '\0');
    }
}

/* Exports checked by one Python run (each start imports torch, seconds on a busy machine): the reference sets'
 * weights load (every name and shape of the parameter table, nothing else; sizes from the tensors' shapes) and give
 * the reference logits in training and eval mode; NB201 and DARTS (auxiliary head) without weights pass their
 * self-checks with PyTorch's initialisation. */
static void test_modules_match_references(void **state)
{
    const char *base = *state;
    static char dirs[5][4200], refs[3][4200];
    const char *args[16];
    int n = 0;
    clnas_export_result res;
    clnas_error err;
    for (size_t i = 0; i < sizeof darts_sets / sizeof darts_sets[0]; i++) {
        char weights[4200];
        snprintf(dirs[i], sizeof dirs[i], "%s/%s", base, darts_sets[i].set);
        snprintf(weights, sizeof weights, "%s/%s/weights.safetensors", DARTS_SETS, darts_sets[i].set);
        snprintf(refs[i], sizeof refs[i], "%s/%s/expected.safetensors", DARTS_SETS, darts_sets[i].set);
        clnas_export_request req = darts_request(darts_sets[i].genotype, weights, dirs[i]);
        if (clnas_export_pytorch(&req, &res, &err) != CLNAS_OK)
            fail_msg("%s: %s", darts_sets[i].set, err.message);
        assert_int_equal(res.params, darts_sets[i].params);
        assert_int_equal(res.channels, 4);
        assert_int_equal(res.depth, 5);
        assert_int_equal(res.auxiliary, i == 1);
        assert_int_equal(res.in_channels, i == 1 ? 3 : 1);
        args[n++] = "darts", args[n++] = dirs[i], args[n++] = refs[i];
    }
    snprintf(dirs[3], sizeof dirs[3], "%s/nb201", base);
    clnas_export_request nb = {.space = CLNAS_EXPORT_NB201, .arch = NB201_ARCH, .channels = 8, .depth = 2,
                               .in_channels = 3, .classes = 7, .out_dir = dirs[3]};
    if (clnas_export_pytorch(&nb, &res, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(res.height, 32);
    assert_int_equal(res.has_norm, 0);
    args[n++] = "nb201", args[n++] = dirs[3], args[n++] = "-";
    snprintf(dirs[4], sizeof dirs[4], "%s/darts-aux", base);
    clnas_export_request aux = darts_request("PC_DARTS", NULL, dirs[4]);
    aux.in_channels = 3;
    aux.auxiliary = 1;
    aux.classes = 100;
    if (clnas_export_pytorch(&aux, &res, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    args[n++] = "darts", args[n++] = dirs[4], args[n++] = "-";
    args[n] = NULL;
    python_verdict(python_check(args));
}

/* A tiny NB201 network trained two steps (running statistics away from 0 and 1), saved with a normalisation; its
 * eval logits of one batch, the input and the normalisation written to batch_path. */
static void nb201_trained(device_fixture *f, const char *weights, const char *batch_path)
{
    clnas_net_config cfg;
    small_net_config(&cfg, NB201_ARCH, 4, 1, BATCH, SIDE);
    clnas_model *m = NULL;
    clnas_error err;
    static float images[BATCH * SIDE * SIDE];
    int32_t labels[BATCH];
    double logits[BATCH * CLASSES];
    double mean[1] = {0.25}, std[1] = {0.5};
    if (clnas_model_build(f->dev, f->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    for (int s = 0; s < 3; s++) {
        small_fixed_batch(images, labels, BATCH, SIDE, 40 + (uint64_t)s);
        if (clnas_model_set_batch(m, images, labels, &err) != CLNAS_OK ||
            (s < 2 && clnas_model_step(m, 0.05, NULL, NULL, &err) != CLNAS_OK))
            fail_msg("%s", err.message);
    }
    if (clnas_model_eval(m, logits, &err) != CLNAS_OK ||
        clnas_model_save_with_norm(m, weights, mean, std, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_tensor t[4] = {
        {.name = "input", .dtype = CLNAS_DTYPE_F32, .ndim = 4, .shape = {BATCH, 1, SIDE, SIDE}, .data = images,
         .nbytes = sizeof images},
        {.name = "logits", .dtype = CLNAS_DTYPE_F64, .ndim = 2, .shape = {BATCH, CLASSES}, .data = logits,
         .nbytes = sizeof logits},
        {.name = "mean", .dtype = CLNAS_DTYPE_F64, .ndim = 1, .shape = {1}, .data = mean, .nbytes = sizeof mean},
        {.name = "std", .dtype = CLNAS_DTYPE_F64, .ndim = 1, .shape = {1}, .data = std, .nbytes = sizeof std},
    };
    assert_int_equal(clnas_safetensors_write(batch_path, t, 4, NULL, &err), CLNAS_OK);
    clnas_model_free(m);
}

/* Weights of clnas train: the arch, sizes and normalisation come from their metadata; the module's eval logits
 * equal clnas's. */
static void test_nb201_trained_logits(void **state)
{
    device_fixture *f = *state;
    char *base = scratch_dir_new("clnas-export");
    assert_non_null(base);
    char weights[4200], batch[4200], dir[4200];
    scratch_dir_path(weights, sizeof weights, base, "trained.safetensors");
    scratch_dir_path(batch, sizeof batch, base, "batch.safetensors");
    scratch_dir_path(dir, sizeof dir, base, "out/nb201");
    nb201_trained(f, weights, batch);
    clnas_export_request req = {.space = CLNAS_EXPORT_NB201, .weights = weights, .out_dir = dir};
    clnas_export_result res;
    clnas_error err;
    if (clnas_export_pytorch(&req, &res, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_string_equal(res.arch, NB201_ARCH);
    assert_int_equal(res.channels, 4);
    assert_int_equal(res.depth, 1);
    assert_int_equal(res.height, SIDE);
    assert_true(res.has_norm);
    /* a size that differs from the metadata is refused, naming what the file was saved with */
    char other[4200];
    scratch_dir_path(other, sizeof other, base, "out/other");
    clnas_export_request wide = {.space = CLNAS_EXPORT_NB201, .weights = weights, .channels = 8, .out_dir = other};
    assert_int_equal(clnas_export_pytorch(&wide, &res, &err), CLNAS_ERR_MISMATCH);
    assert_non_null(strstr(err.message, "C=4"));
    const char *args[] = {"nb201", dir, batch, NULL};
    int rc = python_check(args);
    scratch_dir_remove(base);
    free(base);
    python_verdict(rc);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Chain networks covering every op (conv at each kernel size, sepconv at both, both pools, identity), stride 2, sum
 * and concatenation skips (the stem's output among them), grey and RGB input, an odd side (halving rounds up). */
static const struct {
    const char *arch;
    int channels, in_channels, side, classes;
} chain_cases[] = {
    {"conv3x3-16 | sepconv5x5-16 | maxpool3x3 + skip(1) | avgpool3x3/s2 + cat(0,2) | identity | conv1x1-32 + cat(4) "
     "| conv7x7-16/s2 | maxpool3x3/s2",
     4, 1, 8, 10},
    {"avgpool3x3 | sepconv3x3-32/s2 + skip(0) | conv5x5-32 | maxpool3x3 + skip(2) | maxpool3x3/s2 + cat(2,3) | "
     "conv3x3-64 | identity + cat(5) | conv1x1-16",
     8, 3, 9, 5},
};

/* A chain network trained two steps (running statistics away from 0 and 1) and saved; its eval logits of one
 * batch and the input written to batch_path. */
static void chain_trained(device_fixture *f, int c, const char *weights, const char *batch_path)
{
    enum { N = 8 };
    clnas_net_config cfg;
    small_net_config(&cfg, NULL, chain_cases[c].channels, 1, N, chain_cases[c].side);
    cfg.space = CLNAS_NET_CHAIN;
    cfg.in_channels = chain_cases[c].in_channels;
    cfg.classes = chain_cases[c].classes;
    clnas_error err;
    if (clnas_chain_genotype_parse(chain_cases[c].arch, &cfg.chain_genotype, &err) != CLNAS_OK)
        fail_msg("%s: %s", chain_cases[c].arch, err.message);
    const size_t count = (size_t)N * cfg.in_channels * cfg.height * cfg.width;
    float *images = malloc(count * sizeof *images);
    double *logits = malloc((size_t)N * cfg.classes * sizeof *logits);
    int32_t labels[N];
    assert_non_null(images);
    assert_non_null(logits);
    clnas_model *m = NULL;
    if (clnas_model_build(f->dev, f->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 7, &err) != CLNAS_OK)
        fail_msg("%s: %s", chain_cases[c].arch, err.message);
    clnas_rng rng;
    clnas_rng_seed(&rng, 60 + (uint64_t)c);
    for (int s = 0; s < 3; s++) {
        for (size_t k = 0; k < count; k++)
            images[k] = (float)clnas_rng_normal(&rng);
        for (int k = 0; k < N; k++)
            labels[k] = (int32_t)(clnas_rng_next(&rng) % (uint64_t)cfg.classes);
        if (clnas_model_set_batch(m, images, labels, &err) != CLNAS_OK ||
            (s < 2 && clnas_model_step(m, 0.05, NULL, NULL, &err) != CLNAS_OK))
            fail_msg("%s", err.message);
    }
    /* the second case records an input normalisation (of its 3 channels), the first none */
    static const double mean[3] = {0.25, 0.5, 0.75}, std[3] = {0.5, 0.25, 0.125};
    if (clnas_model_eval(m, logits, &err) != CLNAS_OK ||
        clnas_model_save_with_norm(m, weights, c == 1 ? mean : NULL, c == 1 ? std : NULL, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_tensor t[2] = {
        {.name = "input", .dtype = CLNAS_DTYPE_F32, .ndim = 4,
         .shape = {N, cfg.in_channels, cfg.height, cfg.width}, .data = images, .nbytes = count * sizeof *images},
        {.name = "logits", .dtype = CLNAS_DTYPE_F64, .ndim = 2, .shape = {N, cfg.classes}, .data = logits,
         .nbytes = (size_t)N * cfg.classes * sizeof *logits},
    };
    assert_int_equal(clnas_safetensors_write(batch_path, t, 2, NULL, &err), CLNAS_OK);
    clnas_model_free(m);
    free(images);
    free(logits);
}

/* Chain weights trained by clnas: C, the input channels and the classes come from their shapes; the module's eval
 * logits equal clnas's and it counts clnas's parameters (its self-check); another genotype's weights are refused. */
static void test_chain_trained_logits(void **state)
{
    device_fixture *f = *state;
    char *base = scratch_dir_new("clnas-export-chain");
    assert_non_null(base);
    enum { CASES = sizeof chain_cases / sizeof chain_cases[0] };
    static char weights[CASES][4200], batch[CASES][4200], dir[CASES][4200];
    const char *args[3 * CASES + 1];
    int n = 0;
    for (int c = 0; c < CASES; c++) {
        char name[64];
        snprintf(name, sizeof name, "trained%d.safetensors", c);
        scratch_dir_path(weights[c], sizeof weights[c], base, name);
        snprintf(name, sizeof name, "batch%d.safetensors", c);
        scratch_dir_path(batch[c], sizeof batch[c], base, name);
        snprintf(name, sizeof name, "out/chain%d", c);
        scratch_dir_path(dir[c], sizeof dir[c], base, name);
        chain_trained(f, c, weights[c], batch[c]);
        clnas_export_request req = {.space = CLNAS_EXPORT_CHAIN, .arch = chain_cases[c].arch,
                                    .weights = weights[c], .out_dir = dir[c]};
        clnas_export_result res;
        clnas_error err;
        if (clnas_export_pytorch(&req, &res, &err) != CLNAS_OK)
            fail_msg("%s: %s", chain_cases[c].arch, err.message);
        assert_string_equal(res.arch, chain_cases[c].arch);
        assert_int_equal(res.channels, chain_cases[c].channels);
        assert_int_equal(res.in_channels, chain_cases[c].in_channels);
        assert_int_equal(res.classes, chain_cases[c].classes);
        assert_true(res.params > 0);
        /* the image size and the normalisation the weights were trained with, as NB201 exports take them */
        assert_int_equal(res.height, chain_cases[c].side);
        assert_int_equal(res.width, chain_cases[c].side);
        assert_int_equal(res.has_norm, c == 1);
        char *module = test_read_file(res.module_path, NULL);
        assert_non_null(module);
        char sizes[128];
        snprintf(sizes, sizeof sizes, "%d, %d, %d, %d, %d, %d\n", res.channels, res.depth, res.in_channels,
                 chain_cases[c].side, chain_cases[c].side, res.classes);
        assert_non_null(strstr(module, sizes));
        assert_non_null(strstr(module, c == 1 ? "MEAN, STD = [0.25, 0.5, 0.75], [0.5, 0.25, 0.125]\n"
                                              : "MEAN, STD = None, None\n"));
        free(module);
        args[n++] = "chain", args[n++] = dir[c], args[n++] = batch[c];
    }
    /* the first case's weights for the second genotype, and for the first at another C */
    char never[4200];
    scratch_dir_path(never, sizeof never, base, "out/never");
    clnas_export_request other = {.space = CLNAS_EXPORT_CHAIN, .arch = chain_cases[1].arch, .weights = weights[0],
                                  .out_dir = never};
    clnas_export_result res;
    clnas_error err;
    assert_int_not_equal(clnas_export_pytorch(&other, &res, &err), CLNAS_OK);
    print_message("another genotype's weights: %s\n", err.message);
    other.arch = chain_cases[0].arch;
    other.channels = 8;
    assert_int_not_equal(clnas_export_pytorch(&other, &res, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "'layers.0.conv.weight' has shape [4x1x3x3], expected [8x1x3x3]"));
    assert_false(exists(never));
    args[n] = NULL;
    int rc = python_check(args);
    scratch_dir_remove(base);
    free(base);
    python_verdict(rc);
}

/* `clnas export ARGS...` (NULL-terminated) with its output into dir/out.txt: it must exit rc with an output that
 * holds every one of wants (NULL-terminated). */
static void expect(const char *dir, int rc, const char *const *wants, ...)
{
    const char *argv[24] = {CLNAS_TOOL_PATH, "export"};
    int n = 2;
    va_list ap;
    va_start(ap, wants);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && n < 23;)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    char path[4200];
    scratch_dir_path(path, sizeof path, dir, "out.txt");
    int got = run_argv(argv, path);
    char *output = test_read_file(path, NULL);
    assert_non_null(output);
    if (got != rc)
        fail_msg("exit %d, expected %d; output:\n%s", got, rc, output);
    for (; *wants; wants++)
        if (!strstr(output, *wants))
            fail_msg("the output lacks \"%s\":\n%s", *wants, output);
    free(output);
}

#define WANT(...) ((const char *const[]){__VA_ARGS__, NULL})


/* Bad requests: usage errors exit 2, refused requests 1, each saying why; a refused request writes nothing. */
static void test_cli_errors(void **state)
{
    const char *dir = *state;
    char out[4200], file[4200], under_file[4200];
    const char *set_a = DARTS_SETS "/a_darts_v2_c4_l5_1x28x28_b3/weights.safetensors";
    const char *nb201 = CLNAS_TEST_DATA "/reference/nb201-best-c4n1/weights.safetensors";
    const char *nb201_arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
                             "nor_conv_3x3~2|"; /* that set's */
    const char *other_arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
                             "avg_pool_3x3~2|";
    scratch_dir_path(out, sizeof out, dir, "never");
    expect(dir, 2, WANT("--space: unknown search space \"chain2\"", "nb201, darts"), "--space", "chain2", "--arch", "x",
           "--out", out, NULL);
    expect(dir, 1, WANT("position 18", "bogus"), "--arch", "|nor_conv_3x3~0|+|bogus~0|none~1|+|none~0|none~1|none~2|",
           "--out", out, NULL);
    expect(dir, 1, WANT("position 36"), "--space", "darts", "--arch", "Genotype(normal=[('sep_conv_3x3', 0)", "--out",
           out, NULL);
    /* DARTS_V2's weights for DARTS_V1, NB201 weights for a DARTS network, another NB201 arch, another C */
    expect(dir, 1, WANT("tensor 'cells.0._ops.5.op.1.weight' is missing"), "--space", "darts", "--arch", "DARTS_V1",
           "--weights", set_a, "--out", out, NULL);
    expect(dir, 1, WANT("tensor 'stem.0.weight' is missing"), "--space", "darts", "--arch", "DARTS_V2", "--weights",
           nb201, "--out", out, NULL);
    expect(dir, 1, WANT("tensor 'cells.0.edges.3_2.conv.weight' is not a parameter of this network"), "--arch",
           other_arch, "--channels", "4", "--cells", "1", "--weights", nb201, "--out", out, NULL);
    expect(dir, 1, WANT("'stem.0.weight' has shape [12x1x3x3], expected [24x1x3x3]"), "--space", "darts", "--arch",
           "DARTS_V2", "--channels", "8", "--weights", set_a, "--out", out, NULL);
    /* sizes DARTS' network does not run at */
    expect(dir, 1, WANT("auxiliary head needs an 8 to 10 px map", "28x28 images give 7x7"), "--space", "darts",
           "--arch", "DARTS_V2", "--auxiliary", "--out", out, NULL);
    expect(dir, 1, WANT("even height and width"), "--space", "darts", "--arch", "DARTS_V2", "--height", "30", "--out",
           out, NULL);
    assert_false(exists(out)); /* nothing written by a refused request */
    /* options of the other space, missing ones */
    expect(dir, 2, WANT("takes --layers"), "--space", "darts", "--arch", "DARTS_V2", "--cells", "3", "--out", out,
           NULL);
    expect(dir, 2, WANT("--layers is for --space darts"), "--arch", NB201_ARCH, "--layers", "3", "--out", out, NULL);
    expect(dir, 2, WANT("--out DIR is required"), "--arch", NB201_ARCH, NULL);
    expect(dir, 2, WANT("--arch is required"), "--space", "darts", "--out", out, NULL);
    expect(dir, 2, WANT("--arch is required"), "--space", "chain", "--out", out, NULL);
    expect(dir, 2, WANT("--cells: a chain network's layers are its genotype's"), "--space", "chain", "--arch",
           "conv3x3-16", "--cells", "2", "--out", out, NULL);
    expect(dir, 1, WANT("output 0 has other channels than output 1"), "--space", "chain", "--arch",
           "conv1x1-16 | identity + skip(0)", "--out", out, NULL);
    expect(dir, 1, WANT("position"), "--space", "chain", "--arch", "conv4x4-16", "--out", out, NULL);
    /* an --out that cannot be made: under a regular file */
    scratch_dir_path(file, sizeof file, dir, "file");
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(under_file, sizeof under_file, "%s/sub", file);
    expect(dir, 1, WANT(under_file, "Not a directory"), "--arch", NB201_ARCH, "--out", under_file, NULL);
    /* what works: the reference set's own arch, with its weights (no metadata: the sizes given) */
    expect(dir, 0, WANT("20222 parameters", "weights.safetensors (a copy of"), "--arch", nb201_arch, "--channels", "4",
           "--cells", "1", "--height", "12", "--width", "12", "--weights", nb201, "--out", out, NULL);
    assert_true(exists(out));
    expect(dir, 0, WANT("--space nb201", "--space darts", "--space chain", "DARTS_V2"), "--help", NULL);
    expect(dir, 0, WANT("chain conv3x3-16 | maxpool3x3/s2 + cat(0) C=16, 2 layers", "1x28x28 input"), "--space",
           "chain", "--arch", "conv3x3-16 | maxpool3x3/s2 + cat(0)", "--out", out, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_darts_param_counts),
        scratch_dir_unit_test(test_modules_match_references),
        scratch_dir_unit_test(test_cli_errors),
        cmocka_unit_test_setup_teardown(test_nb201_trained_logits, device_fixture_with_cache, device_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_chain_trained_logits, device_fixture_with_cache, device_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
