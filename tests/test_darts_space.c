/* clnas — DARTS' derivation of a genotype from the DARTS space's alpha (model_search.py's genotype()) on hand-made
 * alphas: strongest edges by their best non-none op, none never chosen even when strongest, ties, both cell types,
 * and the derived genotype's printed form parsing back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "build_darts_search.h"
#include "darts_space.h"

#define ROWS CLNAS_DARTS_SPACE_ALPHA_EDGES
#define OPS CLNAS_DARTS_OPS

static clnas_alpha zeros(void)
{
    clnas_alpha a;
    memset(&a, 0, sizeof a);
    a.edges = ROWS;
    a.ops = OPS;
    return a;
}

static clnas_darts_genotype derive_ok(const clnas_alpha *a)
{
    clnas_darts_genotype g;
    clnas_error err = {0};
    if (clnas_darts_space_derive(a, &g, &err) != CLNAS_OK)
        fail_msg("%s", err.message);
    clnas_error verr;
    assert_int_equal(clnas_darts_genotype_validate(&g, &verr), CLNAS_OK);
    return g;
}

/* All logits equal: every softmax weight ties, so each node takes its first two inputs (a stable sort) and the
 * first op after none (max_pool_3x3). */
static void test_all_ties(void **state)
{
    (void)state;
    clnas_alpha a = zeros();
    clnas_darts_genotype g = derive_ok(&a);
    for (int k = 0; k < CLNAS_DARTS_NODES; k++)
        for (int i = 0; i < 2; i++) {
            assert_int_equal(g.normal.input[2 * k + i], i);
            assert_int_equal(g.normal.op[2 * k + i], CLNAS_DARTS_MAX_POOL_3X3);
            assert_int_equal(g.reduce.input[2 * k + i], i);
        }
    assert_int_equal(g.normal.nconcat, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(g.reduce.concat[i], 2 + i);
}

/* none strongest on an edge: the edge is ranked by its best other op, and that op is chosen. */
static void test_none_never_chosen(void **state)
{
    (void)state;
    clnas_alpha a = zeros();
    /* node 0 of the normal cell: edge 0 (state 0) none huge, sep_conv_5x5 a little up; edge 1 (state 1)
     * dil_conv_3x3 more up: edge 1 ranks first, edge 0 second with sep_conv_5x5 */
    a.alpha[0][CLNAS_DARTS_NONE] = 9.0;
    a.alpha[0][CLNAS_DARTS_SEP_CONV_5X5] = 0.5;
    a.alpha[1][CLNAS_DARTS_DIL_CONV_3X3] = 1.0;
    clnas_darts_genotype g = derive_ok(&a);
    assert_int_equal(g.normal.input[0], 1);
    assert_int_equal(g.normal.op[0], CLNAS_DARTS_DIL_CONV_3X3);
    assert_int_equal(g.normal.input[1], 0);
    /* softmax of edge 0: none takes almost everything, but among the rest sep_conv_5x5 still leads */
    assert_int_equal(g.normal.op[1], CLNAS_DARTS_SEP_CONV_5X5);
}

/* The ranking is by softmax weight, not by logit: an edge whose best op has the larger logit but shares the edge
 * with another strong op weighs less after the softmax. */
static void test_ranked_by_softmax_weight(void **state)
{
    (void)state;
    clnas_alpha a = zeros();
    /* node 1 of the reduce cell: rows 14+2..14+4 (states 0, 1, 2) */
    const int r0 = CLNAS_DARTS_SEARCH_EDGES + 2;
    a.alpha[r0 + 0][CLNAS_DARTS_SKIP_CONNECT] = 2.0;
    a.alpha[r0 + 0][CLNAS_DARTS_AVG_POOL_3X3] = 2.0; /* two strong ops share edge 0's softmax */
    a.alpha[r0 + 1][CLNAS_DARTS_SEP_CONV_3X3] = 1.9; /* alone: a larger weight than either of edge 0's */
    a.alpha[r0 + 2][CLNAS_DARTS_MAX_POOL_3X3] = 1.0;
    clnas_darts_genotype g = derive_ok(&a);
    assert_int_equal(g.reduce.input[2], 1);
    assert_int_equal(g.reduce.op[2], CLNAS_DARTS_SEP_CONV_3X3);
    assert_int_equal(g.reduce.input[3], 0);
    assert_int_equal(g.reduce.op[3], CLNAS_DARTS_AVG_POOL_3X3); /* the first of equal weights */
    /* the normal cell is untouched: ties everywhere */
    assert_int_equal(g.normal.input[2], 0);
    assert_int_equal(g.normal.input[3], 1);
}

/* Node 3 (rows 9..13): the two strongest of five inputs, in order, the later edge first when stronger. */
static void test_last_node(void **state)
{
    (void)state;
    clnas_alpha a = zeros();
    a.alpha[9 + 4][CLNAS_DARTS_SKIP_CONNECT] = 3.0; /* state 4 */
    a.alpha[9 + 2][CLNAS_DARTS_DIL_CONV_5X5] = 2.0; /* state 2 */
    a.alpha[9 + 3][CLNAS_DARTS_DIL_CONV_5X5] = 2.0; /* state 3 ties with state 2: the lower state wins */
    clnas_darts_genotype g = derive_ok(&a);
    assert_int_equal(g.normal.input[6], 4);
    assert_int_equal(g.normal.op[6], CLNAS_DARTS_SKIP_CONNECT);
    assert_int_equal(g.normal.input[7], 2);
    assert_int_equal(g.normal.op[7], CLNAS_DARTS_DIL_CONV_5X5);
    double share, mean;
    clnas_darts_space_skip_stats(&a, &g, &share, &mean);
    assert_true(fabs(share - 1.0 / 16.0) < 1e-12);
    assert_true(mean > 0.0 && mean < 1.0);
}

/* A random alpha's genotype prints in DARTS' form and parses back to itself; a wrong shape is refused. */
static void test_format_parses(void **state)
{
    (void)state;
    clnas_alpha a;
    clnas_error err = {0};
    assert_int_equal(clnas_alpha_init(&a, ROWS, OPS, 42, &err), CLNAS_OK);
    for (int r = 0; r < ROWS; r++)
        for (int k = 0; k < OPS; k++)
            a.alpha[r][k] *= 1000.0; /* init is 1e-3 * N(0, 1): spread it */
    clnas_darts_genotype g = derive_ok(&a), back;
    char text[CLNAS_DARTS_GENOTYPE_STR_MAX];
    assert_int_equal(clnas_darts_genotype_format(&g, text, sizeof text, &err), CLNAS_OK);
    assert_non_null(strstr(text, "normal_concat=[2, 3, 4, 5]"));
    assert_int_equal(clnas_darts_genotype_parse(text, &back, &err), CLNAS_OK);
    assert_true(clnas_darts_genotype_equal(&g, &back));
    for (int e = 0; e < CLNAS_DARTS_EDGES; e++) {
        assert_int_not_equal(g.normal.op[e], CLNAS_DARTS_NONE);
        assert_int_not_equal(g.reduce.op[e], CLNAS_DARTS_NONE);
    }
    clnas_alpha nb = zeros();
    nb.edges = CLNAS_NB201_EDGES;
    nb.ops = CLNAS_NB201_OPS;
    assert_int_equal(clnas_darts_space_derive(&nb, &g, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "28 edges"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_ties),
        cmocka_unit_test(test_none_never_chosen),
        cmocka_unit_test(test_ranked_by_softmax_weight),
        cmocka_unit_test(test_last_node),
        cmocka_unit_test(test_format_parses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
