/* clnas tests — the search entry behind clnas_search_run with a caller's evaluator: configs from text with
 * overrides, the run directory written as `clnas search` writes it, progress reported, stop and
 * resume, and a directory that holds a search refused. No device: the evaluator is the caller's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch_dir.h"
#include "search_entry.h"

typedef struct calls {
    int evaluated, reports, stop_after;
    volatile int stop;
} calls;

/* Fitness: the share of nor_conv_3x3 in the cell's string; a cell with no convolution at all fails. */
static clnas_status evaluate(const char *arch, void *user, double *fitness, clnas_error *err)
{
    calls *c = user;
    c->evaluated++;
    int conv3 = 0, conv = 0;
    for (const char *p = arch; (p = strstr(p, "nor_conv_")) != NULL; p++) {
        conv++;
        conv3 += strncmp(p, "nor_conv_3x3", 12) == 0;
    }
    if (!conv)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "no convolution in %s", arch);
    *fitness = conv3 / 6.0;
    return CLNAS_OK;
}

static void on_progress(const clnas_search_report *r, void *user)
{
    calls *c = user;
    c->reports++;
    assert_non_null(r->arch);
    assert_true(r->done >= 1 && r->done <= r->total);
    if (r->best_index >= 0)
        assert_non_null(r->best_arch);
    if (c->stop_after && r->done == c->stop_after)
        c->stop = 1;
}

static clnas_config *config(void)
{
    clnas_config *cfg = NULL;
    clnas_error err;
    char text[1200];
    snprintf(text, sizeof text, "{\"name\": \"api\", \"seed\": 3, \"dataset\": {\"dir\": \"%s\"}, "
             "\"strategy\": {\"name\": \"random\", \"trials\": 30}}", CLNAS_TEST_DATA);
    if (clnas_config_parse(text, "api-test", &cfg, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    assert_int_not_equal(clnas_config_set(cfg, "proxy.epochs=two", &err), CLNAS_OK);
    assert_non_null(strstr(err.message, "proxy.epochs"));
    assert_int_equal(clnas_config_set(cfg, "strategy.trials=12", &err), CLNAS_OK);
    return cfg;
}

static void run(const clnas_config *cfg, const char *dir, int resume, calls *c, clnas_search_result *res,
                clnas_status expect)
{
    clnas_search_params p = clnas_search_default_params();
    p.config = cfg;
    p.run_dir = dir;
    p.resume = resume;
    p.progress = on_progress;
    p.evaluate = evaluate;
    p.user = c;
    p.stop = &c->stop;
    clnas_error err;
    clnas_error_clear(&err);
    clnas_status st = clnas_search_run_on(NULL, NULL, &p, res, &err);
    if (st != expect)
        fail_msg("status %d: %s", st, err.message);
}

static void test_user_evaluator_stop_resume(void **state)
{
    char whole[1100], part[1100];
    scratch_dir_path(whole, sizeof whole, *state, "whole");
    scratch_dir_path(part, sizeof part, *state, "part");
    clnas_config *cfg = config();
    clnas_search_result a, b;
    calls ca = {0, 0, 0, 0}, cb = {0, 0, 5, 0}, cc = {0, 0, 0, 0};
    run(cfg, whole, 0, &ca, &a, CLNAS_OK);
    assert_int_equal(a.done, 12);
    assert_int_equal(a.stopped, 0);
    assert_int_equal(ca.reports, 12);
    assert_true(a.best_index >= 0 && a.best_fitness > 0);
    assert_string_equal(a.run_dir, whole);
    run(cfg, part, 0, &cb, &b, CLNAS_OK);
    assert_int_equal(b.done, 5);
    assert_int_equal(b.stopped, 1);
    run(cfg, part, 0, &cc, &b, CLNAS_ERR_INVALID_ARG); /* holds a search: refused */
    run(cfg, part, 1, &cc, &b, CLNAS_OK);
    assert_int_equal(b.resumed_from, 5);
    assert_int_equal(b.done, 12);
    assert_int_equal(b.best_index, a.best_index);
    assert_string_equal(b.best_arch, a.best_arch);
    assert_int_equal(ca.evaluated, cb.evaluated + cc.evaluated);
    char path[1100];
    const char *files[] = {"config.json", "journal.jsonl", "best.json", "progress.svg"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", part, files[i]);
        assert_int_equal(access(path, R_OK), 0);
    }
    snprintf(path, sizeof path, "%s/journal.jsonl", whole);
    char *journal = test_read_file(path, NULL);
    assert_non_null(journal);
    assert_non_null(strstr(journal, "\"status\":\"ok\""));
    free(journal);
    clnas_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_user_evaluator_stop_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
