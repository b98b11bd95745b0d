/* clnas — tests of the bridge from a space's genotype to the network config and back (codegen/net_genotype.c): every
 * space's sampled genotypes survive the round trip, the config's builder is the space's, and the built graph is the
 * one the space's own genotype field gives. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "build_network.h"
#include "net_genotype.h"

static void test_round_trip_every_space(void **state)
{
    (void)state;
    static const clnas_net_space expected[] = {CLNAS_NET_NB201, CLNAS_NET_DARTS, CLNAS_NET_CHAIN};
    const clnas_space_iface *spaces[] = {&clnas_space_nb201, &clnas_space_darts, &clnas_space_chain};
    clnas_rng rng;
    clnas_rng_seed(&rng, 7);
    for (int s = 0; s < 3; s++) {
        for (int i = 0; i < 50; i++) {
            clnas_space_genotype g, back;
            spaces[s]->sample(spaces[s], &rng, &g);
            clnas_net_config cfg;
            clnas_net_config_default(&cfg);
            clnas_error err = {0};
            assert_int_equal(clnas_net_config_set_genotype(&cfg, spaces[s], &g, &err), CLNAS_OK);
            assert_int_equal(cfg.space, expected[s]);
            const clnas_space_iface *space = NULL;
            assert_int_equal(clnas_net_config_genotype(&cfg, &space, &back, &err), CLNAS_OK);
            assert_ptr_equal(space, spaces[s]);
            assert_true(clnas_space_genotype_equal(&g, &back));
        }
    }
}

static void test_darts_field_is_the_parsed_genotype(void **state)
{
    (void)state;
    clnas_space_genotype g;
    clnas_error err = {0};
    assert_int_equal(clnas_space_darts.parse("DARTS_V2", &g, &err), CLNAS_OK);
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    assert_int_equal(clnas_net_config_set_genotype(&cfg, &clnas_space_darts, &g, &err), CLNAS_OK);
    clnas_darts_genotype direct;
    assert_int_equal(clnas_darts_genotype_parse("DARTS_V2", &direct, &err), CLNAS_OK);
    char a[CLNAS_SPACE_STR_MAX], b[CLNAS_SPACE_STR_MAX];
    assert_int_equal(clnas_darts_genotype_format(&cfg.darts_genotype, a, sizeof a, &err), CLNAS_OK);
    assert_int_equal(clnas_darts_genotype_format(&direct, b, sizeof b, &err), CLNAS_OK);
    assert_string_equal(a, b);
}

static void test_bad_space(void **state)
{
    (void)state;
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = (clnas_net_space)9;
    clnas_space_genotype g;
    const clnas_space_iface *space = NULL;
    clnas_error err = {0};
    assert_int_equal(clnas_net_config_genotype(&cfg, &space, &g, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "got 9"));
    const clnas_space_iface fake = {.name = "fake"};
    assert_int_equal(clnas_net_config_set_genotype(&cfg, &fake, &g, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "space fake"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_space),
        cmocka_unit_test(test_darts_field_is_the_parsed_genotype),
        cmocka_unit_test(test_bad_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
