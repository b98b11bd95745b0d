/* clnas — the DARTS network's two parameter tables agree: the host table clnas export checks weights against
 * (codegen/darts_param_table.c) and the one the compiled network registers (codegen/build_darts.c), entry by entry:
 * name, arena, shape and order, over the published genotypes, widths, depths and inputs, with and without the
 * auxiliary head. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnas/darts_genotype.h"
#include "clnas/network.h"
#include "darts_param_table.h"
#include "plan.h"

static void check_one(const char *name, int channels, int layers, int in_channels, int side, int auxiliary)
{
    clnas_error err;
    clnas_darts_genotype g;
    assert_int_equal(clnas_darts_genotype_named(name, &g, &err), CLNAS_OK);
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_DARTS;
    cfg.darts_genotype = g;
    cfg.channels = channels;
    cfg.layers = layers;
    cfg.in_channels = in_channels;
    cfg.height = cfg.width = side;
    cfg.batch = 2;
    cfg.auxiliary = auxiliary;
    clnas_plan *plan = NULL;
    if (clnas_plan_compile_descs(&cfg, &plan, &err) != CLNAS_OK)
        fail_msg("%s C=%d L=%d: %s", name, channels, layers, err.message);
    clnas_darts_dims d = {.channels = channels, .layers = layers, .in_channels = in_channels, .height = side,
                          .width = side, .classes = cfg.classes, .auxiliary = auxiliary};
    clnas_param_info *table = NULL;
    int n = 0;
    assert_int_equal(clnas_darts_param_table(&g, &d, &table, &n, &err), CLNAS_OK);
    assert_int_equal(n, plan->nparams);
    for (int i = 0; i < n; i++) {
        const clnas_param_info *a = &table[i], *b = &plan->params[i];
        if (strcmp(a->name, b->name) != 0 || a->arena != b->arena || a->ndim != b->ndim ||
            memcmp(a->shape, b->shape, sizeof(int) * (size_t)a->ndim) != 0)
            fail_msg("%s C=%d L=%d entry %d: host table %s, network %s", name, channels, layers, i, a->name,
                     b->name);
    }
    assert_true(clnas_param_table_trained(table, n) == clnas_param_table_trained(plan->params, plan->nparams));
    free(table);
    clnas_plan_free(plan);
}

static void test_tables_agree(void **state)
{
    (void)state;
    static const char *const names[] = {"DARTS_V1", "DARTS_V2", "PC_DARTS", "ALL_OPS"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        check_one(names[i], 4, 5, 1, 28, 0);
        check_one(names[i], 6, 8, 3, 32, 0);
        check_one(names[i], 8, 3, 1, 16, 0);
        check_one(names[i], 6, 8, 3, 32, 1); /* the head on cell 5's 8x8 map */
        check_one(names[i], 4, 1, 1, 18, 1); /* on the one cell's 9x9 */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_tables_agree)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
