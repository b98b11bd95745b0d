/* clnas — on-device latency (train/latency.c) and its per-device cache (search/latency_cache.c): medians inside
 * their ranges, weights left as they were, entries that survive a reopen, keys that tell networks apart and merge
 * isomorphic ones, and a cut-short or corrupt line skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <math.h>

#include <cjson/cJSON.h>

#include "clnas/model.h"
#include "device_fixture.h"
#include "evaluator.h"
#include "latency_cache.h"
#include "search_config.h"
#include "model_build.h"
#include "scratch_dir.h"
#include "small_net.h"

#define ARCH "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|"

static void test_measure(void **state)
{
    device_fixture *fx = *state;
    clnas_net_config cfg;
    small_net_config(&cfg, ARCH, 3, 1, 4, 8);
    clnas_model *m = NULL;
    clnas_error err;
    if (clnas_model_build(fx->dev, fx->cache, &cfg, &m, &err) != CLNAS_OK || clnas_model_init(m, 5, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    const char *name = "classifier.weight";
    double before[120], after[120]; /* 10 classes x 12 channels (C=3 after two reductions) */
    if (clnas_model_get(m, name, before, 120, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_latency lat;
    assert_int_equal(clnas_latency_measure(m, 5, 1, &lat, &err), CLNAS_OK);
    assert_int_equal(lat.launches, 5);
    assert_int_equal(lat.batch, 4);
    assert_true(lat.train_min_ms > 0 && lat.train_min_ms <= lat.train_step_ms && lat.train_step_ms <= lat.train_max_ms);
    assert_true(lat.inference_min_ms > 0 && lat.inference_min_ms <= lat.inference_ms &&
                lat.inference_ms <= lat.inference_max_ms);
    assert_int_equal(clnas_model_get(m, name, after, 120, &err), CLNAS_OK);
    assert_memory_equal(before, after, sizeof before); /* learning rate 0 */
    assert_int_equal(clnas_latency_measure(m, 0, 1, &lat, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "launches: expected 1 to 1000, got 0"));
    clnas_model_free(m);
}

static clnas_device_info fake_device(const char *name)
{
    clnas_device_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.platform, sizeof info.platform, "Test platform");
    snprintf(info.name, sizeof info.name, "%s", name);
    snprintf(info.driver_version, sizeof info.driver_version, "1.0");
    return info;
}

static clnas_latency figures(double train, double infer)
{
    clnas_latency lat;
    memset(&lat, 0, sizeof lat);
    lat.train_step_ms = lat.train_min_ms = lat.train_max_ms = train;
    lat.inference_ms = lat.inference_min_ms = lat.inference_max_ms = infer;
    lat.launches = 7;
    lat.batch = 32;
    return lat;
}

static void test_cache_round_trip(void **state)
{
    const char *dir = *state;
    const clnas_device_info dev = fake_device("Device A"), other = fake_device("Device B");
    clnas_latency_cache *c = NULL;
    clnas_error err;
    assert_int_equal(clnas_latency_cache_open(dir, &dev, &c, &err), CLNAS_OK);
    assert_int_equal(clnas_latency_cache_count(c), 0);
    clnas_latency lat = figures(12.5, 3.25), got;
    assert_int_equal(clnas_latency_cache_put(c, "k1", &lat, &err), CLNAS_OK);
    lat = figures(20, 5);
    assert_int_equal(clnas_latency_cache_put(c, "k2", &lat, &err), CLNAS_OK);
    lat = figures(13, 3.5);
    assert_int_equal(clnas_latency_cache_put(c, "k1", &lat, &err), CLNAS_OK); /* measured again: the last wins */
    char path[4096];
    snprintf(path, sizeof path, "%s", clnas_latency_cache_path(c));
    clnas_latency_cache_free(c);

    /* A line cut short by a crash, and one that is not an entry: both skipped. */
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("{\"key\":\"k3\",\"train_step_ms\":1}\n{\"key\":\"k4\",\"train_st", f);
    fclose(f);
    assert_int_equal(clnas_latency_cache_open(dir, &dev, &c, &err), CLNAS_OK);
    assert_int_equal(clnas_latency_cache_count(c), 2);
    assert_int_equal(clnas_latency_cache_get(c, "k1", &got), 1);
    assert_true(got.train_step_ms == 13 && got.inference_ms == 3.5 && got.launches == 7 && got.batch == 32);
    assert_int_equal(clnas_latency_cache_get(c, "k3", &got), 0);
    clnas_latency_cache_free(c);

    /* Another device has a file of its own. */
    assert_int_equal(clnas_latency_cache_open(dir, &other, &c, &err), CLNAS_OK);
    assert_int_equal(clnas_latency_cache_count(c), 0);
    assert_string_not_equal(clnas_latency_cache_path(c), path);
    clnas_latency_cache_free(c);
}

static void test_keys(void **state)
{
    (void)state;
    clnas_net_config a, b;
    char ka[2048], kb[2048];
    clnas_error err;
    /* Isomorphic NB201 cells (a none edge's ops and a dead node's edges do not matter) share a key. */
    small_net_config(&a, "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|", 4, 1, 8, 8);
    small_net_config(&b, "|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|", 4, 1, 8, 8);
    assert_int_equal(clnas_latency_key(&a, ka, sizeof ka, &err), CLNAS_OK);
    assert_int_equal(clnas_latency_key(&b, kb, sizeof kb, &err), CLNAS_OK);
    assert_string_equal(ka, kb);
    /* Sizes tell networks apart. */
    b = a;
    b.batch = 16;
    assert_int_equal(clnas_latency_key(&b, kb, sizeof kb, &err), CLNAS_OK);
    assert_string_not_equal(ka, kb);
    b = a;
    b.channels = 8;
    assert_int_equal(clnas_latency_key(&b, kb, sizeof kb, &err), CLNAS_OK);
    assert_string_not_equal(ka, kb);
    /* Another space. */
    b = a;
    b.space = CLNAS_NET_DARTS;
    b.layers = 5;
    assert_int_equal(clnas_darts_genotype_parse("DARTS_V2", &b.darts_genotype, &err), CLNAS_OK);
    assert_int_equal(clnas_latency_key(&b, kb, sizeof kb, &err), CLNAS_OK);
    assert_int_equal(strncmp(kb, "darts|", 6), 0);
    assert_int_equal(clnas_latency_key(&a, ka, 10, &err), CLNAS_ERR_INVALID_ARG);
}

/* An inner evaluator that succeeds with fitness 0.75, or fails every trial. */
static clnas_status fixed_evaluate(void *state, const clnas_space_genotype *g, clnas_evaluator_result *out,
                                   clnas_error *err)
{
    (void)g;
    (void)err;
    memset(out, 0, sizeof *out);
    out->status = *(int *)state ? CLNAS_TRIAL_FAILED : CLNAS_TRIAL_OK;
    out->fitness = *(int *)state ? NAN : 0.75;
    out->params = 100;
    return CLNAS_OK;
}

static void fixed_destroy(void *state)
{
    (void)state;
}

static const clnas_evaluator_iface fixed_iface = {"fixed", fixed_evaluate, fixed_destroy, NULL, NULL};

static double extra_number(const clnas_evaluator_result *r, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->extra, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void evaluate(const clnas_evaluator *ev, const char *text, clnas_evaluator_result *r)
{
    clnas_space_genotype g;
    clnas_error err;
    if (clnas_space_nb201.parse(text, &g, &err) != CLNAS_OK || clnas_evaluator_evaluate(ev, &g, 1.0, r, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
}

/* The objective measures each successful trial once per network (isomorphic ones share the cache entry), records
 * the figures, and fails a trial over the latency budget naming both figures. */
static void test_objective_latency(void **state)
{
    device_fixture *fx = *state;
    clnas_error err;
    clnas_device_info info = fx->dev->info;
    snprintf(info.name, sizeof info.name, "objective-test"); /* a cache of its own in the shared cache directory */
    snprintf(info.driver_version, sizeof info.driver_version, "%p", (void *)fx);
    clnas_latency_cache *cache = NULL;
    assert_int_equal(clnas_latency_cache_open(NULL, &info, &cache, &err), CLNAS_OK);
    const int before = clnas_latency_cache_count(cache);

    int failing = 0;
    clnas_objective_options opt;
    clnas_objective_options_default(&opt);
    opt.measure_latency = 1;
    opt.latency_launches = 3;
    small_net_config(&opt.latency_net, ARCH, 3, 1, 4, 8);
    opt.dev = fx->dev;
    opt.programs = fx->cache;
    opt.latency_cache = cache;
    opt.space = &clnas_space_nb201;
    clnas_evaluator ev = {&fixed_iface, &failing};
    assert_int_equal(clnas_objective_evaluator_wrap_options(&ev, &opt, &err), CLNAS_OK);
    clnas_evaluator_result r;
    evaluate(&ev, ARCH, &r);
    assert_int_equal(r.status, CLNAS_TRIAL_OK);
    const double inference = extra_number(&r, "inference_ms");
    assert_true(inference > 0 && extra_number(&r, "train_step_ms") > 0);
    assert_true(extra_number(&r, "latency_ms") == inference);
    clnas_evaluator_result_clear(&r);
    assert_int_equal(clnas_latency_cache_count(cache), before + 1);
    /* an isomorphic cell (the none edge's op differs) is read back, not measured again */
    evaluate(&ev, "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|", &r);
    assert_true(extra_number(&r, "inference_ms") == inference);
    clnas_evaluator_result_clear(&r);
    assert_int_equal(clnas_latency_cache_count(cache), before + 1);
    /* a failed trial is not measured */
    failing = 1;
    evaluate(&ev, "|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|", &r);
    assert_int_equal(r.status, CLNAS_TRIAL_FAILED);
    assert_true(isnan(extra_number(&r, "latency_ms")));
    clnas_evaluator_result_clear(&r);
    assert_int_equal(clnas_latency_cache_count(cache), before + 1);
    ev.iface->destroy(ev.state);

    /* A budget below every network's training step: the trial fails naming both figures, its fitness kept. */
    failing = 0;
    ev = (clnas_evaluator){&fixed_iface, &failing};
    opt.max_latency_ms = 1e-6;
    opt.latency_train_step = 1;
    assert_int_equal(clnas_objective_evaluator_wrap_options(&ev, &opt, &err), CLNAS_OK);
    evaluate(&ev, ARCH, &r);
    assert_int_equal(r.status, CLNAS_TRIAL_FAILED);
    assert_non_null(strstr(r.error, "ms training-step latency exceeds objective.max_latency_ms (1e-06)"));
    assert_true(extra_number(&r, "unconstrained_fitness") == 0.75);
    assert_true(extra_number(&r, "latency_ms") == extra_number(&r, "train_step_ms"));
    clnas_evaluator_result_clear(&r);
    ev.iface->destroy(ev.state);

    /* measuring needs its device and caches */
    opt.latency_cache = NULL;
    assert_int_equal(clnas_objective_evaluator_wrap_options(&ev, &opt, &err), CLNAS_ERR_INVALID_ARG);
    clnas_latency_cache_free(cache);
}

static clnas_status parse(const char *json, clnas_search_config *cfg, clnas_error *err)
{
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    clnas_status st = clnas_search_config_parse(root, cfg, err);
    cJSON_Delete(root);
    return st;
}

static void test_config(void **state)
{
    (void)state;
    clnas_search_config cfg;
    clnas_error err;
    assert_int_equal(parse("{}", &cfg, &err), CLNAS_OK);
    assert_true(isnan(cfg.objective.max_latency_ms));
    assert_string_equal(cfg.objective.latency, "inference");
    assert_int_equal(cfg.objective.latency_batch, 0);
    assert_int_equal(cfg.objective.latency_launches, 10);
    clnas_search_config_free(&cfg);
    assert_int_equal(parse("{\"objective\": {\"max_latency_ms\": 2.5, \"latency\": \"train_step\", "
                           "\"latency_batch\": 16, \"latency_launches\": 3}}", &cfg, &err), CLNAS_OK);
    assert_true(cfg.objective.max_latency_ms == 2.5);
    assert_string_equal(cfg.objective.latency, "train_step");
    assert_int_equal(cfg.objective.latency_batch, 16);
    assert_int_equal(cfg.objective.latency_launches, 3);
    cJSON *back = clnas_search_config_to_json(&cfg, NULL);
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(back, "objective"));
    assert_string_equal(text, "{\"max_params\":0,\"max_latency_ms\":2.5,\"latency\":\"train_step\",\"latency_batch\":16,"
                              "\"latency_launches\":3}");
    free(text);
    cJSON_Delete(back);
    clnas_search_config_free(&cfg);
    assert_int_equal(parse("{\"objective\": {\"max_latency_ms\": 0}}", &cfg, &err), CLNAS_ERR_FORMAT);
    assert_non_null(strstr(err.message, "objective.max_latency_ms: expected milliseconds above 0, or null"));
    assert_int_equal(parse("{\"objective\": {\"latency\": \"fast\"}}", &cfg, &err), CLNAS_ERR_FORMAT);
    assert_non_null(strstr(err.message, "objective.latency: expected one of \"inference\", \"train_step\""));
    assert_int_equal(parse("{\"objective\": {\"latency_batch\": 1}}", &cfg, &err), CLNAS_ERR_FORMAT);
    assert_non_null(strstr(err.message, "objective.latency_batch: expected an integer from 2 to 4096"));
    assert_int_equal(parse("{\"objective\": {\"latency_launches\": 0}}", &cfg, &err), CLNAS_ERR_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_measure, device_fixture_with_cache, device_fixture_teardown),
        scratch_dir_unit_test(test_cache_round_trip),
        cmocka_unit_test(test_keys),
        cmocka_unit_test_setup_teardown(test_objective_latency, device_fixture_with_cache, device_fixture_teardown),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
