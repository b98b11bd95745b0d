/* clnas — tests of `clnas bench device` and `clnas bench train --profile` through the tool: the JSON has every
 * section with sane numbers, --compare reads two saved files (and names the file and field of a broken one), and
 * the profile covers every launch of a step. No timed assertions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "scratch_dir.h"

#define BEST_ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
#define OUT_CAP (1 << 20)

/* Runs `clnas bench ARGS` with stdout into out and stderr into err_out (each NUL-terminated); returns the status. */
static int run_bench(const char *dir, const char *args, char *out, char *err_out)
{
    char err_path[4096], cmd[8192];
    scratch_dir_path(err_path, sizeof err_path, dir, "stderr.txt");
    snprintf(cmd, sizeof cmd, "'%s' bench %s 2>'%s'", CLNAS_TOOL_PATH, args, err_path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, OUT_CAP - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    char *e = test_read_file(err_path, NULL);
    snprintf(err_out, OUT_CAP, "%s", e ? e : "");
    free(e);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static double field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(v))
        fail_msg("field '%s' is missing or not a number", name);
    return v->valuedouble;
}

static void assert_sane(const cJSON *o, const char *name)
{
    double x = field(o, name);
    if (!(isfinite(x) && x > 0))
        fail_msg("field '%s' is %g (expected positive and finite)", name, x);
}

static void check_setup(const cJSON *s, int cold)
{
    assert_non_null(s);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(s, "skipped")));
    assert_sane(s, "ready_seconds");
    assert_sane(s, "model_seconds");
    assert_sane(s, "first_step_seconds");
    assert_sane(s, "step_seconds");
    if (cold) {
        assert_true(field(s, "programs_built") > 0);
    } else {
        assert_true(field(s, "programs_built") == 0);
        assert_true(field(s, "disk_hits") > 0);
    }
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Every section of `bench device --json` with sane numbers. */
static void check_device_json(const cJSON *j)
{
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "format")->valuestring, "clnas-bench-device-1");
    const cJSON *peak = cJSON_GetObjectItemCaseSensitive(j, "peak");
    assert_sane(peak, "gflops");
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(peak, "configs")) >= 3);
    assert_sane(cJSON_GetObjectItemCaseSensitive(j, "bandwidth"), "copy_gbps");
    const cJSON *cb = cJSON_GetObjectItemCaseSensitive(j, "clblast");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cb, "skipped")));
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(j, "ops"), *e;
    assert_int_equal(cJSON_GetArraySize(ops), 18);
    cJSON_ArrayForEach(e, ops)
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(e, "op")->valuestring, "skip_connect") == 0)
            continue;
        assert_sane(e, "forward_ms");
        assert_sane(e, "backward_ms");
        assert_sane(e, "forward_gflops");
        assert_sane(e, "backward_gflops");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "algo")->valuestring, "kernel");
    }
    const cJSON *train = cJSON_GetObjectItemCaseSensitive(j, "train");
    assert_int_equal(cJSON_GetArraySize(train), 3);
    cJSON_ArrayForEach(e, train) assert_sane(e, "images_per_second");
    const cJSON *comp = cJSON_GetObjectItemCaseSensitive(j, "compile");
    check_setup(cJSON_GetObjectItemCaseSensitive(comp, "cold"), 1);
    check_setup(cJSON_GetObjectItemCaseSensitive(comp, "warm"), 0);
}

/* j (saved at a_path) with peak doubled, as if from another device: --compare shows both and the ratio; --load
 * alone prints the tables. */
static void check_compare_and_load(const char *dir, cJSON *j, const char *a_path, char *out, char *err)
{
    char args[8192], b_path[4096];
    scratch_dir_path(b_path, sizeof b_path, dir, "b.json");
    cJSON *peak_gflops = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "peak"), "gflops");
    cJSON_SetNumberValue(peak_gflops, 2 * peak_gflops->valuedouble);
    char *text = cJSON_Print(j);
    write_text(b_path, text);
    cJSON_free(text);
    snprintf(args, sizeof args, "device --load '%s' --compare '%s'", a_path, b_path);
    int rc = run_bench(dir, args, out, err);
    if (rc != 0)
        fail_msg("bench device --compare exited %d: %s", rc, err);
    const char *line = strstr(out, "\npeak.gflops ");
    assert_non_null(line);
    assert_non_null(strstr(out, "ops[nor_conv_3x3 stage 1].forward_ms"));
    assert_non_null(strstr(out, "compile.warm.ready_seconds"));
    char row[256];
    sscanf(line + 1, "%255[^\n]", row);
    assert_non_null(strstr(row, " 0.500")); /* this / other */
    snprintf(args, sizeof args, "device --load '%s'", a_path);
    assert_int_equal(run_bench(dir, args, out, err), 0);
    assert_non_null(strstr(out, "peak float32:"));
    assert_non_null(strstr(out, "nor_conv_3x3 stage 2"));
    assert_non_null(strstr(out, "warm  ready in"));
}

/* Broken files compared with a_path: not JSON, a missing field, a field of the wrong type (j's peak.gflops made a
 * string); each names the file and what is wrong. Leaves broken.json's path in broken. */
static void check_broken_files(const char *dir, cJSON *j, const char *a_path, char *broken, size_t cap, char *out,
                               char *err)
{
    char args[8192];
    scratch_dir_path(broken, cap, dir, "broken.json");
    write_text(broken, "{\"format\": \"clnas-bench-device-1\", \"device\": {\"name\": \"x\"}");
    snprintf(args, sizeof args, "device --load '%s' --compare '%s'", a_path, broken);
    assert_int_equal(run_bench(dir, args, out, err), 1);
    assert_non_null(strstr(err, broken));
    assert_non_null(strstr(err, "not JSON"));
    write_text(broken, "{\"format\": \"clnas-bench-device-1\", \"device\": {\"name\": \"x\"}}");
    assert_int_equal(run_bench(dir, args, out, err), 1);
    assert_non_null(strstr(err, broken));
    assert_non_null(strstr(err, "'settings' is missing"));
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "peak"), "gflops",
                                           cJSON_CreateString("fast"));
    char *text = cJSON_Print(j);
    write_text(broken, text);
    cJSON_free(text);
    assert_int_equal(run_bench(dir, args, out, err), 1);
    assert_non_null(strstr(err, "'peak.gflops' is of another type (expected a number)"));
    write_text(broken, "[1, 2]");
    assert_int_equal(run_bench(dir, args, out, err), 1);
    assert_non_null(strstr(err, "not a JSON object"));
    /* a report over the text cap is refused unread, and /dev/zero is no report (it was read without end) */
    FILE *f = fopen(broken, "w");
    assert_non_null(f);
    assert_int_equal(fseek(f, (17L << 20) - 1, SEEK_SET), 0);
    assert_int_equal(fputc(' ', f), ' ');
    assert_int_equal(fclose(f), 0);
    assert_int_equal(run_bench(dir, args, out, err), 1);
    assert_non_null(strstr(err, "over the limit of 16.0 MiB"));
    snprintf(args, sizeof args, "device --load '%s' --compare /dev/zero", a_path);
    assert_int_equal(run_bench(dir, args, out, err), 1);
    assert_non_null(strstr(err, "/dev/zero: cannot read: it is a character device"));
}

/* --only: the other sections are marked skipped, and such a file (written to path) loads. */
static void check_only(const char *dir, const char *path, char *out, char *err)
{
    char args[8192];
    int rc = run_bench(dir, "device --only compile --no-cold --channels 2 --batch 4 --json", out, err);
    if (rc != 0)
        fail_msg("bench device --only compile exited %d: %s", rc, err);
    write_text(path, out);
    cJSON *only = cJSON_Parse(out);
    assert_non_null(only);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(only, "peak"),
                                                             "skipped")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(only, "ops")), 0);
    const cJSON *comp = cJSON_GetObjectItemCaseSensitive(only, "compile");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(comp, "cold"),
                                                             "skipped")));
    check_setup(cJSON_GetObjectItemCaseSensitive(comp, "warm"), 0);
    cJSON_Delete(only);
    snprintf(args, sizeof args, "device --load '%s'", path);
    assert_int_equal(run_bench(dir, args, out, err), 0);
    assert_non_null(strstr(out, "peak float32 and copy bandwidth: skipped"));
}

static void test_device_json_compare(void **state)
{
    const char *dir = *state;
    char *out = malloc(OUT_CAP), *err = malloc(OUT_CAP);
    char a_path[4096], broken[4096];
    int rc = run_bench(dir, "device --channels 2 --batch 4 --steps 1 --warmup 0 --no-clblast --json", out, err);
    if (rc != 0)
        fail_msg("bench device exited %d: %s", rc, err);
    assert_non_null(strstr(err, "bench device: peak")); /* progress on stderr */
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    check_device_json(j);
    scratch_dir_path(a_path, sizeof a_path, dir, "a.json");
    write_text(a_path, out);
    check_compare_and_load(dir, j, a_path, out, err);
    check_broken_files(dir, j, a_path, broken, sizeof broken, out, err);
    check_only(dir, broken, out, err);
    /* usage errors */
    assert_int_equal(run_bench(dir, "device --only peak,nothing", out, err), 2);
    assert_non_null(strstr(err, "unknown section 'nothing'"));
    assert_int_equal(run_bench(dir, "device --json --compare x.json", out, err), 2);
    assert_int_equal(run_bench(dir, "device --arch '" BEST_ARCH "'", out, err), 2);
    assert_int_equal(run_bench(dir, "device --help", out, err), 0);
    assert_non_null(strstr(out, "--no-clblast"));
    cJSON_Delete(j);
    free(out);
    free(err);
}

/* The profile sums every launch of the step: its kernel rows, its kinds and its phases each add up to
 * launches_per_step. */
static void test_train_profile_json(void **state)
{
    const char *dir = *state;
    char *out = malloc(OUT_CAP), *err = malloc(OUT_CAP);
    int rc = run_bench(dir, "train --arch '" BEST_ARCH "' --channels 2 --cells 1 --batch 4 --steps 2 --warmup 1 "
                            "--profile --json", out, err);
    if (rc != 0)
        fail_msg("bench train exited %d: %s", rc, err);
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    double launches = field(j, "launches_per_step");
    const cJSON *prof = cJSON_GetObjectItemCaseSensitive(j, "profile"), *e;
    assert_non_null(prof);
    assert_sane(prof, "ms_per_step");
    static const char *const lists[2] = {"kernels", "kinds"};
    for (int l = 0; l < 2; l++) {
        double n = 0, share = 0;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(prof, lists[l]))
        {
            n += field(e, "launches_per_step");
            share += field(e, "share");
            assert_true(field(e, "ms_per_step") >= 0);
        }
        assert_true(n == launches);
        assert_true(fabs(share - 1.0) < 1e-6);
    }
    int found_filter = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(prof, "kinds"))
        found_filter += strcmp(cJSON_GetObjectItemCaseSensitive(e, "entry")->valuestring, "conv2d_bwd_filter") == 0;
    assert_int_equal(found_filter, 1);
    const cJSON *phases = cJSON_GetObjectItemCaseSensitive(prof, "phases");
    double n = field(cJSON_GetObjectItemCaseSensitive(phases, "forward"), "launches_per_step") +
               field(cJSON_GetObjectItemCaseSensitive(phases, "backward"), "launches_per_step") +
               field(cJSON_GetObjectItemCaseSensitive(phases, "update"), "launches_per_step");
    assert_true(n == launches);
    assert_true(field(cJSON_GetObjectItemCaseSensitive(phases, "update"), "launches_per_step") == 1);
    cJSON_Delete(j);
    /* the table has the per-kind summary */
    rc = run_bench(dir, "train --arch '" BEST_ARCH "' --channels 2 --cells 1 --batch 4 --steps 1 --warmup 0 --profile",
                   out, err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "kernel kind"));
    assert_non_null(strstr(out, "backward"));
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_device_json_compare),
        scratch_dir_unit_test(test_train_profile_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
