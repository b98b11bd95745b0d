/* clnas — Pareto dominance and non-dominated sorting on hand-made sets, and REA's Pareto selection (issue 14). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "space_nb201.h"
#include "pareto.h"
#include "strategy.h"

static void test_dominance(void **unused)
{
    (void)unused;
    assert_true(clnas_pareto_dominates(0.9, 10, 0.8, 20));  /* better on both */
    assert_true(clnas_pareto_dominates(0.9, 10, 0.9, 20));  /* equal fitness, cheaper */
    assert_true(clnas_pareto_dominates(0.9, 10, 0.8, 10));  /* equal cost, fitter */
    assert_false(clnas_pareto_dominates(0.9, 10, 0.9, 10)); /* equal: neither */
    assert_false(clnas_pareto_dominates(0.9, 20, 0.8, 10)); /* a trade-off: neither */
    assert_false(clnas_pareto_dominates(0.8, 10, 0.9, 20));
    assert_true(clnas_pareto_dominates(0.1, 1e9, NAN, 0));  /* a failed trial is dominated by any success */
    assert_false(clnas_pareto_dominates(NAN, 0, 0.1, 1e9));
    assert_false(clnas_pareto_dominates(NAN, 0, NAN, 1));
    assert_true(clnas_pareto_dominates(0.5, 3, 0.5, NAN));  /* an unknown cost counts as infinite */
}

/* The front is exactly the non-dominated set; each later front is the non-dominated set of what is left. */
static void test_ranks_on_hand_made_sets(void **unused)
{
    (void)unused;
    /*            A     B     C     D     E     F     G     H (failed) I (= A) */
    double f[] = {0.90, 0.85, 0.80, 0.70, 0.84, 0.60, 0.95, NAN, 0.90};
    double c[] = {50, 30, 10, 40, 35, 5, 100, 1, 50};
    /* front 0: A (0.90, 50), B (0.85, 30), C (0.80, 10), F (0.60, 5), G (0.95, 100), I (a copy of A: neither
     * dominates); E (0.84, 35) is dominated by B; D (0.70, 40) by B and C; H failed.
     * front 1: E (dominated only by B), D (by B, C and E): D is dominated by E (0.84 >= 0.70, 35 <= 40), so front 2.
     * front 3: H. */
    const int want[] = {0, 0, 0, 2, 1, 0, 0, 3, 0};
    int rank[9];
    clnas_error err = {0};
    assert_int_equal(clnas_pareto_ranks(f, c, 9, rank, &err), CLNAS_OK);
    for (int i = 0; i < 9; i++)
        if (rank[i] != want[i])
            fail_msg("member %c: rank %d, expected %d", 'A' + i, rank[i], want[i]);

    /* a chain: every member dominates the next, n fronts */
    double cf[] = {0.5, 0.4, 0.3, 0.2}, cc[] = {1, 2, 3, 4};
    int cr[4];
    assert_int_equal(clnas_pareto_ranks(cf, cc, 4, cr, &err), CLNAS_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(cr[i], i);

    /* an anti-chain: a pure trade-off, one front */
    double af[] = {0.1, 0.2, 0.3, 0.4}, ac[] = {1, 2, 3, 4};
    int ar[4];
    assert_int_equal(clnas_pareto_ranks(af, ac, 4, ar, &err), CLNAS_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ar[i], 0);
    assert_int_equal(clnas_pareto_ranks(af, ac, 0, ar, &err), CLNAS_OK);
}

/* A fitness and cost per cell that make trade-offs: the cost rises with the fitness, plus a cell-dependent wobble. */
static void toy(const clnas_genotype *g, double *fitness, double *cost)
{
    const uint32_t i = clnas_genotype_to_index(g);
    *fitness = (double)((i * 2654435761u) % 1009u) / 1009.0;
    *cost = *fitness * 1000.0 + (double)((i * 40503u) % 301u);
}

/* REA with pareto "params": every mutation's parent is one of its sample's non-dominated members (by the
 * population describe() shows), and over the run parents that are not the sample's fittest occur. */
static void test_rea_pareto_parent_is_on_the_sample_front(void **unused)
{
    (void)unused;
    const clnas_strategy_iface *ops = &clnas_strategy_rea;
    cJSON *params = cJSON_Parse("{\"population\": 12, \"sample_size\": 5, \"cycles\": 200, \"pareto\": \"params\"}");
    void *s = NULL;
    clnas_error err = {0};
    assert_int_equal(ops->create(params, 9, NULL, NULL, &s, &err), CLNAS_OK);
    cJSON_Delete(params);
    int not_fittest = 0, mutations = 0;
    double pop_f[12], pop_c[12];
    for (int t = 0; t < ops->budget(s); t++) {
        cJSON *before = ops->describe(s);
        const cJSON *pop = cJSON_GetObjectItem(before, "population");
        const int n = cJSON_GetArraySize(pop);
        for (int k = 0; k < n; k++) {
            clnas_genotype g;
            assert_int_equal(clnas_genotype_parse(cJSON_GetArrayItem(pop, k)->child->valuestring, &g, &err),
                             CLNAS_OK);
            toy(&g, &pop_f[k], &pop_c[k]);
        }
        cJSON_Delete(before);
        clnas_space_genotype sg;
        assert_int_equal(ops->propose(s, &sg, &err), CLNAS_OK);
        const clnas_genotype g = clnas_nb201_of(&sg);
        cJSON *d = ops->describe(s);
        const cJSON *last = cJSON_GetObjectItem(d, "last_proposal");
        if (strcmp(cJSON_GetObjectItem(last, "kind")->valuestring, "mutation") == 0) {
            const cJSON *sample = cJSON_GetObjectItem(last, "sample");
            const int parent = cJSON_GetObjectItem(last, "parent")->valueint;
            double best = -1;
            for (int k = 0; k < cJSON_GetArraySize(sample); k++) {
                const int m = cJSON_GetArrayItem(sample, k)->valueint;
                assert_false(clnas_pareto_dominates(pop_f[m], pop_c[m], pop_f[parent], pop_c[parent]));
                best = pop_f[m] > best ? pop_f[m] : best;
            }
            not_fittest += pop_f[parent] < best;
            mutations++;
        }
        cJSON_Delete(d);
        double f, c;
        toy(&g, &f, &c);
        ops->observe_cost(s, c, 0.0, NAN);
        assert_int_equal(ops->observe(s, &sg, f, &err), CLNAS_OK);
    }
    ops->destroy(s);
    print_message("REA pareto: %d of %d parents were on the sample's front but not its fittest\n", not_fittest,
                  mutations);
    assert_int_equal(mutations, 200);
    assert_true(not_fittest > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dominance),
        cmocka_unit_test(test_ranks_on_hand_made_sets),
        cmocka_unit_test(test_rea_pareto_parent_is_on_the_sample_front),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
