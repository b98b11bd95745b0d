/* clnas tests — DARTS and GDAS resume through the library's run directory and checkpoint: a run stopped after an
 * epoch and resumed with clnas_search_dispatch writes the journal (alpha included), best.json and checkpoint of an
 * uninterrupted run, bit for bit (seconds aside). Needs Debian's Fashion-MNIST; skipped without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch_dir.h"
#include "search_entry.h"

typedef struct stopper {
    volatile int stop;
    int stop_after; /* epochs; 0: never */
    int reports;
} stopper;

static void on_report(const clnas_search_report *r, void *user)
{
    stopper *s = user;
    s->reports++;
    if (s->stop_after && r->done == s->stop_after)
        s->stop = 1;
}

static clnas_config *config(const char *strategy)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/../../configs/%s.json", CLNAS_TEST_DATA, strategy);
    const char *sets[] = {"dataset.train_subset=256", "dataset.validation_size=256", "proxy.batch=64",
                          "proxy.channels=4", "strategy.epochs=3", "seed=7", "strategy.warm_up=false"};
    clnas_config *cfg = NULL;
    clnas_error err;
    clnas_error_clear(&err);
    const int nsets = strcmp(strategy, "gdas") == 0 ? 7 : 6;
    if (clnas_config_load_sets(path, sets, nsets, &cfg, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    return cfg;
}

static void run(const clnas_config *cfg, const char *out, const char *resume, stopper *s, clnas_run_outcome *o)
{
    clnas_run_request req;
    memset(&req, 0, sizeof req);
    req.cfg = clnas_config_settings(cfg);
    req.out = out;
    req.resume_dir = resume;
    req.stop = &s->stop;
    req.ev.report = on_report;
    req.ev.user = s;
    clnas_error err;
    clnas_error_clear(&err);
    if (clnas_search_dispatch(&req, o, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
}

/* The file without its "seconds" figures and "timestamp" values (the only things a resumed run may write
 * differently). */
static char *without_seconds(const char *dir, const char *name)
{
    char path[1100];
    char *text = test_read_file(scratch_dir_path(path, sizeof path, dir, name), NULL);
    assert_non_null(text);
    for (char *p = text; (p = strstr(p, "\"seconds\":")) != NULL;) {
        char *q = p + 10;
        while (*q && *q != ',' && *q != '}')
            q++;
        memmove(p + 10, q, strlen(q) + 1);
        p += 10;
    }
    const char stamp[] = "\"timestamp\":\"";
    for (char *p = text; (p = strstr(p, stamp)) != NULL;) {
        char *value = p + sizeof stamp - 1, *q = strchr(value, '"');
        if (!q)
            break;
        memmove(value, q, strlen(q) + 1);
        p = value;
    }
    return text;
}

static void same_file(const char *a, const char *b, const char *name, int exact)
{
    char pa[1100], pb[1100];
    size_t na = 0, nb = 0;
    char *x = exact ? test_read_file(scratch_dir_path(pa, sizeof pa, a, name), &na) : without_seconds(a, name);
    char *y = exact ? test_read_file(scratch_dir_path(pb, sizeof pb, b, name), &nb) : without_seconds(b, name);
    assert_non_null(x);
    assert_non_null(y);
    assert_int_equal(na, nb);
    assert_memory_equal(x, y, exact ? na : strlen(x) + 1);
    free(x);
    free(y);
}

static void resume_matches(const char *strategy, const char *dir)
{
    if (access(CLNAS_DEFAULT_DATA_DIR, R_OK) != 0)
        skip();
    clnas_config *cfg = config(strategy);
    char a[1100], b[1100], checkpoint[64];
    scratch_dir_path(a, sizeof a, dir, "whole");
    scratch_dir_path(b, sizeof b, dir, "resumed");
    clnas_run_outcome o;
    stopper whole = {0, 0, 0}, first = {0, 1, 0}, rest = {0, 0, 0};
    run(cfg, a, NULL, &whole, &o);
    assert_int_equal(o.done, 3);
    assert_int_equal(o.stopped, 0);
    assert_int_equal(whole.reports, 3);
    run(cfg, b, NULL, &first, &o);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.stopped, 1);
    run(cfg, NULL, b, &rest, &o);
    assert_int_equal(o.resumed_from, 1);
    assert_int_equal(o.done, 3);
    assert_int_equal(rest.reports, 2);
    same_file(a, b, "journal.jsonl", 0);
    same_file(a, b, "best.json", 0);
    snprintf(checkpoint, sizeof checkpoint, "%s_checkpoint.safetensors", strategy);
    same_file(a, b, checkpoint, 1);
    clnas_config_free(cfg);
}

static void test_darts_resume(void **state)
{
    resume_matches("darts", *state);
}

static void test_gdas_resume(void **state)
{
    resume_matches("gdas", *state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_darts_resume),
        scratch_dir_unit_test(test_gdas_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
