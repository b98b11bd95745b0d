/* clnas — the Winograd alternative in the algorithm choice: the measurement checks it against the kernel before
 * timing it (a wrong variant is rejected), a launch's Winograd alternative is found from its kernel descriptor
 * (eligible convolutions only), and a whole network gives the same logits, loss, gradients and evaluation with every
 * eligible convolution on Winograd (CLNAS_ALGO=winograd) as on the kernels. The kernels themselves are checked
 * against the double reference in test_kernels (rows conv2d_fwd_winograd, conv2d_bwd_data_winograd). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "algo_choice.h"
#include "clnas/model.h"
#include "clnas/rng.h"
#include "device_fixture.h"
#include "executor.h"
#include "kernel_harness.h"
#include "model_build.h"
#include "model_compare.h"
#include "op_conv.h"
#include "plan.h"
#include "program_cache.h"

static cl_kernel kernel_of(clnas_program_cache *cache, const clnas_kernel_desc *kd)
{
    char *src = NULL;
    cl_kernel k = NULL;
    clnas_error err;
    if (clnas_kernel_source(kd, 0, &src, &err) != CLNAS_OK ||
        clnas_program_cache_kernel(cache, src, "", kd->entry, kd->entry, &k, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    free(src);
    return k;
}

/* Found from the kernel's descriptor for 3x3 stride 1 pad 1, forward and input gradient, never otherwise. */
static void test_alternative_found(void **state)
{
    (void)state;
    clnas_error err;
    clnas_kernel_desc kd, alt;
    char sig[CLNAS_GEMM_SIG_MAX];
    int has = -1;
    clnas_conv_params p = {2, 16, 16, 7, 7, 3, 1, 1, 1, 1, 0};
    assert_int_equal(clnas_op_conv_fwd_desc(&p, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_conv_winograd_alternative(&kd, 0, NULL, &alt, sig, sizeof sig, &has, &err), CLNAS_OK);
    assert_int_equal(has, 1);
    assert_string_equal(alt.entry, "conv2d_fwd_winograd");
    char want[CLNAS_GEMM_SIG_MAX], id[CLNAS_KERNEL_TEMPLATE_ID_MAX], alt_id[CLNAS_KERNEL_TEMPLATE_ID_MAX];
    assert_int_equal(clnas_kernel_template_id(kd.template_name, id, sizeof id, &err), CLNAS_OK);
    assert_int_equal(clnas_kernel_template_id(alt.template_name, alt_id, sizeof alt_id, &err), CLNAS_OK);
    /* the Winograd kernel's hash after the pass: a changed Winograd template is measured anew */
    snprintf(want, sizeof want, "conv_fwd_winograd%s f32 n2 ci16 co16 7x7 k3 s1 p1 relu1 acc1 vs %s",
             strchr(alt_id, '@'), id);
    assert_string_equal(sig, want);
    /* against the GPU family's kernel the same convolution is another choice: measured on its own */
    clnas_device_profile gpu;
    clnas_device_profile_default_gpu(&gpu);
    clnas_kernel_desc kg;
    char sig_gpu[CLNAS_GEMM_SIG_MAX];
    assert_int_equal(clnas_op_conv_fwd_desc_for(&p, &gpu, &kg, &err), CLNAS_OK);
    assert_int_equal(clnas_conv_winograd_alternative(&kg, 0, &gpu, &alt, sig_gpu, sizeof sig_gpu, &has, &err), CLNAS_OK);
    assert_int_equal(has, 1);
    assert_string_not_equal(sig, sig_gpu);
    assert_non_null(strstr(sig_gpu, " vs conv2d_gemm_gpu@"));
    assert_int_equal(clnas_op_conv_bwd_data_desc(&p, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_conv_winograd_alternative(&kd, 1, NULL, &alt, sig, sizeof sig, &has, &err), CLNAS_OK);
    assert_int_equal(has, 1);
    assert_string_equal(alt.entry, "conv2d_bwd_data_winograd");
    assert_int_equal(alt.nargs, 4); /* dy, w, x (the ReLU mask), dx */
    assert_non_null(strstr(sig, "conv_bwd_data_winograd@"));
    assert_non_null(strstr(sig, " f64 n2 "));
    /* the weight gradient, stride 2, a 1x1 and a 3x3 without padding have none */
    assert_int_equal(clnas_op_conv_bwd_filter_desc(&p, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_conv_winograd_alternative(&kd, 0, NULL, &alt, sig, sizeof sig, &has, &err), CLNAS_OK);
    assert_int_equal(has, 0);
    const clnas_conv_params other[] = {
        {2, 16, 16, 7, 7, 3, 2, 1, 1, 0, 0}, {2, 16, 16, 7, 7, 1, 1, 0, 1, 0, 0}, {2, 16, 16, 7, 7, 3, 1, 0, 1, 0, 0}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(clnas_op_conv_fwd_desc(&other[i], &kd, &err), CLNAS_OK);
        assert_int_equal(clnas_conv_winograd_alternative(&kd, 0, NULL, &alt, sig, sizeof sig, &has, &err), CLNAS_OK);
        assert_int_equal(has, 0);
        assert_int_equal(clnas_op_conv_fwd_winograd_desc(&other[i], &alt, &err), CLNAS_ERR_UNSUPPORTED);
    }
}

/* The measurement runs both from the same contents and compares before timing: the right variant is accepted and
 * timed, a wrong one (the ReLU not folded: differs on negative inputs) is rejected with the reason. */
static void test_measure_alt(void **state)
{
    device_fixture *f = *state;
    clnas_error err;
    clnas_program_cache *cache = NULL;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    clnas_conv_params p = {3, 5, 7, 6, 9, 3, 1, 1, 1, 0, 0};
    clnas_kernel_desc kd, good, wrong;
    char sig[CLNAS_GEMM_SIG_MAX];
    int has = 0;
    assert_int_equal(clnas_op_conv_fwd_desc(&p, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_conv_winograd_alternative(&kd, 0, NULL, &good, sig, sizeof sig, &has, &err), CLNAS_OK);
    assert_int_equal(has, 1);
    clnas_conv_params no_relu = p;
    no_relu.relu_in = 0;
    assert_int_equal(clnas_op_conv_fwd_winograd_desc(&no_relu, &wrong, &err), CLNAS_OK);
    cl_kernel k = kernel_of(cache, &kd), kg = kernel_of(cache, &good), kw = kernel_of(cache, &wrong);
    size_t count[3] = {(size_t)p.n * p.ci * p.h * p.w, (size_t)p.co * p.ci * 9, (size_t)p.n * p.co * p.h * p.w};

    clnas_algo_record r;
    assert_int_equal(clnas_algo_measure_alt(f->dev, k, &kd, kg, &good, CLNAS_ALGO_WINOGRAD, count, 2, sig, 0, 2, &r,
                                            &err),
                     CLNAS_OK);
    assert_true(r.clblast_ok);
    assert_true(r.kernel_ms >= 0.0 && r.clblast_ms >= 0.0);
    assert_true(r.algo == CLNAS_ALGO_KERNEL || r.algo == CLNAS_ALGO_WINOGRAD);
    assert_string_equal(r.sig, sig);

    assert_int_equal(clnas_algo_measure_alt(f->dev, k, &kd, kw, &wrong, CLNAS_ALGO_WINOGRAD, count, 2, sig, 0, 2, &r,
                                            &err),
                     CLNAS_OK);
    assert_false(r.clblast_ok);
    assert_int_equal(r.algo, CLNAS_ALGO_KERNEL);
    assert_true(r.clblast_ms < 0.0);
    assert_non_null(strstr(r.note, "conv2d_fwd_winograd result differs"));

    /* a record of the choice survives the file: "winograd" is a valid algorithm there */
    char path[4200];
    snprintf(path, sizeof path, "%s/algo-winograd.tsv", f->dir);
    clnas_algo_choices c, back;
    clnas_algo_choices_init(&c);
    clnas_algo_choices_init(&back);
    clnas_algo_record w = {"conv_fwd_winograd f32 n1 ci1 co1 3x3 k3 s1 p1 relu0 acc0", CLNAS_ALGO_WINOGRAD, 2.0, 1.0,
                           1, "", ""};
    assert_int_equal(clnas_algo_choices_put(&c, &w, &err), CLNAS_OK);
    assert_int_equal(clnas_algo_choices_save(&c, path, &err), CLNAS_OK);
    int ignored = -1;
    assert_int_equal(clnas_algo_choices_load(&back, path, &ignored, &err), CLNAS_OK);
    assert_int_equal(ignored, 0);
    assert_int_equal(back.count, 1);
    assert_int_equal(back.rec[0].algo, CLNAS_ALGO_WINOGRAD);
    clnas_algo_choices_free(&c);
    clnas_algo_choices_free(&back);
    clnas_algo_mode mode;
    assert_int_equal(clnas_algo_mode_parse("winograd", &mode, &err), CLNAS_OK);
    assert_int_equal(mode, CLNAS_ALGO_MODE_WINOGRAD);
    clnas_program_cache_free(cache);
}

/* ---- a whole network ---- */

static const char *ARCH = "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|";

static clnas_model *model_with(device_fixture *f, clnas_program_cache *cache, const char *algo, int channels,
                               int size)
{
    clnas_net_config cfg;
    clnas_error err;
    clnas_net_config_default(&cfg);
    assert_int_equal(clnas_genotype_parse(ARCH, &cfg.genotype, &err), CLNAS_OK);
    cfg.channels = channels;
    cfg.cells = 1;
    cfg.batch = 3;
    cfg.height = cfg.width = size;
    setenv("CLNAS_ALGO", algo, 1);
    clnas_model *m = NULL;
    if (clnas_model_build(f->dev, cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 11, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    float x[3 * 12 * 12];
    clnas_rng rng;
    clnas_rng_seed(&rng, 3);
    for (int i = 0; i < 3 * size * size; i++)
        x[i] = (float)clnas_rng_normal(&rng);
    int32_t labels[3] = {0, 3, 9};
    assert_int_equal(clnas_model_set_batch(m, x, labels, &err), CLNAS_OK);
    return m;
}

static int alt_launches(const clnas_executor *ex)
{
    int n = 0;
    for (int i = 0; ex->use_alt && i < ex->plan->ntrain + ex->plan->neval; i++)
        n += ex->use_alt[i];
    return n;
}

static int same_network(device_fixture *f, clnas_program_cache *cache, int channels, int size)
{
    clnas_error err;
    clnas_model *mk = model_with(f, cache, "kernel", channels, size);
    clnas_model *mw = model_with(f, cache, "winograd", channels, size);
    assert_int_equal(alt_launches(clnas_model_executor(mk)), 0);
    /* the stem, the cells' 3x3 convolutions (forward and input gradient) and the stride-1 conv_b of the
     * reduction blocks, train and eval */
    int nalt = alt_launches(clnas_model_executor(mw));
    printf("  C=%d %dx%d: %d launches on Winograd\n", channels, size, size, nalt);
    assert_true(nalt >= 10);
    assert_int_equal(clnas_model_forward(mk, &err), CLNAS_OK);
    assert_int_equal(clnas_model_backward(mk, &err), CLNAS_OK);
    assert_int_equal(clnas_model_forward(mw, &err), CLNAS_OK);
    assert_int_equal(clnas_model_backward(mw, &err), CLNAS_OK);
    /* the logits, the loss, every gradient and the evaluation logits */
    int ok = model_compare_step(mw, mk, 1e-4, MODEL_COMPARE_EVAL, NULL);
    clnas_model_free(mk);
    clnas_model_free(mw);
    return ok;
}

/* One training step's logits, loss and every gradient, and the evaluation, agree with every eligible convolution on
 * Winograd: 8x8 (stages 8, 4, 2) and 12x12 (12, 6 and 3: edge tiles), channels below and at one 16-lane vector. */
static void test_network_winograd(void **state)
{
    device_fixture *f = *state;
    clnas_program_cache *cache = NULL;
    clnas_error err;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    int ok = same_network(f, cache, 4, 8);
    ok &= same_network(f, cache, 16, 12);
    clnas_program_cache_free(cache);
    unsetenv("CLNAS_ALGO");
    assert_true(ok);
}

int main(void)
{
    /* the algorithm choice on its own: the tuner's variants (auto mode) have test_tuner */
    setenv("CLNAS_TUNE", "off", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alternative_found),
        cmocka_unit_test(test_measure_alt),
        cmocka_unit_test(test_network_winograd),
    };
    return cmocka_run_group_tests(tests, device_fixture_with_dir, device_fixture_teardown);
}
