/* clnas — simulated workers: durations parse or name what is wrong; W workers finish a budget about W times sooner,
 * every trial journaled once; synchronous generations wait for their slowest trial. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "scratch_dir.h"
#include "simulate.h"

#define TABLE CLNAS_TEST_DATA "/../../configs/table.csv"

static void test_durations_parse(void **unused)
{
    (void)unused;
    clnas_sim_durations d;
    clnas_error err;
    clnas_rng rng;
    clnas_rng_seed(&rng, 1);
    assert_int_equal(clnas_sim_durations_parse("const:30", &d, &err), CLNAS_OK);
    assert_true(clnas_sim_duration_draw(&d, &rng) == 30.0);
    assert_int_equal(clnas_sim_durations_parse("uniform:10:20", &d, &err), CLNAS_OK);
    for (int i = 0; i < 100; i++) {
        const double x = clnas_sim_duration_draw(&d, &rng);
        assert_true(x >= 10.0 && x < 20.0);
    }
    static const char *const bad[] = {"const:0", "uniform:20:10", "exp:", "lognormal:5", "const:3x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(clnas_sim_durations_parse(bad[i], &d, &err), CLNAS_ERR_INVALID_ARG);
        assert_non_null(strstr(err.message, bad[i]));
    }
    assert_int_not_equal(clnas_sim_durations_parse("/nonexistent/durations.txt", &d, &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "/nonexistent/durations.txt"));
}

static clnas_sim_result simulate(const char *base, const char *name, const char *spec, int workers, int barrier)
{
    char dir[512];
    scratch_dir_path(dir, sizeof dir, base, name);
    mkdir(dir, 0777);
    cJSON *params = cJSON_Parse("{\"name\": \"rea\", \"population\": 10, \"cycles\": 190}");
    void *state = NULL;
    clnas_error err;
    clnas_evaluator ev;
    clnas_sim_durations d;
    clnas_sim_result r;
    if (clnas_strategy_rea.create(params, 5, NULL, NULL, &state, &err) != CLNAS_OK
        || clnas_table_evaluator_new(TABLE, &ev, &err) != CLNAS_OK
        || clnas_sim_durations_parse(spec, &d, &err) != CLNAS_OK
        || clnas_simulate(&clnas_strategy_rea, state, &ev, &d, 5, workers, barrier, dir, &r, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    ev.iface->destroy(ev.state);
    clnas_strategy_rea.destroy(state);
    cJSON_Delete(params);
    return r;
}

static void test_workers_finish_sooner(void **state)
{
    clnas_sim_result one = simulate(*state, "one", "const:100", 1, 0);
    clnas_sim_result ten = simulate(*state, "ten", "const:100", 10, 0);
    assert_int_equal(one.trials, 200);
    assert_int_equal(ten.trials, 200);
    /* cached duplicates take no worker time, so at most 200 trials of 100 s; the master adds its real seconds */
    assert_true(one.finish <= 200 * 100.0 + 30 && one.finish >= 100 * 100.0);
    assert_true(ten.finish <= 20 * 100.0 + 30 && ten.finish >= one.finish / 10 - 200);
    assert_true(isfinite(ten.best) && ten.master_mean > 0 && ten.master_max >= ten.master_mean);
    assert_true(ten.ncurve > 0 && ten.ncurve <= 200);
    for (int i = 1; i < ten.ncurve; i++) /* the best never falls and time runs forward */
        assert_true(ten.curve[i].t >= ten.curve[i - 1].t && !(ten.curve[i].best < ten.curve[i - 1].best));
    clnas_sim_result_free(&one);
    clnas_sim_result_free(&ten);
}

static void test_generations_wait_for_the_slowest(void **state)
{
    clnas_sim_result async = simulate(*state, "async", "uniform:10:100", 16, 0);
    clnas_sim_result sync = simulate(*state, "sync", "uniform:10:100", 16, 1);
    assert_true(async.finish < sync.finish);
    assert_true(async.worker_busy > sync.worker_busy);
    clnas_sim_result_free(&async);
    clnas_sim_result_free(&sync);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations_parse),
        scratch_dir_unit_test(test_workers_finish_sooner),
        scratch_dir_unit_test(test_generations_wait_for_the_slowest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
