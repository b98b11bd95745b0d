/* clnas tool — `clnas bench device` results: checking a saved JSON object, tables, side-by-side comparison. */
#include "bench_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/status.h"
#include "text_input.h"

/* Fields every result has: dotted path and type ('n' number, 's' string, 'o' object, 'a' array of objects with a
 * string "name", 'b' boolean). Fields inside an object marked "skipped": true (a section not run) may be absent. */
static const struct {
    const char *path;
    char type;
} required[] = {
    {"format", 's'},           {"device", 'o'},          {"device.name", 's'},       {"settings", 'o'},
    {"settings.channels", 'n'}, {"settings.batch", 'n'},  {"settings.cells", 'n'},    {"peak", 'o'},
    {"peak.gflops", 'n'},       {"peak.configs", 'a'},    {"bandwidth", 'o'},         {"bandwidth.copy_gbps", 'n'},
    {"clblast", 'o'},           {"clblast.skipped", 'b'}, {"clblast.shapes", 'a'},    {"ops", 'a'},
    {"train", 'a'},             {"compile", 'o'},         {"compile.cold", 'o'},      {"compile.warm", 'o'},
};

static const cJSON *at_path(const cJSON *j, const char *path)
{
    char part[64];
    while (j && *path) {
        size_t n = strcspn(path, ".");
        snprintf(part, sizeof part, "%.*s", (int)n, path);
        j = cJSON_GetObjectItemCaseSensitive(j, part);
        path += n + (path[n] == '.');
    }
    return j;
}

static const char *type_name(char t)
{
    return t == 'n' ? "a number" : t == 's' ? "a string" : t == 'o' ? "an object" : t == 'b' ? "true or false"
                                                                                              : "an array";
}

const char *bench_report_check(const cJSON *j, char *msg, size_t cap)
{
    if (!cJSON_IsObject(j)) {
        snprintf(msg, cap, "not a JSON object (expected the output of `clnas bench device --json`)");
        return msg;
    }
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        const char *dot = strchr(required[i].path, '.');
        if (dot) {
            char parent[64];
            snprintf(parent, sizeof parent, "%.*s", (int)(dot - required[i].path), required[i].path);
            if (cJSON_IsTrue(at_path(at_path(j, parent), "skipped")) && strcmp(dot + 1, "skipped") != 0)
                continue;
        }
        const cJSON *v = at_path(j, required[i].path);
        char t = required[i].type;
        int ok = t == 'n' ? cJSON_IsNumber(v) && isfinite(v->valuedouble)
                 : t == 's' ? cJSON_IsString(v)
                 : t == 'o' ? cJSON_IsObject(v)
                 : t == 'b' ? cJSON_IsBool(v)
                            : cJSON_IsArray(v);
        if (!ok) {
            snprintf(msg, cap, "field '%s' is %s (expected %s)", required[i].path, v ? "of another type" : "missing",
                     type_name(t));
            return msg;
        }
        if (t == 'a') {
            int k = 0;
            const cJSON *e;
            cJSON_ArrayForEach(e, v)
            {
                if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "name"))) {
                    snprintf(msg, cap, "field '%s[%d]' has no \"name\" string (expected objects with a name)",
                             required[i].path, k);
                    return msg;
                }
                k++;
            }
        }
    }
    const char *format = cJSON_GetObjectItemCaseSensitive(j, "format")->valuestring;
    if (strcmp(format, BENCH_REPORT_FORMAT) != 0) {
        snprintf(msg, cap, "field 'format' is \"%s\" (expected \"%s\")", format, BENCH_REPORT_FORMAT);
        return msg;
    }
    return NULL;
}

cJSON *bench_report_load(const char *path)
{
    char *text = NULL;
    size_t size = 0;
    clnas_error err;
    /* a report is a few KiB: capped as a config is, and NUL bytes refused with their position */
    if (clnas_file_read_text(path, CLNAS_CONFIG_MAX_BYTES, &text, &size, &err) != CLNAS_OK) {
        fprintf(stderr, "clnas: %s\n", err.message);
        return NULL;
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, size, &end, 0);
    if (!j) {
        fprintf(stderr, "clnas: %s: not JSON (parse error at byte %ld; expected the output of `clnas bench device "
                        "--json`)\n", path, end ? (long)(end - text) : 0L);
        free(text);
        return NULL;
    }
    free(text);
    char msg[256];
    if (bench_report_check(j, msg, sizeof msg)) {
        fprintf(stderr, "clnas: %s: %s\n", path, msg);
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static double num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void print_setup(FILE *f, const char *what, const cJSON *s)
{
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "skipped"))) {
        fprintf(f, "  %-5s skipped\n", what);
        return;
    }
    fprintf(f, "  %-5s ready in %.2f s = model %.2f s (kernels %.2f, algorithm choice %.2f, plan and arenas %.2f) "
               "+ init %.2f s + first step's extra %.2f s (first %.2f s, second %.2f s)\n"
               "        programs built %.0f (%.2f s), from disk %.0f, algorithms timed %.0f\n",
            what, num(s, "ready_seconds"), num(s, "model_seconds"), num(s, "kernels_seconds"), num(s, "algo_seconds"),
            num(s, "plan_seconds"), num(s, "init_seconds"),
            fmax(0.0, num(s, "first_step_seconds") - num(s, "step_seconds")), num(s, "first_step_seconds"),
            num(s, "step_seconds"), num(s, "programs_built"), num(s, "build_seconds"), num(s, "disk_hits"),
            num(s, "algorithms_timed"));
}

void bench_report_print(FILE *f, const cJSON *j)
{
    const cJSON *dev = at_path(j, "device"), *set = at_path(j, "settings"), *e;
    fprintf(f, "device: %s (%s; %s)\n", str(dev, "name"), str(dev, "platform"), str(dev, "driver"));
    fprintf(f, "settings: C=%.0f, batch %.0f, N=%.0f for training, %.0f timed steps\n\n", num(set, "channels"),
            num(set, "batch"), num(set, "cells"), num(set, "steps"));
    if (cJSON_IsTrue(at_path(j, "peak.skipped")))
        fprintf(f, "peak float32 and copy bandwidth: skipped\n");
    else
        fprintf(f, "peak float32: %.1f GFLOP/s (best FMA configuration)   copy bandwidth: %.1f GB/s\n",
                num(at_path(j, "peak"), "gflops"), num(at_path(j, "bandwidth"), "copy_gbps"));
    cJSON_ArrayForEach(e, at_path(j, "peak.configs")) fprintf(f, "  %-36s %8.1f GFLOP/s\n", str(e, "name"),
                                                               num(e, "gflops"));
    const cJSON *cb = at_path(j, "clblast");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cb, "skipped"))) {
        fprintf(f, "\nCLBlast SGEMM: skipped\n");
    } else {
        fprintf(f, "\nCLBlast SGEMM at convolution shapes (first call %.1f s, CLBlast compiling its kernels)\n",
                num(cb, "first_call_seconds"));
        fprintf(f, "  %-50s %6s %8s %6s %9s %9s\n", "shape", "m", "n", "k", "ms", "GFLOP/s");
        cJSON_ArrayForEach(e, at_path(cb, "shapes")) fprintf(f, "  %-50s %6.0f %8.0f %6.0f %9.3f %9.1f\n",
                                                             str(e, "name"), num(e, "m"), num(e, "n"), num(e, "k"),
                                                             num(e, "ms"), num(e, "gflops"));
    }
    fprintf(f, "\nNB201 ops at batch %.0f (per edge; forward = conv + BN or pool, backward = their gradients)\n",
            num(set, "batch"));
    fprintf(f, "  %-24s %-13s %9s %8s %9s %8s  %s\n", "op", "input", "fwd ms", "GFLOP/s", "bwd ms", "GFLOP/s",
            "algorithm");
    cJSON_ArrayForEach(e, at_path(j, "ops"))
    {
        char shape[32];
        snprintf(shape, sizeof shape, "%.0fx%.0fx%.0f", num(e, "in_channels"), num(e, "height"), num(e, "width"));
        if (num(e, "forward_launches") + num(e, "backward_launches") == 0)
            fprintf(f, "  %-24s %-13s %9s %8s %9s %8s  no launch of its own (a term of the node's sum)\n",
                    str(e, "name"), shape, "-", "-", "-", "-");
        else
            fprintf(f, "  %-24s %-13s %9.3f %8.1f %9.3f %8.1f  %s\n", str(e, "name"), shape, num(e, "forward_ms"),
                    num(e, "forward_gflops"), num(e, "backward_ms"), num(e, "backward_gflops"), str(e, "algo"));
    }
    int tuned = 0;
    cJSON_ArrayForEach(e, at_path(j, "ops")) tuned |= str(e, "variant")[0] != '\0';
    if (tuned) {
        fprintf(f, "\nkernel variants the tuner chose (CLNAS_TUNE=off: each family's defaults)\n");
        cJSON_ArrayForEach(e, at_path(j, "ops")) if (str(e, "variant")[0])
            fprintf(f, "  %-24s %s\n", str(e, "name"), str(e, "variant"));
    }
    fprintf(f, "\ntraining (batch %.0f, N=%.0f)\n", num(set, "batch"), num(set, "cells"));
    cJSON_ArrayForEach(e, at_path(j, "train")) fprintf(f, "  %-10s %9.1f images/s %9.1f ms/step  %s\n",
                                                       str(e, "name"), num(e, "images_per_second"),
                                                       num(e, "ms_per_step"), str(e, "arch"));
    const cJSON *comp = at_path(j, "compile");
    fprintf(f, "\nnew architecture ready to train (%s)\n", str(comp, "arch"));
    print_setup(f, "cold", at_path(comp, "cold"));
    print_setup(f, "warm", at_path(comp, "warm"));
}

/* Calls fn for every number under j, with its path; array elements are named by their "name". */
typedef void (*leaf_fn)(const char *path, double value, void *ctx);

static void walk(const cJSON *j, const char *prefix, leaf_fn fn, void *ctx)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, j)
    {
        char path[256];
        if (cJSON_IsArray(j))
            snprintf(path, sizeof path, "%s[%s]", prefix, str(e, "name"));
        else
            snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", e->string);
        if (cJSON_IsNumber(e))
            fn(path, e->valuedouble, ctx);
        else if (cJSON_IsObject(e) || cJSON_IsArray(e))
            walk(e, path, fn, ctx);
    }
}

/* The number at a walk path in j ("ops[nor_conv_3x3 stage 1].forward_ms"), or NAN. */
static double lookup(const cJSON *j, const char *path)
{
    char part[256];
    while (j && *path) {
        if (*path == '[') {
            const char *close = strchr(path, ']');
            if (!close)
                return NAN;
            snprintf(part, sizeof part, "%.*s", (int)(close - path - 1), path + 1);
            const cJSON *e, *found = NULL;
            cJSON_ArrayForEach(e, j) if (strcmp(str(e, "name"), part) == 0 && !found) found = e;
            j = found;
            path = close + 1;
        } else {
            path += *path == '.';
            size_t n = strcspn(path, ".[");
            snprintf(part, sizeof part, "%.*s", (int)n, path);
            j = cJSON_GetObjectItemCaseSensitive(j, part);
            path += n;
        }
    }
    return cJSON_IsNumber(j) ? j->valuedouble : NAN;
}

typedef struct compare_ctx {
    FILE *f;
    const cJSON *other;
} compare_ctx;

static void compare_leaf(const char *path, double value, void *p)
{
    compare_ctx *c = p;
    if (strncmp(path, "settings.", 9) == 0 || strncmp(path, "device.", 7) == 0)
        return;
    double other = lookup(c->other, path);
    if (isnan(other))
        fprintf(c->f, "%-64s %12.4g %12s %8s\n", path, value, "-", "-");
    else if (other != 0.0)
        fprintf(c->f, "%-64s %12.4g %12.4g %8.3f\n", path, value, other, value / other);
    else
        fprintf(c->f, "%-64s %12.4g %12.4g %8s\n", path, value, other, "-");
}

void bench_report_compare(FILE *f, const cJSON *a, const char *a_name, const cJSON *b, const char *b_name)
{
    const cJSON *sa = at_path(a, "settings"), *sb = at_path(b, "settings");
    fprintf(f, "this:  %s: %s, C=%.0f batch %.0f N=%.0f\n", a_name, str(at_path(a, "device"), "name"),
            num(sa, "channels"), num(sa, "batch"), num(sa, "cells"));
    fprintf(f, "other: %s: %s, C=%.0f batch %.0f N=%.0f\n", b_name, str(at_path(b, "device"), "name"),
            num(sb, "channels"), num(sb, "batch"), num(sb, "cells"));
    if (num(sa, "channels") != num(sb, "channels") || num(sa, "batch") != num(sb, "batch") ||
        num(sa, "cells") != num(sb, "cells"))
        fprintf(f, "note: the settings differ, so the op and training figures are not like for like\n");
    fprintf(f, "(times in ms or s: a ratio below 1 means this device is faster; rates: above 1)\n\n");
    fprintf(f, "%-64s %12s %12s %8s\n", "figure", "this", "other", "ratio");
    compare_ctx c = {f, b};
    walk(a, "", compare_leaf, &c);
}
