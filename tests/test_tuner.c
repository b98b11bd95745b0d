/* clnas — the tuner (codegen/ops/op_conv_tune.c, runtime/tuner.c): tunings as text, the default variant exactly the
 * kernel the lowering emits, the kernel's source hash in the tuning signature, every candidate of every shape below
 * correct against the double reference with its output poisoned (CPU and GPU family), a wrong candidate ruled out
 * by the measurement, the choice file's variant column and its refusals, and whole networks on tuned variants
 * (results within the float tolerance), on the default variants and with CLNAS_TUNE=off (results byte-identical to
 * the untuned kernels). No timing is asserted. */
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
#include "kernel_cases.h"
#include "kernel_harness.h"
#include "model_build.h"
#include "op_conv.h"
#include "plan.h"
#include "program_cache.h"
#include "tuner.h"

/* ---- tunings as text ---- */

static void test_tuning_text(void **state)
{
    (void)state;
    clnas_error err;
    clnas_conv_tuning t;
    char text[CLNAS_CONV_TUNE_TEXT_MAX];
    assert_int_equal(clnas_conv_tuning_parse("CO_BLOCK=4 ROWS=2 LOCAL=16", &t, &err), CLNAS_OK);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.name[1], "ROWS");
    assert_int_equal(t.value[2], 16);
    clnas_conv_tuning_format(&t, text, sizeof text);
    assert_string_equal(text, "CO_BLOCK=4 ROWS=2 LOCAL=16");
    assert_int_equal(clnas_conv_tuning_parse("", &t, &err), CLNAS_OK);
    assert_int_equal(t.n, 0);
    static const char *const bad[] = {"co_block=4", "A=0",     "A=1  B=2", "A=1 A=2", "A=1x",   " A=1",
                                      "A=1 ",       "A=",      "=3",       "A=1234567", "1A=2", "ABCDEFGHIJKL=1",
                                      "A=1 B=1 C=1 D=1 E=1 F=1 G=1 H=1 I=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(clnas_conv_tuning_parse(bad[i], &t, &err), CLNAS_ERR_PARSE);
        assert_non_null(strstr(err.message, "tuning \""));
    }
}

/* ---- the variants of the lowering ---- */

/* Shapes that reach every template of both families: the CPU's row kernels (stride 1 and 2), its channel-vector
 * kernels (16 | channels), the staged, the flat (shape 4 on cpu-small) and the general weight gradient; odd sizes,
 * ReLU on load or not, accumulate or overwrite. Shape 0 also runs in float64. */
static const clnas_conv_params shapes[] = {
    /* n ci co  h  w  k  s  p relu accum split */
    {1, 1, 2, 5, 4, 3, 1, 1, 1, 0, 0},
    {2, 16, 32, 4, 5, 3, 1, 1, 1, 1, 0},
    {3, 3, 16, 7, 5, 3, 2, 1, 0, 1, 0},
    {2, 16, 16, 5, 6, 1, 1, 0, 1, 0, 0},
    {1, 8, 16, 12, 12, 3, 1, 1, 1, 0, 0},
};
#define NSHAPES ((int)(sizeof shapes / sizeof shapes[0]))

/* The GPU family's weight gradient split over pixels into 3 ranges (that pass alone has a split). */
static const clnas_conv_params split_shape = {2, 16, 32, 4, 5, 3, 1, 1, 1, 1, 3};

/* cpu-small: a CPU with the 32 KiB of local memory OpenCL guarantees, where shape 4's staged weight gradient does
 * not fit (the flat kernel instead) */
typedef enum family { FAM_CPU, FAM_CPU_SMALL, FAM_GPU, FAM_GPU_SMALL, FAMILIES } family;
static const char *const family_name[FAMILIES] = {"cpu", "cpu-small", "gpu", "gpu-small"};

static const clnas_device_profile *profile_of(family f, clnas_device_profile *p)
{
    if (f == FAM_CPU || f == FAM_CPU_SMALL) {
        clnas_device_profile_default_cpu(p);
        if (f == FAM_CPU_SMALL)
            p->local_mem_bytes = 32768;
        return p;
    }
    clnas_device_profile_default_gpu(p);
    if (f == FAM_GPU_SMALL) {
        p->max_work_group_size = 32;
        p->local_mem_bytes = 2048;
    }
    return p;
}

static const char *const pass_name[3] = {"fwd", "bwd_data", "bwd_filter"};

/* A tuning signature names the kernel's source by its hash (so a choice measured on an older kernel is not taken):
 * the same for every shape of one template, different between templates, and the hash of what the template
 * compiles to. */
static void test_signature_names_source(void **state)
{
    (void)state;
    clnas_error err;
    char sig[FAMILIES][CLNAS_GEMM_SIG_MAX], tmpl[FAMILIES][64];
    for (int f = 0; f < FAMILIES; f++) {
        clnas_device_profile prof;
        clnas_kernel_desc d;
        assert_int_equal(clnas_op_conv_bwd_filter_desc_for(&shapes[4], profile_of((family)f, &prof), &d, &err),
                         CLNAS_OK);
        clnas_conv_pass pass;
        clnas_conv_params p;
        int has = 0;
        assert_int_equal(clnas_conv_tune_target(&d, 0, &pass, &p, sig[f], sizeof sig[f], &has, &err), CLNAS_OK);
        assert_true(has);
        uint64_t h = 0;
        assert_int_equal(clnas_kernel_template_hash(d.template_name, &h, &err), CLNAS_OK);
        char want[128];
        snprintf(want, sizeof want, "tune bwd_filter %s@%08x f32 n1 ci8 co16 12x12 k3 s1 p1 relu1 acc0",
                 d.template_name, (unsigned)(h & 0xffffffffu));
        assert_string_equal(sig[f], want);
        snprintf(tmpl[f], sizeof tmpl[f], "%s", d.template_name);
    }
    /* cpu (staged), cpu-small (flat) and gpu: three templates, three hashes */
    assert_string_not_equal(tmpl[FAM_CPU], tmpl[FAM_CPU_SMALL]);
    assert_string_not_equal(strchr(sig[FAM_CPU], '@'), strchr(sig[FAM_CPU_SMALL], '@'));
    assert_string_not_equal(strchr(sig[FAM_CPU], '@'), strchr(sig[FAM_GPU], '@'));
    assert_string_equal(sig[FAM_GPU], sig[FAM_GPU_SMALL]); /* one template, the shape alone in the rest */
    uint64_t a = 0, b = 0;
    assert_int_equal(clnas_kernel_template_hash("conv2d_bwd_filter_gpu", &a, &err), CLNAS_OK);
    assert_int_equal(clnas_kernel_template_hash("conv2d_gemm_gpu", &b, &err), CLNAS_OK);
    assert_true(a != b);
    assert_int_equal(clnas_kernel_template_hash("no_such_kernel", &a, &err), CLNAS_ERR_NOT_FOUND);
}

/* The default variant is the lowering's kernel, the same with its tunables given explicitly; every candidate is a
 * different kernel; a tunable the kernel lacks and a value out of range are refused. */
static void test_default_is_the_lowering(void **state)
{
    (void)state;
    clnas_error err;
    for (int f = 0; f < FAMILIES; f++)
        for (int s = 0; s < NSHAPES; s++)
            for (int pass = 0; pass < 3; pass++) {
                clnas_device_profile prof;
                const clnas_device_profile *pp = profile_of((family)f, &prof);
                const clnas_conv_params *p = &shapes[s];
                clnas_kernel_desc lowered, tuned, again;
                clnas_conv_tuning used;
                clnas_status st = pass == 0 ? clnas_op_conv_fwd_desc_for(p, pp, &lowered, &err)
                                  : pass == 1 ? clnas_op_conv_bwd_data_desc_for(p, pp, &lowered, &err)
                                              : clnas_op_conv_bwd_filter_desc_for(p, pp, &lowered, &err);
                assert_int_equal(st, CLNAS_OK);
                assert_int_equal(clnas_op_conv_desc_tuned((clnas_conv_pass)pass, p, pp, NULL, &tuned, &used, &err),
                                 CLNAS_OK);
                assert_true(clnas_kernel_desc_same(&lowered, &tuned));
                assert_true(used.n >= 3);
                assert_int_equal(clnas_op_conv_desc_tuned((clnas_conv_pass)pass, p, pp, &used, &again, NULL, &err),
                                 CLNAS_OK);
                assert_true(clnas_kernel_desc_same(&lowered, &again));
                /* the CPU family's kernels without a profile: the plan of clnas_plan_compile */
                if (f == FAM_CPU) {
                    st = pass == 0 ? clnas_op_conv_fwd_desc(p, &again, &err)
                         : pass == 1 ? clnas_op_conv_bwd_data_desc(p, &again, &err)
                                     : clnas_op_conv_bwd_filter_desc(p, &again, &err);
                    assert_int_equal(st, CLNAS_OK);
                    assert_true(clnas_kernel_desc_same(&lowered, &again));
                }
                clnas_conv_tuning cand[CLNAS_TUNE_DEFAULT_MAX + 1];
                int n = 0;
                assert_int_equal(clnas_conv_tune_candidates((clnas_conv_pass)pass, p, pp, CLNAS_TUNE_DEFAULT_MAX + 1,
                                                            cand, &n, &err),
                                 CLNAS_OK);
                assert_true(n >= 2);
                clnas_kernel_desc d[CLNAS_TUNE_DEFAULT_MAX + 1];
                for (int i = 0; i < n; i++) {
                    assert_int_equal(clnas_op_conv_desc_tuned((clnas_conv_pass)pass, p, pp, &cand[i], &d[i], NULL,
                                                              &err),
                                     CLNAS_OK);
                    assert_true(d[i].local[0] <= pp->max_work_group_size);
                    assert_true(d[i].local_bytes[1] <= pp->local_mem_bytes);
                    for (int j = 0; j < i; j++)
                        assert_false(clnas_kernel_desc_same(&d[i], &d[j]));
                }
                assert_true(clnas_kernel_desc_same(&d[0], &lowered));
                clnas_conv_tuning extra = used;
                snprintf(extra.name[extra.n], sizeof extra.name[0], "NOPE");
                extra.value[extra.n++] = 2;
                assert_int_equal(clnas_op_conv_desc_tuned((clnas_conv_pass)pass, p, pp, &extra, &again, NULL, &err),
                                 CLNAS_ERR_INVALID_ARG);
                assert_non_null(strstr(err.message, "no tunable NOPE"));
                clnas_conv_tuning wrong = used;
                wrong.value[0] = 3; /* no block, local size or tile of any kernel takes 3 */
                assert_int_equal(clnas_op_conv_desc_tuned((clnas_conv_pass)pass, p, pp, &wrong, &again, NULL, &err),
                                 CLNAS_ERR_INVALID_ARG);
                assert_non_null(strstr(err.message, "tuning"));
            }
}

/* ---- every candidate against the double reference ---- */

static int run_candidate(kh_ctx *k, clnas_conv_pass pass, const clnas_conv_params *p, const clnas_kernel_desc *d,
                         int fp64, uint64_t seed)
{
    size_t ho = (size_t)clnas_conv_out_dim(p->h, p->ksize, p->stride, p->pad);
    size_t wo = (size_t)clnas_conv_out_dim(p->w, p->ksize, p->stride, p->pad);
    size_t nx = (size_t)p->n * p->ci * p->h * p->w, nw = (size_t)p->co * p->ci * p->ksize * p->ksize,
           ny = (size_t)p->n * p->co * ho * wo;
    double *x = kh_random(nx, seed, -1.0, 1.0), *w = kh_random(nw, seed + 1, -1.0, 1.0);
    double *dy = kh_random(ny, seed + 2, -1.0, 1.0);
    if (!fp64) /* the reference sees the inputs as the device holds them */
        for (size_t i = 0; i < nx + nw + ny; i++) {
            double *v = i < nx ? &x[i] : i < nx + nw ? &w[i - nx] : &dy[i - nx - nw];
            *v = (float)*v;
        }
    const int accum = pass != CLNAS_CONV_PASS_BWD_FILTER && p->accum;
    const size_t parts = p->split > 1 ? (size_t)p->split : 1; /* a split weight gradient's partial sums */
    size_t nout = pass == CLNAS_CONV_PASS_FWD ? ny : pass == CLNAS_CONV_PASS_BWD_DATA ? nx : nw * parts;
    double *out = kh_random(nout, seed + 3, -1.0, 1.0);
    if (!fp64)
        for (size_t i = 0; i < nout; i++)
            out[i] = (float)out[i];
    double *ref = kh_copy(out, nout);
    if (pass == CLNAS_CONV_PASS_FWD)
        clnas_ref_conv_fwd(p, x, w, ref);
    else if (pass == CLNAS_CONV_PASS_BWD_DATA)
        clnas_ref_conv_bwd_data(p, dy, w, x, ref);
    else
        clnas_ref_conv_bwd_filter(p, dy, x, ref);
    kh_arg args[CLNAS_MAX_KERNEL_ARGS] = {{0}};
    const char *names[4] = {"x", "w", "dy", pass == CLNAS_CONV_PASS_FWD ? "y" : pass == CLNAS_CONV_PASS_BWD_DATA ? "dx" : "dw"};
    double *host[4] = {x, w, dy, out};
    size_t count[4] = {nx, nw, ny, nout};
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        int slot = clnas_kernel_desc_find_arg(d, names[i]);
        if (slot >= 0) /* the output poisoned unless the kernel adds to it */
            args[slot] = (kh_arg){host[i], count[i], i == 3 && !accum, 0.0};
        else if (i == 3)
            ok = 0;
    }
    ok = ok && kh_run(k, d, fp64, args) == 0;
    if (ok) {
        char what[96];
        snprintf(what, sizeof what, "%s %s", d->entry, names[3]);
        ok = kh_close_enough(what, out, ref, nout, KH_TOL(fp64));
    }
    free(x);
    free(w);
    free(dy);
    free(out);
    free(ref);
    return ok;
}

/* Runs every candidate the tuner would try for shape p (number s: shape 0 in float64 too) of one pass on family f;
 * returns how many failed and counts the runs. */
static int check_candidates(kh_ctx *k, family f, const clnas_conv_params *p, int s, clnas_conv_pass pass,
                            cl_ulong device_local, int *runs)
{
    clnas_device_profile prof;
    const clnas_device_profile *pp = profile_of(f, &prof);
    /* the candidates the tuner would try on this device: within its local memory too (oclgrind: 32 KiB) */
    if (prof.local_mem_bytes > device_local)
        prof.local_mem_bytes = device_local;
    clnas_conv_tuning cand[CLNAS_TUNE_DEFAULT_MAX + 1];
    int n = 0, bad = 0;
    clnas_error err;
    assert_int_equal(clnas_conv_tune_candidates(pass, p, pp, CLNAS_TUNE_DEFAULT_MAX + 1, cand, &n, &err), CLNAS_OK);
    for (int i = 0; i < n; i++)
        for (int fp64 = 0; fp64 <= (s == 0 && k->has_fp64); fp64++) {
            clnas_kernel_desc d;
            assert_int_equal(clnas_op_conv_desc_tuned(pass, p, pp, &cand[i], &d, NULL, &err), CLNAS_OK);
            (*runs)++;
            if (!run_candidate(k, pass, p, &d, fp64, 100 + 10 * (uint64_t)s)) {
                char text[CLNAS_CONV_TUNE_TEXT_MAX];
                clnas_conv_tuning_format(&cand[i], text, sizeof text);
                printf("  FAILED %s shape %d %s %s %s\n", family_name[f], s, pass_name[pass], text,
                       fp64 ? "f64" : "f32");
                bad++;
            }
        }
    return bad;
}

/* Every candidate the tuner would try (CLNAS_TUNE_MAX's default) of every shape, pass and family: shapes 0..3 on the
 * CPU family, 4 on a CPU with 32 KiB of local memory, 0..2 on the default GPU, 0 on a small GPU (work-groups of 32,
 * 2 KiB), shape 0 in float64 too; and the split weight gradient (shape 5) on both GPUs. */
static void test_every_candidate_correct(void **state)
{
    (void)state;
    kh_ctx k;
    if (kh_open(&k) != 0)
        fail_msg("no OpenCL device");
    cl_ulong device_local = 0;
    assert_int_equal(clGetDeviceInfo(k.device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof device_local, &device_local, NULL),
                     CL_SUCCESS);
    static const int first_shape[FAMILIES] = {0, 4, 0, 0}, shapes_of[FAMILIES] = {4, 1, 3, 1};
    int bad = 0, runs = 0;
    for (int f = 0; f < FAMILIES; f++)
        for (int s = first_shape[f]; s < first_shape[f] + shapes_of[f]; s++)
            for (int pass = 0; pass < 3; pass++)
                bad += check_candidates(&k, (family)f, &shapes[s], s, (clnas_conv_pass)pass, device_local, &runs);
    for (int f = FAM_GPU; f < FAMILIES; f++)
        bad += check_candidates(&k, (family)f, &split_shape, NSHAPES, CLNAS_CONV_PASS_BWD_FILTER, device_local, &runs);
    printf("  %d candidate runs, %d failed\n", runs, bad);
    kh_close(&k);
    assert_int_equal(bad, 0);
}

/* ---- the measurement ---- */

typedef struct fixed_candidates {
    clnas_program_cache *cache;
    const clnas_kernel_desc *desc;
    int n;
} fixed_candidates;

static clnas_status fixed_get(void *ctx, int i, cl_kernel *kernel, const clnas_kernel_desc **desc, clnas_error *err)
{
    fixed_candidates *c = ctx;
    char *src = NULL;
    clnas_status st = clnas_kernel_source(&c->desc[i], 0, &src, err);
    if (st == CLNAS_OK)
        st = clnas_program_cache_kernel(c->cache, src, "", c->desc[i].entry, c->desc[i].entry, kernel, err);
    free(src);
    *desc = &c->desc[i];
    return st;
}

/* A wrong candidate (the ReLU not folded: differs on negative inputs) is ruled out with its reason, right ones are
 * timed; whatever wins is a right one. */
static void test_measure_rules_out_wrong(void **state)
{
    device_fixture *f = *state;
    clnas_error err;
    clnas_program_cache *cache = NULL;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    const clnas_conv_params p = {3, 4, 8, 6, 7, 3, 1, 1, 1, 0, 0};
    clnas_conv_params no_relu = p;
    no_relu.relu_in = 0;
    clnas_kernel_desc kd, cand[3];
    clnas_conv_tuning t;
    assert_int_equal(clnas_op_conv_fwd_desc(&p, &kd, &err), CLNAS_OK);
    assert_int_equal(clnas_conv_tuning_parse("CO_BLOCK=8 ROWS=1 LOCAL=16", &t, &err), CLNAS_OK);
    assert_int_equal(clnas_op_conv_desc_tuned(CLNAS_CONV_PASS_FWD, &no_relu, NULL, &t, &cand[0], NULL, &err), CLNAS_OK);
    assert_int_equal(clnas_conv_tuning_parse("CO_BLOCK=2 ROWS=2 LOCAL=8", &t, &err), CLNAS_OK);
    assert_int_equal(clnas_op_conv_desc_tuned(CLNAS_CONV_PASS_FWD, &p, NULL, &t, &cand[1], NULL, &err), CLNAS_OK);
    assert_int_equal(clnas_conv_tuning_parse("CO_BLOCK=4 ROWS=1 LOCAL=32", &t, &err), CLNAS_OK);
    assert_int_equal(clnas_op_conv_desc_tuned(CLNAS_CONV_PASS_FWD, &p, NULL, &t, &cand[2], NULL, &err), CLNAS_OK);
    char *src = NULL;
    cl_kernel k = NULL;
    assert_int_equal(clnas_kernel_source(&kd, 0, &src, &err), CLNAS_OK);
    assert_int_equal(clnas_program_cache_kernel(cache, src, "", kd.entry, kd.entry, &k, &err), CLNAS_OK);
    free(src);
    size_t count[3] = {(size_t)p.n * p.ci * p.h * p.w, (size_t)p.co * p.ci * 9, (size_t)p.n * p.co * p.h * p.w};
    fixed_candidates fc = {cache, cand, 3};
    clnas_algo_record r;
    int chosen = -7;
    assert_int_equal(clnas_algo_measure_variants(f->dev, k, &kd, 3, fixed_get, &fc, count, 2, "tune test", 0, 2, 60.0,
                                                 &chosen, &r, &err),
                     CLNAS_OK);
    printf("  %s\n", r.note);
    assert_true(chosen == -1 || chosen == 1 || chosen == 2);
    assert_int_equal(r.clblast_ok, chosen >= 0);
    assert_non_null(strstr(r.note, "tried 3 of 3 candidates"));
    assert_non_null(strstr(r.note, "1 ruled out: conv2d_fwd result differs"));
    assert_true(r.kernel_ms >= 0.0 && r.clblast_ms >= 0.0);
    /* a zero budget tries none: the default stays */
    assert_int_equal(clnas_algo_measure_variants(f->dev, k, &kd, 3, fixed_get, &fc, count, 2, "tune test", 0, 2, 1e-9,
                                                 &chosen, &r, &err),
                     CLNAS_OK);
    assert_int_equal(chosen, -1);
    assert_non_null(strstr(r.note, "tried 0 of 3"));
    clnas_program_cache_free(cache);
}

/* ---- the choice file ---- */

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_choice_file_variants(void **state)
{
    device_fixture *f = *state;
    clnas_error err;
    char path[4200];
    snprintf(path, sizeof path, "%s/algo/tune.tsv", f->dir);
    clnas_algo_choices c, back;
    clnas_algo_choices_init(&c);
    clnas_algo_choices_init(&back);
    clnas_algo_record r = {"tune fwd conv2d_fwd f32 n2 ci3 co4 5x5 k3 s1 p1 relu1 acc0", CLNAS_ALGO_KERNEL, 1.5, 1.0,
                           1, "tried 4 of 9", "CO_BLOCK=2 ROWS=2 LOCAL=32"};
    clnas_algo_record g = {"conv_fwd f32 n2 ci1 co1 1x1 k1 s1 p0 relu0 acc0", CLNAS_ALGO_CLBLAST, 1.5, 0.25, 1, "", ""};
    assert_int_equal(clnas_algo_choices_put(&c, &r, &err), CLNAS_OK);
    assert_int_equal(clnas_algo_choices_put(&c, &g, &err), CLNAS_OK);
    assert_int_equal(clnas_algo_choices_save(&c, path, &err), CLNAS_OK);
    int ignored = -1;
    assert_int_equal(clnas_algo_choices_load(&back, path, &ignored, &err), CLNAS_OK);
    assert_int_equal(ignored, 0);
    assert_string_equal(back.warning, "");
    assert_int_equal(back.count, 2);
    const clnas_algo_record *b = clnas_algo_choices_find(&back, r.sig);
    assert_non_null(b);
    assert_string_equal(b->variant, "CO_BLOCK=2 ROWS=2 LOCAL=32");
    assert_string_equal(b->note, "tried 4 of 9");
    b = clnas_algo_choices_find(&back, g.sig);
    assert_non_null(b);
    assert_string_equal(b->variant, "");
    clnas_algo_choices_free(&back);

    /* bad lines are skipped, the first one named */
    FILE *fp = fopen(path, "a");
    fputs("x f32\tkernel\t1\t2\t1\tco_block=2\t\n", fp);
    fputs("y f32\tkernel\t1\t2\t1\t\n", fp); /* 6 fields: the format before the variant column */
    fputs("z f32\tkernel\t1\t2\t1\t-\tok\n", fp);
    fclose(fp);
    assert_int_equal(clnas_algo_choices_load(&back, path, &ignored, &err), CLNAS_OK);
    assert_int_equal(ignored, 2);
    assert_int_equal(back.count, 3);
    printf("  %s\n", back.warning);
    assert_non_null(strstr(back.warning, "line 5: variant: expected - or NAME=VALUE"));
    clnas_algo_choices_free(&back);

    /* the format before this one: nothing read, and said so */
    write_file(path, "clnas-algo-choices-1\nz f32\tkernel\t1\t2\t1\t\n");
    assert_int_equal(clnas_algo_choices_load(&back, path, &ignored, &err), CLNAS_OK);
    assert_int_equal(back.count, 0);
    assert_int_equal(ignored, 1);
    printf("  %s\n", back.warning);
    assert_non_null(strstr(back.warning, "format clnas-algo-choices-1, this clnas reads clnas-algo-choices-2"));
    clnas_algo_choices_free(&back);
    write_file(path, "garbage\n");
    assert_int_equal(clnas_algo_choices_load(&back, path, &ignored, &err), CLNAS_OK);
    assert_non_null(strstr(back.warning, "line 1: expected the header clnas-algo-choices-2"));
    clnas_algo_choices_free(&back);
    clnas_algo_choices_free(&c);

    clnas_tune_config cfg;
    setenv("CLNAS_TUNE", "maybe", 1);
    assert_int_equal(clnas_tune_config_from_env(&cfg, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "CLNAS_TUNE=\"maybe\""));
    setenv("CLNAS_TUNE", "off", 1);
    setenv("CLNAS_TUNE_BUDGET", "0.5", 1);
    setenv("CLNAS_TUNE_MAX", "7", 1);
    assert_int_equal(clnas_tune_config_from_env(&cfg, &err), CLNAS_OK);
    assert_int_equal(cfg.on, 0);
    assert_int_equal(cfg.max_candidates, 7);
    assert_true(cfg.budget_s == 0.5);
    setenv("CLNAS_TUNE_MAX", "0", 1);
    assert_int_equal(clnas_tune_config_from_env(&cfg, &err), CLNAS_ERR_INVALID_ARG);
    setenv("CLNAS_TUNE_BUDGET", "-1", 1);
    unsetenv("CLNAS_TUNE_MAX");
    assert_int_equal(clnas_tune_config_from_env(&cfg, &err), CLNAS_ERR_INVALID_ARG);
    unsetenv("CLNAS_TUNE_BUDGET");
    unsetenv("CLNAS_TUNE");
    assert_int_equal(clnas_tune_config_from_env(&cfg, &err), CLNAS_OK);
    assert_int_equal(cfg.on, 1);
}

/* ---- whole networks ---- */

static const char *ARCH = "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|";

typedef struct net_result {
    double logits[30], loss, eval[30];
    double *grads;
    size_t ngrads;
    int tuned; /* plan kernels on a variant other than the default */
} net_result;

static void net_config(clnas_net_config *cfg, int channels, int size)
{
    clnas_error err;
    clnas_net_config_default(cfg);
    assert_int_equal(clnas_genotype_parse(ARCH, &cfg->genotype, &err), CLNAS_OK);
    cfg->channels = channels;
    cfg->cells = 1;
    cfg->batch = 3;
    cfg->height = cfg->width = size;
}

/* One training step's logits, loss and gradients and an evaluation of the network with CLNAS_ALGO=algo and the
 * recorded choices (may be NULL). */
static void run_net(device_fixture *f, clnas_program_cache *cache, const char *algo, const clnas_algo_choices *recorded,
                    int channels, int size, net_result *out, clnas_plan **plan_out)
{
    clnas_net_config cfg;
    clnas_error err;
    net_config(&cfg, channels, size);
    setenv("CLNAS_ALGO", algo, 1);
    clnas_model *m = NULL;
    if (clnas_model_build_with_choices(f->dev, cache, &cfg, recorded, &m, &err) != CLNAS_OK ||
        clnas_model_init(m, 11, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    unsetenv("CLNAS_ALGO");
    float x[3 * 12 * 12];
    clnas_rng rng;
    clnas_rng_seed(&rng, 3);
    for (int i = 0; i < 3 * size * size; i++)
        x[i] = (float)clnas_rng_normal(&rng);
    int32_t labels[3] = {0, 3, 9};
    assert_int_equal(clnas_model_set_batch(m, x, labels, &err), CLNAS_OK);
    assert_int_equal(clnas_model_forward(m, &err), CLNAS_OK);
    assert_int_equal(clnas_model_backward(m, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_logits(m, out->logits, &err), CLNAS_OK);
    assert_int_equal(clnas_model_read_loss(m, &out->loss, &err), CLNAS_OK);
    const clnas_plan *plan = clnas_model_plan(m);
    out->ngrads = 0;
    for (int i = 0; i < plan->nparams; i++)
        if (plan->params[i].arena == CLNAS_ARENA_PARAMS && plan->params[i].live)
            out->ngrads += plan->params[i].count;
    out->grads = malloc(out->ngrads * sizeof *out->grads);
    size_t at = 0;
    for (int i = 0; i < plan->nparams; i++) {
        const clnas_param_info *p = &plan->params[i];
        if (p->arena != CLNAS_ARENA_PARAMS || !p->live)
            continue;
        assert_int_equal(clnas_model_get_grad(m, p->name, out->grads + at, p->count, &err), CLNAS_OK);
        at += p->count;
    }
    assert_int_equal(clnas_model_eval(m, out->eval, &err), CLNAS_OK);
    clnas_executor *ex = clnas_model_executor(m);
    out->tuned = 0;
    for (int k = 0; ex->tuned && k < plan->nkernels; k++)
        out->tuned += ex->tuned[k];
    if (plan_out) {
        clnas_net_config c2;
        net_config(&c2, channels, size);
        assert_int_equal(clnas_plan_compile_for(&c2, &plan->profile, plan_out, &err), CLNAS_OK);
    }
    clnas_model_free(m);
}

/* Recorded choices for every signature of plan: the kernel against CLBlast and Winograd (nothing is measured), and
 * each tunable kernel's candidate `which` (0: the default; else the first non-default one there is). */
static int record_all(const clnas_plan *plan, int which, clnas_algo_choices *rec)
{
    clnas_error err;
    int tunable = 0;
    for (int i = 0; i < plan->ntrain + plan->neval; i++) {
        const clnas_plan_launch *l = i < plan->ntrain ? &plan->train[i] : &plan->eval[i - plan->ntrain];
        clnas_algo_record r;
        memset(&r, 0, sizeof r);
        r.algo = CLNAS_ALGO_KERNEL;
        r.kernel_ms = r.clblast_ms = -1.0;
        if (l->gemm.nsteps) {
            snprintf(r.sig, sizeof r.sig, "%s", l->gemm.sig);
            assert_int_equal(clnas_algo_choices_put(rec, &r, &err), CLNAS_OK);
        }
        const clnas_kernel_desc *kd = &plan->kernels[l->kernel].desc;
        clnas_kernel_desc alt;
        int has = 0;
        assert_int_equal(
            clnas_conv_winograd_alternative(kd, plan->config.fp64, &plan->profile, &alt, r.sig, sizeof r.sig, &has, &err),
            CLNAS_OK);
        if (has)
            assert_int_equal(clnas_algo_choices_put(rec, &r, &err), CLNAS_OK);
        clnas_conv_pass pass;
        clnas_conv_params p;
        assert_int_equal(clnas_conv_tune_target(kd, plan->config.fp64, &pass, &p, r.sig, sizeof r.sig, &has, &err),
                         CLNAS_OK);
        if (!has || clnas_algo_choices_find(rec, r.sig))
            continue;
        clnas_conv_tuning cand[4];
        int n = 0;
        assert_int_equal(clnas_conv_tune_candidates(pass, &p, &plan->profile, 4, cand, &n, &err), CLNAS_OK);
        clnas_conv_tuning_format(&cand[which && n > 1 ? 1 : 0], r.variant, sizeof r.variant);
        assert_int_equal(clnas_algo_choices_put(rec, &r, &err), CLNAS_OK);
        tunable += which && n > 1;
    }
    return tunable;
}

static int same_bytes(const net_result *a, const net_result *b)
{
    return memcmp(a->logits, b->logits, sizeof a->logits) == 0 && a->loss == b->loss &&
           memcmp(a->eval, b->eval, sizeof a->eval) == 0 && a->ngrads == b->ngrads &&
           memcmp(a->grads, b->grads, a->ngrads * sizeof *a->grads) == 0;
}

static int close_results(const net_result *t, const net_result *k)
{
    int ok = kh_close_enough("logits", t->logits, k->logits, 30, 1e-4);
    ok &= kh_close_enough("loss", &t->loss, &k->loss, 1, 1e-4);
    ok &= kh_close_enough("gradients", t->grads, k->grads, k->ngrads, 1e-4);
    ok &= kh_close_enough("eval logits", t->eval, k->eval, 30, 1e-4);
    return ok;
}

/* The network untuned (CLNAS_ALGO=kernel), on every tunable kernel's first non-default variant (recorded, so that
 * nothing is timed), on the default variants, and on non-default ones with CLNAS_TUNE=off. */
static int tuned_network(device_fixture *f, clnas_program_cache *cache, int channels, int size)
{
    net_result base, tuned, def, off;
    clnas_plan *plan = NULL;
    run_net(f, cache, "kernel", NULL, channels, size, &base, &plan);
    assert_int_equal(base.tuned, 0);
    clnas_algo_choices rec_variant, rec_default;
    clnas_algo_choices_init(&rec_variant);
    clnas_algo_choices_init(&rec_default);
    int nvar = record_all(plan, 1, &rec_variant);
    record_all(plan, 0, &rec_default);
    run_net(f, cache, "auto", &rec_variant, channels, size, &tuned, NULL);
    run_net(f, cache, "auto", &rec_default, channels, size, &def, NULL);
    setenv("CLNAS_TUNE", "off", 1);
    run_net(f, cache, "auto", &rec_variant, channels, size, &off, NULL);
    unsetenv("CLNAS_TUNE");
    printf("  %s C=%d %dx%d: %d tunable signatures, %d kernels on a variant\n", plan->profile.family ? "gpu" : "cpu",
           channels, size, size, nvar, tuned.tuned);
    assert_true(nvar >= 6);
    assert_true(tuned.tuned >= 6);
    assert_int_equal(def.tuned, 0);
    assert_int_equal(off.tuned, 0);
    int ok = close_results(&tuned, &base);
    ok &= same_bytes(&def, &base);
    ok &= same_bytes(&off, &base);
    free(base.grads);
    free(tuned.grads);
    free(def.grads);
    free(off.grads);
    clnas_algo_choices_free(&rec_variant);
    clnas_algo_choices_free(&rec_default);
    clnas_plan_free(plan);
    return ok;
}

static void test_network_tuned(void **state)
{
    device_fixture *f = *state;
    clnas_program_cache *cache = NULL;
    clnas_error err;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    int ok = tuned_network(f, cache, 4, 8);
    ok &= tuned_network(f, cache, 16, 12);
    setenv("CLNAS_FAMILY", "gpu", 1);
    ok &= tuned_network(f, cache, 4, 8);
    unsetenv("CLNAS_FAMILY");
    clnas_program_cache_free(cache);
    assert_true(ok);
}

/* The tuner measuring for real on a small network (a short budget): the choices land in the device's choice file,
 * a second executor reads them back without measuring, and the results stay within the float tolerance. */
static void test_network_measured(void **state)
{
    device_fixture *f = *state;
    clnas_program_cache *cache = NULL;
    clnas_error err;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    net_result base, first;
    clnas_plan *plan = NULL;
    run_net(f, cache, "kernel", NULL, 4, 8, &base, &plan);
    clnas_algo_choices rec;
    clnas_algo_choices_init(&rec);
    record_all(plan, 0, &rec);
    /* only the GEMM and Winograd records: the tuning signatures are left to measure */
    clnas_algo_choices others;
    clnas_algo_choices_init(&others);
    for (int i = 0; i < rec.count; i++)
        if (strncmp(rec.rec[i].sig, "tune ", 5) != 0)
            assert_int_equal(clnas_algo_choices_put(&others, &rec.rec[i], &err), CLNAS_OK);
    setenv("CLNAS_TUNE_BUDGET", "0.3", 1);
    setenv("CLNAS_TUNE_MAX", "3", 1);
    run_net(f, cache, "auto", &others, 4, 8, &first, NULL);
    assert_true(close_results(&first, &base));
    char path[4200];
    assert_int_equal(clnas_algo_choices_path(clnas_program_cache_dir(cache), &f->dev->info, path, sizeof path, &err),
                     CLNAS_OK);
    clnas_algo_choices disk;
    clnas_algo_choices_init(&disk);
    int ignored = -1, tunes = 0;
    assert_int_equal(clnas_algo_choices_load(&disk, path, &ignored, &err), CLNAS_OK);
    assert_int_equal(ignored, 0);
    for (int i = 0; i < disk.count; i++)
        if (strncmp(disk.rec[i].sig, "tune ", 5) == 0) {
            tunes++;
            assert_non_null(strstr(disk.rec[i].note, "candidates in"));
            assert_true(disk.rec[i].variant[0] != '\0');
        }
    printf("  %d tuning signatures measured and cached\n", tunes);
    assert_true(tunes >= 6);
    /* read back: the same variants, nothing measured */
    clnas_net_config cfg;
    net_config(&cfg, 4, 8);
    setenv("CLNAS_ALGO", "auto", 1);
    clnas_model *m = NULL;
    assert_int_equal(clnas_model_build_with_choices(f->dev, cache, &cfg, &others, &m, &err), CLNAS_OK);
    unsetenv("CLNAS_ALGO");
    assert_int_equal(clnas_model_executor(m)->tune_measured, 0);
    clnas_model_free(m);
    unsetenv("CLNAS_TUNE_BUDGET");
    unsetenv("CLNAS_TUNE_MAX");
    free(base.grads);
    free(first.grads);
    clnas_algo_choices_free(&disk);
    clnas_algo_choices_free(&rec);
    clnas_algo_choices_free(&others);
    clnas_plan_free(plan);
    clnas_program_cache_free(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tuning_text),
        cmocka_unit_test(test_signature_names_source),
        cmocka_unit_test(test_default_is_the_lowering),
        device_dir_unit_test(test_choice_file_variants),
        device_dir_unit_test(test_measure_rules_out_wrong),
        cmocka_unit_test(test_every_candidate_correct),
        device_dir_unit_test(test_network_tuned),
        device_dir_unit_test(test_network_measured),
    };
    /* CLNAS_TEST_FILTER (a cmocka pattern) picks tests, e.g. the candidates' kernels alone under oclgrind */
    if (getenv("CLNAS_TEST_FILTER"))
        cmocka_set_test_filter(getenv("CLNAS_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
