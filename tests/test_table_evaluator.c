/* clnas — tests of the table evaluator (CSV and JSON tables, errors, isomorphic lookup) and the table generator. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "space_nb201.h"
#include "clnas/space.h"
#include "evaluator.h"
#include "scratch_dir.h"
#include "table_gen.h"

#define ARCH_A "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
#define ARCH_B "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"
/* Only edge 0->3 reaches the output; ARCH_D adds a conv on 0->1 that reaches nothing: the same canonical cell. */
#define ARCH_C "|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"
#define ARCH_D "|nor_conv_1x1~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"

static const char *write_file(const char *dir, const char *name, const char *text)
{
    static char path[4096];
    scratch_dir_path(path, sizeof path, dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

static clnas_genotype parse_ok(const char *text)
{
    clnas_genotype g;
    clnas_error err = {0};
    if (clnas_genotype_parse(text, &g, &err) != CLNAS_OK)
        fail_msg("%s: %s", text, err.message);
    return g;
}

static clnas_evaluator open_ok(const char *path)
{
    clnas_evaluator ev;
    clnas_error err = {0};
    if (clnas_table_evaluator_new(path, &ev, &err) != CLNAS_OK)
        fail_msg("table %s: %s", path, err.message);
    assert_string_equal(ev.iface->kind, "table");
    return ev;
}

/* Evaluates one arch that must not be an evaluator error; the caller clears r. */
static void evaluate_ok(clnas_evaluator *ev, const char *arch, clnas_evaluator_result *r)
{
    const clnas_genotype g = parse_ok(arch);
    clnas_space_genotype sg;
    clnas_nb201_to(&g, &sg);
    clnas_error err = {0};
    memset(r, 0, sizeof *r);
    if (ev->iface->evaluate(ev->state, &sg, r, &err) != CLNAS_OK)
        fail_msg("evaluate %s: %s", arch, err.message);
}

static const char *table_match(const clnas_evaluator_result *r)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(r->extra, "table_match");
    assert_true(cJSON_IsString(m));
    return m->valuestring;
}

static void check_lookups(clnas_evaluator *ev)
{
    clnas_evaluator_result r;
    evaluate_ok(ev, ARCH_A, &r);
    assert_int_equal(r.status, CLNAS_TRIAL_OK);
    assert_true(r.fitness == 0.9132);
    assert_int_equal(r.params, 0);
    assert_true(r.flops == 0.0);
    assert_true(r.seconds >= 0.0 && r.seconds < 0.1);
    assert_string_equal(table_match(&r), "exact");
    clnas_evaluator_result_clear(&r);

    evaluate_ok(ev, ARCH_B, &r);
    assert_int_equal(r.status, CLNAS_TRIAL_OK);
    assert_true(r.fitness == 0.5);
    clnas_evaluator_result_clear(&r);

    evaluate_ok(ev, ARCH_C, &r);
    assert_true(r.fitness == 0.0);
    clnas_evaluator_result_clear(&r);
    assert_null(r.extra);
    assert_true(isnan(r.fitness));
}

/* The table `text` written to `name` and opened answers check_lookups. */
static void check_table(void **state, const char *name, const char *text)
{
    clnas_evaluator ev = open_ok(write_file(*state, name, text));
    check_lookups(&ev);
    ev.iface->destroy(ev.state);
}

static void test_csv_table(void **state)
{
    check_table(state, "t.csv", "arch,accuracy\r\n" ARCH_A ",0.9132\r\n" ARCH_B ",0.5\n\n" ARCH_C ",0\n");
}

static void test_json_table(void **state)
{
    check_table(state, "t.json", "\n {\"" ARCH_A "\": 0.9132,\n  \"" ARCH_B "\": 0.5, \"" ARCH_C "\": 0}\n");
}

/* A cell the table lacks is looked up by canonical hash: an isomorphic cell's row answers for it. */
static void test_isomorphic_lookup(void **state)
{
    uint64_t hash_c, hash_d;
    const clnas_genotype c = parse_ok(ARCH_C), d = parse_ok(ARCH_D);
    assert_int_equal(clnas_genotype_canonical(&c, NULL, 0, &hash_c, NULL), CLNAS_OK);
    assert_int_equal(clnas_genotype_canonical(&d, NULL, 0, &hash_d, NULL), CLNAS_OK);
    assert_true(hash_c == hash_d); /* the premise of this test */

    const char *path = write_file(*state, "t.csv", "arch,accuracy\n" ARCH_C ",0.71\n");
    clnas_evaluator ev = open_ok(path);
    clnas_evaluator_result r;
    evaluate_ok(&ev, ARCH_D, &r);
    assert_int_equal(r.status, CLNAS_TRIAL_OK);
    assert_true(r.fitness == 0.71);
    assert_string_equal(table_match(&r), "isomorphic");
    clnas_evaluator_result_clear(&r);
    ev.iface->destroy(ev.state);
}

/* The first row of a class in file order answers for its missing members. */
static void test_isomorphic_lookup_takes_first_row(void **state)
{
    /* A third member of ARCH_C's class: another op on the dead edge 0->1. */
#define ARCH_E "|avg_pool_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"
    uint64_t hash_c, hash_e;
    const clnas_genotype c = parse_ok(ARCH_C), e = parse_ok(ARCH_E);
    assert_int_equal(clnas_genotype_canonical(&c, NULL, 0, &hash_c, NULL), CLNAS_OK);
    assert_int_equal(clnas_genotype_canonical(&e, NULL, 0, &hash_e, NULL), CLNAS_OK);
    assert_true(hash_c == hash_e);
    const char *path = write_file(*state, "t.csv", "arch,accuracy\n" ARCH_E ",0.3\n" ARCH_C ",0.71\n");
    clnas_evaluator ev = open_ok(path);
    clnas_evaluator_result r;
    evaluate_ok(&ev, ARCH_D, &r);
    assert_true(r.fitness == 0.3);
    clnas_evaluator_result_clear(&r);
    ev.iface->destroy(ev.state);
}

static void test_missing_arch_is_a_failed_trial(void **state)
{
    const char *path = write_file(*state, "t.csv", "arch,accuracy\n" ARCH_A ",0.9\n");
    clnas_evaluator ev = open_ok(path);
    clnas_evaluator_result r;
    evaluate_ok(&ev, ARCH_B, &r);
    assert_int_equal(r.status, CLNAS_TRIAL_FAILED);
    assert_true(isnan(r.fitness));
    assert_non_null(strstr(r.error, ARCH_B));
    assert_non_null(strstr(r.error, path));
    assert_string_equal(table_match(&r), "none");
    clnas_evaluator_result_clear(&r);
    ev.iface->destroy(ev.state);
}

static void expect_error(const char *dir, const char *name, const char *text, clnas_status status,
                         const char *message_part)
{
    const char *path = text ? write_file(dir, name, text) : name;
    clnas_evaluator ev = {(const clnas_evaluator_iface *)&ev, &ev};
    clnas_error err = {0};
    assert_int_equal(clnas_table_evaluator_new(path, &ev, &err), status);
    assert_null(ev.iface);
    assert_null(ev.state);
    if (!strstr(err.message, message_part))
        fail_msg("error \"%s\" lacks \"%s\"", err.message, message_part);
    if (!strstr(err.message, path))
        fail_msg("error \"%s\" does not name the file %s", err.message, path);
}

static void test_table_errors(void **state)
{
    const char *dir = *state;
    expect_error(dir, "/nonexistent/table.csv", NULL, CLNAS_ERR_IO, "cannot open table");
    expect_error(dir, "h.csv", "architecture,acc\n" ARCH_A ",0.9\n", CLNAS_ERR_FORMAT,
                 "line 1: expected the header \"arch,accuracy\", got \"architecture,acc\"");
    expect_error(dir, "n.csv", "arch,accuracy\n" ARCH_A ",0.9\n" ARCH_B ",abc\n", CLNAS_ERR_FORMAT,
                 "line 3: accuracy: expected a number from 0 to 1, got \"abc\"");
    expect_error(dir, "r.csv", "arch,accuracy\n" ARCH_A ",1.5\n", CLNAS_ERR_FORMAT,
                 "line 2: accuracy: expected a number from 0 to 1 (a fraction, not a percentage: divide by 100), "
                 "got \"1.5\"");
    expect_error(dir, "neg.csv", "arch,accuracy\n" ARCH_A ",-0.1\n", CLNAS_ERR_FORMAT,
                 "line 2: accuracy: expected a number from 0 to 1, got \"-0.1\"");
    expect_error(dir, "nan.csv", "arch,accuracy\n" ARCH_A ",nan\n", CLNAS_ERR_FORMAT, "line 2: accuracy");
    expect_error(dir, "d.csv", "arch,accuracy\n" ARCH_A ",0.9\n" ARCH_B ",0.8\n" ARCH_A ",0.7\n", CLNAS_ERR_FORMAT,
                 "line 4: arch " ARCH_A " is already given on line 2");
    expect_error(dir, "a.csv", "arch,accuracy\n|nor_conv_3x3~0|+,0.9\n", CLNAS_ERR_FORMAT, "line 2: arch: ");
    expect_error(dir, "c.csv", "arch,accuracy\n" ARCH_A "\n", CLNAS_ERR_FORMAT, "line 2: expected \"arch,accuracy\"");
    expect_error(dir, "e.csv", "arch,accuracy\n", CLNAS_ERR_FORMAT, "no rows");
    expect_error(dir, "z.csv", "", CLNAS_ERR_FORMAT, "empty file");
    expect_error(dir, "s.json", "{\"" ARCH_A "\": 0.9,\n \"" ARCH_B "\" 0.8}", CLNAS_ERR_FORMAT,
                 "line 2, column");
    expect_error(dir, "v.json", "{\"" ARCH_A "\": 93.1}", CLNAS_ERR_FORMAT,
                 "key \"" ARCH_A "\": expected an accuracy from 0 to 1 (a fraction, not a percentage: divide by 100), "
                 "got 93.1");
    expect_error(dir, "arr.json", "[[\"" ARCH_A "\", 0.9]]", CLNAS_ERR_FORMAT, "expected a JSON object");
    expect_error(dir, "t.json", "{\"" ARCH_A "\": \"0.9\"}", CLNAS_ERR_FORMAT, "got \"0.9\"");
    expect_error(dir, "dup.json", "{\"" ARCH_A "\": 0.9, \"" ARCH_A "\": 0.8}", CLNAS_ERR_FORMAT,
                 "key 2: arch " ARCH_A " is already given on key 1");
}

/* The generator's whole table through the evaluator: every cell found exactly, values as the formula says to the
 * CSV's 6 decimals, loaded quickly. */
static void test_generated_table_round_trip(void **state)
{
    char path[4096];
    scratch_dir_path(path, sizeof path, *state, "gen.csv");
    clnas_table_model model;
    clnas_error err = {0};
    assert_int_equal(clnas_table_model_init(&model, 3, 0.005, &err), CLNAS_OK);
    assert_int_equal(clnas_table_model_write_csv(&model, path, &err), CLNAS_OK);

    const clock_t start = clock();
    clnas_evaluator ev = open_ok(path);
    const double load_seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    print_message("loading the 15,625-row table took %.3f s of CPU\n", load_seconds);
    assert_true(load_seconds < 5.0); /* generous: a sanitizer build on a busy machine */
    for (uint32_t index = 0; index < CLNAS_NB201_CELLS; index++) {
        clnas_genotype g;
        clnas_genotype_from_index(index, &g);
        clnas_evaluator_result r = {0};
        clnas_space_genotype sg;
        clnas_nb201_to(&g, &sg);
        assert_int_equal(ev.iface->evaluate(ev.state, &sg, &r, &err), CLNAS_OK);
        assert_int_equal(r.status, CLNAS_TRIAL_OK);
        assert_true(fabs(r.fitness - clnas_table_model_accuracy(&model, &g)) <= 5.0000001e-7);
        assert_string_equal(table_match(&r), "exact");
        clnas_evaluator_result_clear(&r);
    }
    ev.iface->destroy(ev.state);
}

/* The formula's promises: cells whose output no image reaches (zero cells among them) score exactly 0.1; on
 * average nor_conv_3x3 > nor_conv_1x1 > avg_pool_3x3 and skip_connect > none; the noise is per seed. */
static void test_generator_formula(void **unused)
{
    (void)unused;
    clnas_table_model model, quiet, other_seed;
    clnas_error err = {0};
    assert_int_equal(clnas_table_model_init(&model, 0, 0.005, &err), CLNAS_OK);
    assert_int_equal(clnas_table_model_init(&quiet, 0, 0.0, &err), CLNAS_OK);
    assert_int_equal(clnas_table_model_init(&other_seed, 1, 0.005, &err), CLNAS_OK);
    assert_int_equal(clnas_table_model_init(&model, 0, -1.0, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_table_model_init(&model, 0, 0.005, &err), CLNAS_OK);

    double op_sum[CLNAS_NB201_OPS] = {0}, noise_sq = 0.0;
    int op_count[CLNAS_NB201_OPS] = {0}, zero_cells = 0, chance_cells = 0, seed_differs = 0, n_noise = 0;
    for (uint32_t index = 0; index < CLNAS_NB201_CELLS; index++) {
        clnas_genotype g;
        clnas_genotype_from_index(index, &g);
        const double acc = clnas_table_model_accuracy(&model, &g);
        assert_true(acc >= 0.0 && acc <= 1.0);
        int node_is_zero[CLNAS_NB201_NODES];
        clnas_genotype_analyse(&g, node_is_zero, NULL);
        if (node_is_zero[3]) {
            assert_true(acc == 0.1);
            zero_cells++;
        }
        if (acc == 0.1) {
            chance_cells++;
            assert_true(clnas_table_model_accuracy(&quiet, &g) == 0.1); /* chance by rule, not by noise */
        } else {
            const double diff = acc - clnas_table_model_accuracy(&quiet, &g);
            noise_sq += diff * diff;
            n_noise++;
            seed_differs += acc != clnas_table_model_accuracy(&other_seed, &g);
        }
        for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
            op_sum[g.ops[e]] += acc;
            op_count[g.ops[e]]++;
        }
    }
    double mean[CLNAS_NB201_OPS];
    for (int k = 0; k < CLNAS_NB201_OPS; k++)
        mean[k] = op_sum[k] / op_count[k];
    const double noise_std = sqrt(noise_sq / n_noise);
    print_message("mean accuracy of cells with the op on an edge: none %.4f, skip %.4f, conv1x1 %.4f, "
                  "conv3x3 %.4f, pool %.4f; %d zero cells, %d cells at chance; noise std %.4f\n",
                  mean[0], mean[1], mean[2], mean[3], mean[4], zero_cells, chance_cells, noise_std);
    assert_true(zero_cells > 0 && chance_cells >= zero_cells);
    assert_true(mean[CLNAS_OP_NOR_CONV_3X3] > mean[CLNAS_OP_NOR_CONV_1X1]);
    assert_true(mean[CLNAS_OP_NOR_CONV_1X1] > mean[CLNAS_OP_AVG_POOL_3X3]);
    assert_true(mean[CLNAS_OP_NOR_CONV_1X1] > mean[CLNAS_OP_SKIP_CONNECT]);
    assert_true(mean[CLNAS_OP_AVG_POOL_3X3] > mean[CLNAS_OP_NONE]);
    assert_true(mean[CLNAS_OP_SKIP_CONNECT] > mean[CLNAS_OP_NONE]);
    assert_true(noise_std > 0.004 && noise_std < 0.006);
    assert_true(seed_differs > CLNAS_NB201_CELLS / 2);
}

static void test_trial_status_names(void **unused)
{
    (void)unused;
    assert_string_equal(clnas_trial_status_name(CLNAS_TRIAL_OK), "ok");
    assert_string_equal(clnas_trial_status_name(CLNAS_TRIAL_FAILED), "failed");
    assert_string_equal(clnas_trial_status_name(CLNAS_TRIAL_DIVERGED), "diverged");
    assert_string_equal(clnas_trial_status_name(CLNAS_TRIAL_CACHED), "cached");
    assert_string_equal(clnas_trial_status_name((clnas_trial_status)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_csv_table, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_json_table, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_isomorphic_lookup, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_isomorphic_lookup_takes_first_row, scratch_dir_setup,
                                        scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_missing_arch_is_a_failed_trial, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_table_errors, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test_setup_teardown(test_generated_table_round_trip, scratch_dir_setup, scratch_dir_teardown),
        cmocka_unit_test(test_generator_formula),
        cmocka_unit_test(test_trial_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
