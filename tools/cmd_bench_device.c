/* clnas tool — `clnas bench device`: what an OpenCL device gives training (peak FLOP/s, bandwidth, CLBlast SGEMM,
 * every NB201 op per stage, training images/s, setup time with an empty and a filled program cache) as tables or
 * one JSON object, and side by side with a result saved from another device. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_device.h"
#include "bench_report.h"
#include "cli.h"
#include "clnas/model.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clnas bench device [--device D] [--json] [--compare FILE] [--load FILE] [--channels C]\n"
            "                          [--batch B] [--cells N] [--steps S] [--warmup W] [--gemm-repeats R]\n"
            "                          [--no-clblast] [--no-cold] [--only SECTIONS]\n"
            "Measures the device for training and prints tables (--json: one JSON object with the same data on\n"
            "standard output; progress goes to standard error). Sections:\n"
            "  peak       float32 FLOP/s of independent vector FMA chains (float4/8/16, several work-group sizes;\n"
            "             the best counts) and copy bandwidth (GB/s, bytes read + written)\n"
            "  clblast    CLBlast SGEMM at the GEMM forms of the NB201 convolutions (forward, backward data,\n"
            "             backward filter): the first call is timed apart (CLBlast compiles its kernels then: tens\n"
            "             of seconds on PoCL), the figure is the best of R warm calls (default 2)\n"
            "  ops        every NB201 op's forward and backward ms and GFLOP/s per edge at each stage's shape\n"
            "             (C x H x W, 2C x H/2 x W/2, 4C x H/4 x W/4) and the reduction blocks' parts, with the\n"
            "             algorithm the executor chose (kernel, CLBlast or Winograd) and the variant the tuner chose for\n"
            "             each convolution pass (unless CLNAS_TUNE=off); launches timed one by one over S steps\n"
            "  train      training images/s of three reference cells (NB201's best, all 3x3 convs, a light one)\n"
            "  compile    a new architecture made ready to train (model + first step) with an empty program cache\n"
            "             (a fresh temporary directory: every program built, algorithms timed) and again with it\n"
            "             filled. PoCL keeps its own kernel cache (~/.cache/pocl): for a fully cold figure run with\n"
            "             POCL_CACHE_DIR set to an empty directory\n"
            "--compare FILE prints this result beside FILE (saved --json output of another run) with ratios;\n"
            "--load FILE uses a saved result instead of measuring (with --compare: compare two files).\n"
            "--no-clblast skips the SGEMM section and runs the ops with the generated kernels only\n"
            "(CLNAS_ALGO=kernel); --no-cold skips the empty-cache setup (it builds every program: minutes).\n"
            "--only SECTIONS runs only those (comma-separated: peak, clblast, ops, train, compile); the others are\n"
            "marked skipped in the result.\n"
            "Defaults: C=16, batch 256, N=1, S=3 timed steps after W=1 warm-up; a few minutes on a 2-core CPU.\n"
            "Smaller --batch/--channels/--steps make it shorter.\n");
}

typedef struct device_options {
    cli_common c;
    int json, no_clblast, no_cold, steps, warmup, gemm_repeats;
    unsigned sections; /* bits of section_names */
    const char *compare, *load;
} device_options;

static const char *const section_names[] = {"peak", "clblast", "ops", "train", "compile"};
enum { SECTION_PEAK = 1, SECTION_CLBLAST = 2, SECTION_OPS = 4, SECTION_TRAIN = 8, SECTION_COMPILE = 16 };

/* "ops,train" -> SECTION_OPS | SECTION_TRAIN; prints the error and returns -1 on an unknown name. */
static int parse_sections(const char *text, unsigned *out)
{
    *out = 0;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ",");
        size_t k = 0;
        while (k < 5 && !(strlen(section_names[k]) == n && strncmp(p, section_names[k], n) == 0))
            k++;
        if (k == 5) {
            fprintf(stderr, "clnas: --only: unknown section '%.*s' (expected peak, clblast, ops, train or compile, "
                            "comma-separated)\n", (int)n, p);
            return -1;
        }
        *out |= 1u << k;
        p += n + (p[n] == ',');
    }
    if (!*out) {
        fprintf(stderr, "clnas: --only: no section named (expected peak, clblast, ops, train or compile)\n");
        return -1;
    }
    return 0;
}

static void progress(const char *fmt, const char *what)
{
    fprintf(stderr, fmt, what);
    fflush(stderr);
}

static cJSON *device_json(const clnas_device *dev)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "name", dev->info.name);
    cJSON_AddStringToObject(d, "platform", dev->info.platform);
    cJSON_AddStringToObject(d, "vendor", dev->info.vendor);
    cJSON_AddStringToObject(d, "driver", dev->info.driver_version);
    cJSON_AddStringToObject(d, "opencl_c", dev->info.opencl_c_version);
    cJSON_AddNumberToObject(d, "compute_units", dev->info.compute_units);
    return d;
}

static clnas_status bench_peak(clnas_device *dev, clnas_program_cache *cache, cJSON *out, clnas_error *err)
{
    static const clnas_bench_fma_config configs[] = {
        {16, 8, 16}, {16, 8, 64}, {16, 16, 16}, {8, 8, 16}, {8, 16, 64}, {4, 16, 64},
    };
    cJSON *peak = cJSON_AddObjectToObject(out, "peak"), *list = cJSON_AddArrayToObject(peak, "configs");
    double best = 0.0;
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
        clnas_bench_fma_config c = configs[i];
        if (c.local > dev->info.max_work_group_size)
            c.local = dev->info.max_work_group_size;
        char name[64];
        snprintf(name, sizeof name, "float%d x %d chains, work-group %zu", c.width, c.chains, c.local);
        progress("bench device: peak, %s\n", name);
        clnas_bench_fma_result r;
        clnas_status st = clnas_bench_fma(dev, cache, &c, 0.2, &r, err);
        if (st != CLNAS_OK)
            return st;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", name);
        cJSON_AddNumberToObject(e, "width", c.width);
        cJSON_AddNumberToObject(e, "chains", c.chains);
        cJSON_AddNumberToObject(e, "local", (double)c.local);
        cJSON_AddNumberToObject(e, "global", (double)r.global);
        cJSON_AddNumberToObject(e, "gflops", r.gflops);
        cJSON_AddItemToArray(list, e);
        best = r.gflops > best ? r.gflops : best;
    }
    cJSON_AddNumberToObject(peak, "gflops", best);
    progress("bench device: %s\n", "copy bandwidth");
    clnas_bench_copy_result cr;
    clnas_status st = clnas_bench_copy(dev, cache, (size_t)64 << 20, 5, &cr, err);
    if (st != CLNAS_OK)
        return st;
    cJSON *bw = cJSON_AddObjectToObject(out, "bandwidth");
    cJSON_AddNumberToObject(bw, "bytes", (double)cr.bytes);
    cJSON_AddNumberToObject(bw, "copy_gbps", cr.gbps);
    return CLNAS_OK;
}

static clnas_status bench_clblast(clnas_device *dev, const device_options *o, cJSON *out, clnas_error *err)
{
    cJSON *cb = cJSON_AddObjectToObject(out, "clblast");
    int skip = o->no_clblast || !(o->sections & SECTION_CLBLAST);
    cJSON_AddBoolToObject(cb, "skipped", skip);
    cJSON *list = cJSON_AddArrayToObject(cb, "shapes");
    if (skip)
        return CLNAS_OK;
    clnas_bench_gemm_shape shapes[64];
    int n = clnas_bench_conv_gemm_shapes(&o->c.cfg, shapes, 64);
    for (int i = 0; i < n; i++) {
        progress("bench device: CLBlast SGEMM, %s\n", shapes[i].name);
        clnas_bench_gemm_result r;
        clnas_status st = clnas_bench_sgemm(dev, &shapes[i], o->gemm_repeats, &r, err);
        if (st != CLNAS_OK)
            return st;
        if (i == 0)
            cJSON_AddNumberToObject(cb, "first_call_seconds", r.first_seconds);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", r.shape.name);
        cJSON_AddNumberToObject(e, "m", (double)r.shape.m);
        cJSON_AddNumberToObject(e, "n", (double)r.shape.n);
        cJSON_AddNumberToObject(e, "k", (double)r.shape.k);
        cJSON_AddBoolToObject(e, "trans_a", r.shape.trans_a);
        cJSON_AddBoolToObject(e, "trans_b", r.shape.trans_b);
        cJSON_AddNumberToObject(e, "first_call_ms", 1e3 * r.first_seconds);
        cJSON_AddNumberToObject(e, "ms", 1e3 * r.seconds);
        cJSON_AddNumberToObject(e, "gflops", r.gflops);
        cJSON_AddItemToArray(list, e);
    }
    return CLNAS_OK;
}

static clnas_status bench_ops(clnas_device *dev, clnas_program_cache *cache, const device_options *o, cJSON *out,
                              clnas_error *err)
{
    progress("bench device: %s\n", "NB201 ops per stage (one network, every launch timed)");
    clnas_bench_op_result ops[CLNAS_BENCH_MAX_OPS];
    int n = 0;
    clnas_status st = clnas_bench_ops(dev, cache, &o->c.cfg, o->warmup, o->steps, ops, &n, err);
    if (st != CLNAS_OK)
        return st;
    cJSON *list = cJSON_AddArrayToObject(out, "ops");
    for (int i = 0; i < n; i++) {
        const clnas_bench_op_result *r = &ops[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", r->name);
        cJSON_AddStringToObject(e, "op", r->op);
        cJSON_AddNumberToObject(e, "stage", r->stage);
        cJSON_AddNumberToObject(e, "in_channels", r->in_channels);
        cJSON_AddNumberToObject(e, "out_channels", r->out_channels);
        cJSON_AddNumberToObject(e, "height", r->height);
        cJSON_AddNumberToObject(e, "width", r->width);
        cJSON_AddNumberToObject(e, "instances", r->instances);
        cJSON_AddNumberToObject(e, "forward_launches", r->forward_launches);
        cJSON_AddNumberToObject(e, "backward_launches", r->backward_launches);
        cJSON_AddNumberToObject(e, "forward_ms", r->forward_ms);
        cJSON_AddNumberToObject(e, "backward_ms", r->backward_ms);
        cJSON_AddNumberToObject(e, "forward_gflops", r->forward_ms > 0 ? r->forward_flop / r->forward_ms * 1e-6 : 0);
        cJSON_AddNumberToObject(e, "backward_gflops",
                                r->backward_ms > 0 ? r->backward_flop / r->backward_ms * 1e-6 : 0);
        cJSON_AddStringToObject(e, "algo", r->algo);
        cJSON_AddStringToObject(e, "variant", r->variant);
        cJSON_AddItemToArray(list, e);
    }
    return CLNAS_OK;
}

static const struct {
    const char *name, *arch;
} reference_archs[] = {
    {"best", "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"},
    {"all_3x3", "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"},
    {"light", "|skip_connect~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|"},
};

static clnas_status bench_train(clnas_device *dev, clnas_program_cache *cache, const device_options *o, cJSON *out,
                                clnas_error *err)
{
    cJSON *list = cJSON_AddArrayToObject(out, "train");
    for (size_t i = 0; i < sizeof reference_archs / sizeof reference_archs[0]; i++) {
        progress("bench device: training, %s\n", reference_archs[i].name);
        clnas_net_config cfg = o->c.cfg;
        clnas_status st = clnas_genotype_parse(reference_archs[i].arch, &cfg.genotype, err);
        clnas_bench_train_result r;
        if (st == CLNAS_OK)
            st = clnas_bench_train(dev, cache, &cfg, o->warmup, o->steps, &r, err);
        if (st != CLNAS_OK)
            return st;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", reference_archs[i].name);
        cJSON_AddStringToObject(e, "arch", reference_archs[i].arch);
        cJSON_AddNumberToObject(e, "images_per_second", r.images_per_second);
        cJSON_AddNumberToObject(e, "ms_per_step", 1e3 * r.seconds_per_step);
        cJSON_AddNumberToObject(e, "launches_per_step", r.launches_per_step);
        cJSON_AddItemToArray(list, e);
    }
    return CLNAS_OK;
}

static cJSON *setup_json(const clnas_bench_setup_result *r)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddBoolToObject(s, "skipped", 0);
    cJSON_AddNumberToObject(s, "ready_seconds", r->ready_seconds);
    cJSON_AddNumberToObject(s, "total_seconds", r->total_seconds);
    cJSON_AddNumberToObject(s, "model_seconds", r->model_seconds);
    cJSON_AddNumberToObject(s, "kernels_seconds", r->kernels_seconds);
    cJSON_AddNumberToObject(s, "algo_seconds", r->algo_seconds);
    cJSON_AddNumberToObject(s, "plan_seconds", r->plan_seconds);
    cJSON_AddNumberToObject(s, "init_seconds", r->init_seconds);
    cJSON_AddNumberToObject(s, "first_step_seconds", r->first_step_seconds);
    cJSON_AddNumberToObject(s, "step_seconds", r->step_seconds);
    cJSON_AddNumberToObject(s, "programs_built", r->cache.builds);
    cJSON_AddNumberToObject(s, "build_seconds", r->cache.build_seconds);
    cJSON_AddNumberToObject(s, "disk_hits", r->cache.disk_hits);
    cJSON_AddNumberToObject(s, "algorithms_timed", r->algo_measured);
    return s;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Cold: a fresh temporary cache directory (removed after); warm: the same directory again, filled by cold, and the
 * activation memory the cold model left in the workspace, as the next architecture of a search gets it. Without
 * cold, warm uses the user's cache after one run there has filled it. */
static clnas_status bench_compile(clnas_device *dev, const device_options *o, cJSON *out, clnas_error *err)
{
    cJSON *comp = cJSON_AddObjectToObject(out, "compile");
    clnas_net_config cfg = o->c.cfg;
    cJSON_AddStringToObject(comp, "arch", reference_archs[0].arch);
    clnas_status st = clnas_genotype_parse(reference_archs[0].arch, &cfg.genotype, err);
    char dir[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/clnas-bench-cache-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
    const char *cache_dir = NULL;
    clnas_bench_setup_result r;
    clnas_workspace *ws = NULL;
    if (st == CLNAS_OK)
        st = clnas_workspace_new(dev, &ws, err);
    if (st == CLNAS_OK && !o->no_cold) {
        if (!mkdtemp(dir)) {
            clnas_workspace_free(ws);
            return clnas_error_set(err, CLNAS_ERR_IO, "cannot create a temporary cache directory %s", dir);
        }
        cache_dir = dir;
        progress("bench device: %s\n", "setup with an empty program cache (builds every program)");
        st = clnas_bench_setup(dev, cache_dir, &cfg, ws, &r, err);
        if (st == CLNAS_OK)
            cJSON_AddItemToObject(comp, "cold", setup_json(&r));
    } else if (st == CLNAS_OK) {
        cJSON *s = cJSON_AddObjectToObject(comp, "cold");
        cJSON_AddBoolToObject(s, "skipped", 1);
        progress("bench device: %s\n", "filling the program cache for the warm setup");
        st = clnas_bench_setup(dev, NULL, &cfg, ws, &r, err);
    }
    if (st == CLNAS_OK) {
        progress("bench device: %s\n", "setup with the program cache filled");
        st = clnas_bench_setup(dev, cache_dir, &cfg, ws, &r, err);
        if (st == CLNAS_OK)
            cJSON_AddItemToObject(comp, "warm", setup_json(&r));
    }
    clnas_workspace_free(ws);
    if (cache_dir)
        nftw(cache_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return st;
}

static int parse_options(int argc, char **argv, device_options *o)
{
    memset(o, 0, sizeof *o);
    cli_common_init(&o->c);
    o->c.cfg.cells = 1;
    o->steps = 3, o->warmup = 1, o->gemm_repeats = 2;
    o->sections = SECTION_PEAK | SECTION_CLBLAST | SECTION_OPS | SECTION_TRAIN | SECTION_COMPILE;
    const char *v;
    for (int i = 2; i < argc; i++) {
        int r = cli_common_option(argc, argv, &i, &o->c);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return -1;
        } else if (strcmp(argv[i], "--json") == 0) {
            o->json = 1;
        } else if (strcmp(argv[i], "--no-clblast") == 0) {
            o->no_clblast = 1;
        } else if (strcmp(argv[i], "--no-cold") == 0) {
            o->no_cold = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--compare", &o->compare)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--only", &v)) != 0) {
            if (r < 0 || parse_sections(v, &o->sections))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--load", &o->load)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--steps", &v)) != 0) {
            if (r < 0 || cli_int("--steps", v, 1, 100000, &o->steps))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--warmup", &v)) != 0) {
            if (r < 0 || cli_int("--warmup", v, 0, 100000, &o->warmup))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--gemm-repeats", &v)) != 0) {
            if (r < 0 || cli_int("--gemm-repeats", v, 1, 1000, &o->gemm_repeats))
                return 2;
        } else {
            return cli_usage_error("bench", "unknown option '%s' for bench device", argv[i]);
        }
    }
    if (o->c.have_arch)
        return cli_usage_error("bench", "bench device measures fixed reference cells; --arch is for bench train");
    if (o->json && o->compare)
        return cli_usage_error("bench", "--json and --compare: choose one (save --json output, then --load it with "
                                        "--compare)");
    return 0;
}

static cJSON *measure(const device_options *o)
{
    clnas_device *dev = NULL;
    clnas_program_cache *cache = NULL;
    if (cli_open_device(o->c.device, &dev, &cache))
        return NULL;
    clnas_error err;
    clnas_error_clear(&err);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "format", BENCH_REPORT_FORMAT);
    cJSON_AddItemToObject(j, "device", device_json(dev));
    cJSON *set = cJSON_AddObjectToObject(j, "settings");
    cJSON_AddNumberToObject(set, "channels", o->c.cfg.channels);
    cJSON_AddNumberToObject(set, "batch", o->c.cfg.batch);
    cJSON_AddNumberToObject(set, "cells", o->c.cfg.cells);
    cJSON_AddNumberToObject(set, "steps", o->steps);
    cJSON_AddNumberToObject(set, "warmup", o->warmup);
    cJSON_AddNumberToObject(set, "height", o->c.cfg.height);
    cJSON_AddNumberToObject(set, "width", o->c.cfg.width);
    clnas_status st = clnas_net_config_check(&o->c.cfg, &err);
    if (st == CLNAS_OK && (o->sections & SECTION_PEAK)) {
        st = bench_peak(dev, cache, j, &err);
    } else if (st == CLNAS_OK) {
        cJSON *p = cJSON_AddObjectToObject(j, "peak");
        cJSON_AddBoolToObject(p, "skipped", 1);
        cJSON_AddArrayToObject(p, "configs");
        cJSON_AddBoolToObject(cJSON_AddObjectToObject(j, "bandwidth"), "skipped", 1);
    }
    if (st == CLNAS_OK)
        st = bench_clblast(dev, o, j, &err);
    if (st == CLNAS_OK && (o->sections & SECTION_OPS))
        st = bench_ops(dev, cache, o, j, &err);
    else if (st == CLNAS_OK)
        cJSON_AddArrayToObject(j, "ops");
    if (st == CLNAS_OK && (o->sections & SECTION_TRAIN))
        st = bench_train(dev, cache, o, j, &err);
    else if (st == CLNAS_OK)
        cJSON_AddArrayToObject(j, "train");
    if (st == CLNAS_OK && (o->sections & SECTION_COMPILE)) {
        st = bench_compile(dev, o, j, &err);
    } else if (st == CLNAS_OK) {
        cJSON *c = cJSON_AddObjectToObject(j, "compile");
        cJSON_AddBoolToObject(cJSON_AddObjectToObject(c, "cold"), "skipped", 1);
        cJSON_AddBoolToObject(cJSON_AddObjectToObject(c, "warm"), "skipped", 1);
    }
    clnas_program_cache_free(cache);
    clnas_device_free(dev);
    if (st != CLNAS_OK) {
        cli_fail(&err);
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

int cmd_bench_device(int argc, char **argv)
{
    device_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    cJSON *other = NULL;
    if (o.compare && !(other = bench_report_load(o.compare)))
        return 1;
    /* --no-clblast: the executor never calls CLBlast either */
    if (o.no_clblast && !o.load && setenv("CLNAS_ALGO", "kernel", 1) != 0) {
        fprintf(stderr, "clnas: cannot set CLNAS_ALGO=kernel\n");
        cJSON_Delete(other);
        return 1;
    }
    cJSON *j = o.load ? bench_report_load(o.load) : measure(&o);
    if (!j) {
        cJSON_Delete(other);
        return 1;
    }
    if (o.json) {
        char *text = cJSON_PrintUnformatted(j);
        printf("%s\n", text);
        cJSON_free(text);
    } else if (other) {
        bench_report_compare(stdout, j, o.load ? o.load : "measured now", other, o.compare);
    } else {
        bench_report_print(stdout, j);
    }
    cJSON_Delete(j);
    cJSON_Delete(other);
    return 0;
}
