/* clnas — kernels are shared across architectures: compiling a second architecture builds only the programs
 * the ones not built before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnas/model.h"
#include "device_fixture.h"
#include "model_build.h"
#include "plan.h"
#include "program_cache.h"

static int count_new(const clnas_plan *plan, const clnas_plan *const *before, int nbefore)
{
    int fresh = 0;
    for (int p = 0; p < plan->nprograms; p++) {
        int seen = 0;
        for (int b = 0; b < nbefore && !seen; b++)
            for (int q = 0; q < before[b]->nprograms && !seen; q++)
                seen = strcmp(plan->program_sources[p], before[b]->program_sources[q]) == 0;
        fresh += !seen;
    }
    return fresh;
}

static void test_second_arch_builds_only_new_programs(void **state)
{
    device_fixture *f = *state;
    clnas_error err;
    struct clnas_program_cache *cache;
    assert_int_equal(clnas_program_cache_new(f->dev, f->dir, &cache, &err), CLNAS_OK);
    static const char *const archs[] = {
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|none~2|",
        "|avg_pool_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|skip_connect~1|nor_conv_3x3~2|",
    };
    clnas_model *models[3] = {0};
    const clnas_plan *plans[3];
    int built_before = 0;
    for (int a = 0; a < 3; a++) {
        clnas_net_config cfg;
        clnas_net_config_default(&cfg);
        assert_int_equal(clnas_genotype_parse(archs[a], &cfg.genotype, &err), CLNAS_OK);
        cfg.channels = 4;
        cfg.cells = 1;
        cfg.batch = 4;
        cfg.height = cfg.width = 8;
        if (clnas_model_build(f->dev, cache, &cfg, &models[a], &err) != CLNAS_OK)
            fail_msg("%s", err.message);
        plans[a] = clnas_model_plan(models[a]);
        clnas_program_cache_stats st;
        clnas_program_cache_stats_get(cache, &st);
        int expected = count_new(plans[a], plans, a);
        printf("arch %d: %d programs, %d new, built %d (%.2f s building so far)\n", a, plans[a]->nprograms, expected,
               st.builds - built_before, st.build_seconds);
        assert_int_equal(st.builds - built_before, expected);
        if (a > 0)
            assert_true(expected < plans[a]->nprograms);
        built_before = st.builds;
    }
    for (int a = 0; a < 3; a++)
        clnas_model_free(models[a]);
    clnas_program_cache_free(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        device_dir_unit_test(test_second_arch_builds_only_new_programs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
