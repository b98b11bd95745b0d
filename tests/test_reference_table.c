/* clnas — the ground-truth reference table: reading it (with errors naming the line and field), matching an
 * estimator's CSV by canonical class, and tau, rho and top-5 overlap on hand-made data (issue 14). */
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

#include "groundtruth.h"
#include "reference.h"
#include "scratch_dir.h"

static const char *const archs[] = {
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|nor_conv_1x1~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|avg_pool_3x3~2|",
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|",
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    "|skip_connect~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|nor_conv_1x1~2|",
    "|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|",
    "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|",
};
enum { N = 7 };
static const double means[N] = {0.91, 0.85, 0.88, 0.10, 0.90, 0.87, 0.60};

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The reference CSV of archs with means, seeds at mean -+ 0.005, params 1000 (i + 1). */
static void write_reference(const char *path)
{
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof text, "%s\n", CLNAS_REFERENCE_HEADER);
    for (int i = 0; i < N; i++) {
        clnas_genotype g;
        assert_int_equal(clnas_genotype_parse(archs[i], &g, NULL), CLNAS_OK);
        uint64_t h;
        clnas_genotype_canonical(&g, NULL, 0, &h, NULL);
        char hex[17];
        clnas_hash_to_hex(h, hex);
        used += (size_t)snprintf(text + used, sizeof text - used, "%s,%s,%.3f,%.3f,%.3f,%d,%d\n", archs[i], hex,
                                 means[i] - 0.005, means[i] + 0.005, means[i], 1000 * (i + 1), 5000 * (N - i));
    }
    spit(path, text);
}

static void test_read_and_rank(void **state)
{
    const char *dir = *state;
    char path[600], est[600];
    snprintf(path, sizeof path, "%s/ref.csv", dir);
    write_reference(path);
    clnas_reference ref;
    clnas_error err = {0};
    if (clnas_reference_read(path, &ref, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(ref.n, N);
    assert_true(ref.rows[2].mean == 0.88 && ref.rows[2].accuracy[1] == 0.885 && ref.rows[2].params == 3000);

    /* a perfect estimator, in another order and with an isomorphic cell for row 3 (every none cell is one class) */
    snprintf(est, sizeof est, "%s/perfect.csv", dir);
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof text, "arch,score\n");
    for (int i = N - 1; i >= 0; i--)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s,%g\n",
                                 i == 3 ? "|none~0|+|skip_connect~0|none~1|+|none~0|none~1|none~2|" : archs[i],
                                 10 * means[i]);
    spit(est, text);
    double scores[N];
    assert_int_equal(clnas_reference_scores_csv(&ref, est, scores, &err), CLNAS_OK);
    clnas_rank_quality q;
    clnas_reference_rank_quality(&ref, scores, &q);
    assert_true(fabs(q.tau - 1.0) < 1e-12 && fabs(q.rho - 1.0) < 1e-12);
    assert_int_equal(q.top5_overlap, 5);

    /* reversed: tau = rho = -1; the top 5 of 7 share 3 with the bottom 5 */
    for (int i = 0; i < N; i++)
        scores[i] = -means[i];
    clnas_reference_rank_quality(&ref, scores, &q);
    assert_true(fabs(q.tau + 1.0) < 1e-12 && fabs(q.rho + 1.0) < 1e-12);
    assert_int_equal(q.top5_overlap, 3);

    /* one swap of neighbours (0.91 and 0.90): 20 of 21 pairs concordant, tau = 19/21; top 5 unchanged */
    memcpy(scores, means, sizeof scores);
    scores[0] = 0.90;
    scores[4] = 0.91;
    clnas_reference_rank_quality(&ref, scores, &q);
    assert_true(fabs(q.tau - 19.0 / 21.0) < 1e-12);
    assert_int_equal(q.top5_overlap, 5);
    clnas_reference_free(&ref);
}

static void expect_error(const char *dir, const char *name, const char *text, const char *want)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    spit(path, text);
    clnas_reference ref;
    clnas_error err = {0};
    assert_int_not_equal(clnas_reference_read(path, &ref, &err), CLNAS_OK);
    if (!strstr(err.message, want))
        fail_msg("%s: got \"%s\", expected it to contain \"%s\"", name, err.message, want);
}

static void test_errors(void **state)
{
    const char *dir = *state;
    expect_error(dir, "header.csv", "arch,accuracy\n", "line 1: expected the header " CLNAS_REFERENCE_HEADER);
    char text[2048];
    snprintf(text, sizeof text, "%s\n%s,0123456789abcdef,0.5,0.5,0.5,10,10\n", CLNAS_REFERENCE_HEADER, archs[0]);
    expect_error(dir, "hash.csv", text, "line 2: hash: expected ");
    char path[600];
    snprintf(path, sizeof path, "%s/ref.csv", dir);
    write_reference(path);
    char *good = test_read_file(path, NULL);
    const char *line2 = strchr(good, '\n') + 1;
    const char *line3 = strchr(line2, '\n') + 1;
    snprintf(text, sizeof text, "%s\n%.*s%.*s", CLNAS_REFERENCE_HEADER, (int)(line3 - line2), line2,
             (int)(line3 - line2), line2);
    expect_error(dir, "dup.csv", text, "line 3: the same canonical class as row 1");
    snprintf(text, sizeof text, "%s\n%.*s", CLNAS_REFERENCE_HEADER, (int)(line3 - line2), line2);
    expect_error(dir, "one.csv", text, "1 architectures; a reference needs at least 2");
    char *bad = strdup(good);
    char *acc = strstr(bad, ",0.905,");
    memcpy(acc, ",9.905,", 7);
    expect_error(dir, "acc.csv", bad, "line 2: accuracy_seed0: expected a fraction from 0 to 1, got \"9.905\"");
    free(bad);

    clnas_reference ref;
    clnas_error err = {0};
    assert_int_equal(clnas_reference_read(path, &ref, &err), CLNAS_OK);
    char est[600];
    snprintf(est, sizeof est, "%s/missing.csv", dir);
    snprintf(text, sizeof text, "%s,1\n", archs[0]);
    spit(est, text);
    double scores[N];
    assert_int_not_equal(clnas_reference_scores_csv(&ref, est, scores, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "no score for the reference's "));
    snprintf(text, sizeof text, "%s,1\n%s,2\n", archs[0], archs[0]);
    spit(est, text);
    assert_int_not_equal(clnas_reference_scores_csv(&ref, est, scores, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "line 2: the same canonical class as line 1"));
    clnas_reference_free(&ref);
    free(good);
}

/* A DARTS and a chain table written by clnas_reference_write: "# space: NAME" first, archs with commas quoted; read
 * back to the same rows, and scored from a CSV of quoted archs (DARTS' op names in double quotes, each doubled). */
static void test_space_round_trip(void **state)
{
    const char *dir = *state;
    const clnas_space_iface *spaces[] = {&clnas_space_darts, &clnas_space_chain};
    for (int s = 0; s < 2; s++) {
        const clnas_space_iface *space = spaces[s];
        enum { K = 5 };
        clnas_space_genotype sample[K];
        clnas_error err = {0};
        assert_int_equal(clnas_groundtruth_sample(space, K, 3, sample, &err), CLNAS_OK);
        clnas_reference_row rows[K];
        memset(rows, 0, sizeof rows);
        for (int i = 0; i < K; i++) {
            rows[i].arch = sample[i];
            space->canonical(&sample[i], NULL, 0, &rows[i].hash, NULL);
            rows[i].accuracy[0] = 0.5 + 0.01 * i, rows[i].accuracy[1] = 0.5 + 0.02 * i;
            rows[i].mean = 0.5 * (rows[i].accuracy[0] + rows[i].accuracy[1]);
            rows[i].params = 1000.0 / (i + 1), rows[i].flops = 1e6 / 3.0 * (i + 1);
        }
        clnas_reference t = {space, rows, K};
        char path[600], est[600];
        snprintf(path, sizeof path, "%s/%s.csv", dir, space->name);
        assert_int_equal(clnas_reference_write(path, &t, &err), CLNAS_OK);
        char *text = test_read_file(path, NULL);
        char first[80];
        snprintf(first, sizeof first, "# space: %s\n%s\n\"", space->name, CLNAS_REFERENCE_HEADER);
        if (strncmp(text, first, strlen(first)) != 0)
            fail_msg("%s begins:\n%.300s", path, text);
        free(text);
        clnas_reference ref;
        if (clnas_reference_read(path, &ref, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        assert_ptr_equal(ref.space, space);
        assert_int_equal(ref.n, K);
        for (int i = 0; i < K; i++) {
            assert_true(clnas_space_genotype_equal(&ref.rows[i].arch, &rows[i].arch));
            assert_true(ref.rows[i].hash == rows[i].hash);
            assert_true(ref.rows[i].params == rows[i].params && ref.rows[i].flops == rows[i].flops);
            assert_true(ref.rows[i].mean == rows[i].mean && ref.rows[i].accuracy[1] == rows[i].accuracy[1]);
        }

        /* scores: each arch quoted, DARTS' single quotes made double (doubled inside the field), reversed order */
        snprintf(est, sizeof est, "%s/%s-scores.csv", dir, space->name);
        FILE *f = fopen(est, "w");
        assert_non_null(f);
        fprintf(f, "# space: %s\narch,score\n", space->name);
        for (int i = K - 1; i >= 0; i--) {
            char arch[CLNAS_SPACE_STR_MAX];
            assert_int_equal(space->format(&rows[i].arch, arch, sizeof arch, NULL), CLNAS_OK);
            fputc('"', f);
            for (const char *p = arch; *p; p++)
                fputs(*p == '\'' ? "\"\"" : (char[]){*p, 0}, f);
            fprintf(f, "\",%d\n", 10 * i);
        }
        fclose(f);
        double scores[K];
        if (clnas_reference_scores_csv(&ref, est, scores, &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        for (int i = 0; i < K; i++)
            assert_true(scores[i] == 10.0 * i);
        /* scores of another space */
        spit(est, "# space: nb201\narch,score\n");
        assert_int_equal(clnas_reference_scores_csv(&ref, est, scores, &err), CLNAS_ERR_MISMATCH);
        assert_non_null(strstr(err.message, "line 1: scores of space nb201; the reference is of space"));
        clnas_reference_free(&ref);
    }
}

/* Errors in a DARTS table name the line and the field. */
static void test_space_errors(void **state)
{
    const char *dir = *state;
    static const char darts_v2[] =
        "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
        "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, "
        "5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
        "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, "
        "5])";
    clnas_space_genotype g;
    assert_int_equal(clnas_space_darts.parse(darts_v2, &g, NULL), CLNAS_OK);
    uint64_t h;
    clnas_space_darts.canonical(&g, NULL, 0, &h, NULL);
    char hex[17], text[4096];
    clnas_hash_to_hex(h, hex);
    static const char head[] = "# space: darts\n" CLNAS_REFERENCE_HEADER "\n";
    snprintf(text, sizeof text, "%s\"%s\",%s,0.5,0.5,0.5,10,10\n%s,%s,0.5,0.5,0.5,10,10\n", head, darts_v2, hex,
             darts_v2, hex);
    expect_error(dir, "unquoted.csv", text, "line 4: expected 7 fields (" CLNAS_REFERENCE_HEADER "), got 8 or more "
                 "(an arch with commas must be in double quotes)");
    snprintf(text, sizeof text, "%s\"%s,%s,0.5,0.5,0.5,10,10\n", head, darts_v2, hex);
    expect_error(dir, "open.csv", text, "line 3: field 1 (arch): a quoted field without its closing quote");
    snprintf(text, sizeof text, "%s\"%s\"x,%s,0.5,0.5,0.5,10,10\n", head, darts_v2, hex);
    expect_error(dir, "after.csv", text, "line 3: field 1 (arch): text after a quoted field's closing quote");
    snprintf(text, sizeof text, "%s\"%s\",%s,0.5,\"0.5,0.5,10,10\n", head, darts_v2, hex);
    expect_error(dir, "open4.csv", text, "line 3: field 4 (accuracy_seed1): a quoted field without its closing quote");
    snprintf(text, sizeof text, "%s\"%s\",%s,0.5,0.5,0.5,x\"y,10\n", head, darts_v2, hex);
    expect_error(dir, "inner.csv", text, "line 3: field 6 (params): a quote inside a field that does not start");
    snprintf(text, sizeof text, "%s\"%s\",%s,0.5,0.5,0.5,10,-1\n", head, darts_v2, hex);
    expect_error(dir, "flops.csv", text, "line 3: flops: expected a number of at least 0, got \"-1\"");
    snprintf(text, sizeof text, "%s\"Genotype(normal=[('sep_conv_9x9', 0)])\",%s,0.5,0.5,0.5,10,10\n", head, hex);
    expect_error(dir, "arch.csv", text, "line 3: arch (space darts): ");
    /* an NB201 arch in a DARTS table, and a DARTS arch in a file without the space line */
    snprintf(text, sizeof text, "%s%s,%s,0.5,0.5,0.5,10,10\n", head, archs[0], hex);
    expect_error(dir, "nb201-in-darts.csv", text, "line 3: arch (space darts): ");
    snprintf(text, sizeof text, "%s\n\"%s\",%s,0.5,0.5,0.5,10,10\n", CLNAS_REFERENCE_HEADER, darts_v2, hex);
    expect_error(dir, "no-space.csv", text, "line 2: arch (space nb201): ");
    expect_error(dir, "space.csv", "# space: nb301\n" CLNAS_REFERENCE_HEADER "\n",
                 "line 1: space: unknown search space \"nb301\"");
    expect_error(dir, "comment.csv", "# written by hand\n" CLNAS_REFERENCE_HEADER "\n",
                 "line 1: expected \"# space: NAME\" (a space) or the header");
    expect_error(dir, "header2.csv", "# space: chain\narch,accuracy\n", "line 2: expected the header");
}

/* The command: the noise ceiling and each estimator's row. */
static void test_cli(void **state)
{
    const char *dir = *state;
    char path[600], cmd[2000], out[700];
    snprintf(path, sizeof path, "%s/ref.csv", dir);
    write_reference(path);
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --reference '%s' --estimator params --estimator flops > '%s' 2>&1",
             CLNAS_TOOL_PATH, path, out);
    assert_int_equal(system(cmd), 0);
    char *text = test_read_file(out, NULL);
    assert_non_null(strstr(text, "seed 1 vs seed 0 (noise ceiling)"));
    assert_non_null(strstr(text, "params"));
    assert_non_null(strstr(text, "flops"));
    free(text);
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --reference '%s' > '%s' 2>&1", CLNAS_TOOL_PATH, path, out);
    assert_int_equal(WEXITSTATUS(system(cmd)), 2);
}

/* The last line of file that starts with prefix, into line. */
static void line_of(const char *file, const char *prefix, char *line, size_t cap)
{
    char *text = test_read_file(file, NULL);
    assert_non_null(text);
    line[0] = 0;
    for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
        if (strncmp(l, prefix, strlen(prefix)) == 0)
            snprintf(line, cap, "%s", l);
    free(text);
    if (!line[0])
        fail_msg("%s: no line starting \"%s\"", file, prefix);
}

/* `--estimator proxy` runs the config's evaluator on every reference architecture (here the table evaluator with
 * a table whose accuracies are a permutation-free copy of the reference's means, so tau and rho are 1, and one
 * with them reversed, so -1 and the top 5 of 7 share 3); --scores writes each estimator's CSV, which --estimator reads back to the same row. */
static void test_cli_proxy_and_scores(void **state)
{
    const char *dir = *state;
    char path[600], table[600], rtable[600], cfg[600], rcfg[600], scores[600], cmd[4000], out[700], line[300];
    snprintf(path, sizeof path, "%s/ref.csv", dir);
    write_reference(path);
    snprintf(table, sizeof table, "%s/table.csv", dir);
    snprintf(rtable, sizeof rtable, "%s/reversed.csv", dir);
    char text[4096], rtext[4096];
    size_t used = (size_t)snprintf(text, sizeof text, "arch,accuracy\n");
    size_t rused = (size_t)snprintf(rtext, sizeof rtext, "arch,accuracy\n");
    for (int i = 0; i < N; i++) {
        used += (size_t)snprintf(text + used, sizeof text - used, "%s,%.3f\n", archs[i], means[i]);
        rused += (size_t)snprintf(rtext + rused, sizeof rtext - rused, "%s,%.3f\n", archs[i], 1.0 - means[i]);
    }
    spit(table, text);
    spit(rtable, rtext);
    snprintf(cfg, sizeof cfg, "%s/table.json", dir);
    snprintf(text, sizeof text, "{\"name\": \"t\", \"evaluator\": {\"kind\": \"table\", \"table\": \"%s\"}}", table);
    spit(cfg, text);
    snprintf(rcfg, sizeof rcfg, "%s/reversed.json", dir);
    snprintf(text, sizeof text, "{\"name\": \"r\", \"evaluator\": {\"kind\": \"table\", \"table\": \"%s\"}}", rtable);
    spit(rcfg, text);
    snprintf(scores, sizeof scores, "%s/scores/sub", dir);
    snprintf(out, sizeof out, "%s/proxy.txt", dir);
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --reference '%s' --estimator proxy --config '%s' --scores '%s' > '%s' 2>&1",
             CLNAS_TOOL_PATH, path, cfg, scores, out);
    assert_int_equal(system(cmd), 0);
    line_of(out, "proxy ", line, sizeof line);
    assert_non_null(strstr(line, "1.000    1.000  5 of 5"));
    char csv[700];
    snprintf(csv, sizeof csv, "%s/proxy.csv", scores);
    char *written = test_read_file(csv, NULL);
    assert_non_null(written);
    assert_non_null(strstr(written, "arch,score\n"));
    assert_non_null(strstr(written, "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,0.10000000000000001\n"));
    free(written);
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --reference '%s' --estimator '%s' > '%s' 2>&1", CLNAS_TOOL_PATH, path,
             csv, out);
    assert_int_equal(system(cmd), 0);
    line_of(out, csv, line, sizeof line);
    assert_non_null(strstr(line, "1.000    1.000  5 of 5"));
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --reference '%s' --estimator proxy --config '%s' > '%s' 2>&1",
             CLNAS_TOOL_PATH, path, rcfg, out);
    assert_int_equal(system(cmd), 0);
    line_of(out, "proxy ", line, sizeof line);
    assert_non_null(strstr(line, "-1.000   -1.000  3 of 5"));

    /* a supernet estimator needs a SPOS or GDAS run */
    char run[600];
    snprintf(run, sizeof run, "%s/rea-run", dir);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s' '%s/config.json'", run, cfg, run);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' rank-eval --reference '%s' --estimator 'supernet:%s' > '%s' 2>&1",
             CLNAS_TOOL_PATH, path, run, out);
    assert_int_equal(WEXITSTATUS(system(cmd)), 1);
    line_of(out, "clnas: --estimator supernet:", line, sizeof line);
    assert_non_null(strstr(line, "is not a SPOS or GDAS run (its config.json has strategy.name \"rea\")"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_read_and_rank),
        scratch_dir_unit_test(test_errors),
        scratch_dir_unit_test(test_space_round_trip),
        scratch_dir_unit_test(test_space_errors),
        scratch_dir_unit_test(test_cli),
        scratch_dir_unit_test(test_cli_proxy_and_scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
