/* clnas — tests of the space interface: the registry by name, and every space's parse, format, sample, mutate and
 * canonical hash through it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "clnas/darts_genotype.h"
#include "clnas/space.h"
#include "space_iface.h"

static void test_registry(void **state)
{
    (void)state;
    const clnas_space_iface *s = NULL;
    clnas_error err = {0};
    assert_int_equal(clnas_space_by_name("nb201", &s, &err), CLNAS_OK);
    assert_ptr_equal(s, &clnas_space_nb201);
    assert_int_equal(clnas_space_by_name("darts", &s, &err), CLNAS_OK);
    assert_ptr_equal(s, &clnas_space_darts);
    assert_int_equal(clnas_space_by_name("chain", &s, &err), CLNAS_OK);
    assert_ptr_equal(s, &clnas_space_chain);
    assert_int_equal(clnas_space_by_name("NB201", &s, &err), CLNAS_ERR_NOT_FOUND);
    assert_string_equal(err.message, "unknown search space \"NB201\" (known: nb201, darts, chain)");
    size_t n = 0;
    const clnas_space_iface *const *list = clnas_space_list(&n);
    assert_true(n >= 2);
    assert_ptr_equal(list[0], &clnas_space_nb201); /* the default */
    for (size_t i = 0; i < n; i++) {
        assert_non_null(list[i]->name);
        assert_non_null(list[i]->description);
        assert_true(list[i]->str_max <= CLNAS_SPACE_STR_MAX);
        assert_non_null(list[i]->parse);
        assert_non_null(list[i]->format);
        assert_non_null(list[i]->sample);
        assert_non_null(list[i]->mutate);
        assert_non_null(list[i]->canonical);
        assert_non_null(list[i]->neighbours);
        assert_true((list[i]->size == 0) == (list[i]->from_index == NULL));
        assert_int_equal(clnas_space_by_name(list[i]->name, &s, &err), CLNAS_OK);
        assert_ptr_equal(s, list[i]);
    }
}

/* Through the interface, for every space: example parses; sample -> format -> parse is the same value; a child
 * differs from its parent; the canonical hash of a genotype and of its reparsed string agree. */
static void test_every_space_round_trips(void **state)
{
    (void)state;
    size_t n = 0;
    const clnas_space_iface *const *list = clnas_space_list(&n);
    for (size_t i = 0; i < n; i++) {
        const clnas_space_iface *s = list[i];
        clnas_space_genotype g, back, child;
        clnas_error err = {0};
        char text[CLNAS_SPACE_STR_MAX], canon[CLNAS_SPACE_STR_MAX];
        assert_int_equal(s->parse(s->example, &g, &err), CLNAS_OK);
        clnas_rng rng;
        clnas_rng_seed(&rng, 99);
        for (int k = 0; k < 300; k++) {
            uint64_t h1, h2;
            s->sample(s, &rng, &g);
            assert_int_equal(s->format(&g, text, s->str_max, &err), CLNAS_OK);
            assert_int_equal(s->parse(text, &back, &err), CLNAS_OK);
            if (!clnas_space_genotype_equal(&g, &back))
                fail_msg("%s: %s reparsed to another value", s->name, text);
            assert_int_equal(s->canonical(&g, canon, s->str_max, &h1, &err), CLNAS_OK);
            assert_int_equal(s->canonical(&back, NULL, 0, &h2, &err), CLNAS_OK);
            assert_int_equal(h1, h2);
            s->mutate(&g, &rng, &child);
            assert_false(clnas_space_genotype_equal(&g, &child));
        }
        assert_int_equal(s->parse("|nor_conv_3x3~0| x", &g, &err), CLNAS_ERR_PARSE);
        assert_non_null(strstr(err.message, "position"));
    }
}

/* neighbours lists distinct children that each differ from the parent, and every child mutate makes is one of
 * them (NB201: exactly the 24 one-op changes). */
static void test_neighbours_cover_mutate(void **state)
{
    (void)state;
    enum { CAP = 4096 }; /* the chain space: up to about 2,200 */
    static clnas_space_genotype near[CAP];
    size_t n_spaces = 0;
    const clnas_space_iface *const *list = clnas_space_list(&n_spaces);
    for (size_t i = 0; i < n_spaces; i++) {
        const clnas_space_iface *s = list[i];
        clnas_rng rng;
        clnas_rng_seed(&rng, 17);
        for (int k = 0; k < 20; k++) {
            clnas_space_genotype g, child;
            s->sample(s, &rng, &g);
            const int n = s->neighbours(&g, near, CAP);
            assert_true(n > 0 && n <= CAP);
            assert_int_equal(s->neighbours(&g, near, 0), n);
            for (int a = 0; a < n; a++) {
                assert_false(clnas_space_genotype_equal(&near[a], &g));
                for (int b = 0; b < a; b++)
                    assert_false(clnas_space_genotype_equal(&near[a], &near[b]));
            }
            if (s == &clnas_space_nb201)
                assert_int_equal(n, 24);
            for (int m = 0; m < 50; m++) {
                s->mutate(&g, &rng, &child);
                int found = 0;
                for (int a = 0; a < n && !found; a++)
                    found = clnas_space_genotype_equal(&near[a], &child);
                if (!found)
                    fail_msg("%s: a child of mutate is not among the %d neighbours", s->name, n);
            }
        }
    }
}

/* The interface gives what the spaces' own functions give. */
static void test_matches_the_spaces(void **state)
{
    (void)state;
    clnas_error err = {0};
    char a[CLNAS_SPACE_STR_MAX], b[CLNAS_SPACE_STR_MAX];
    for (uint64_t index = 0; index < CLNAS_NB201_CELLS; index += 97) {
        clnas_space_genotype g;
        clnas_genotype direct;
        clnas_space_nb201.from_index(index, &g);
        clnas_genotype_from_index((uint32_t)index, &direct);
        assert_int_equal(clnas_space_nb201.format(&g, a, sizeof a, &err), CLNAS_OK);
        assert_int_equal(clnas_genotype_format(&direct, b, sizeof b, &err), CLNAS_OK);
        assert_string_equal(a, b);
    }
    clnas_rng r1, r2;
    clnas_rng_seed(&r1, 3);
    clnas_rng_seed(&r2, 3);
    clnas_space_genotype g;
    clnas_darts_genotype d;
    clnas_space_darts.sample(&clnas_space_darts, &r1, &g);
    clnas_darts_genotype_sample(&r2, &d);
    assert_int_equal(clnas_space_darts.format(&g, a, sizeof a, &err), CLNAS_OK);
    assert_int_equal(clnas_darts_genotype_format(&d, b, sizeof b, &err), CLNAS_OK);
    assert_string_equal(a, b);
    /* Equal DARTS genotypes are equal values, whatever their unused concat slots held. */
    clnas_space_genotype x, y;
    assert_int_equal(clnas_space_darts.parse("Genotype(normal=[('none', 0), ('none', 1), ('none', 0), ('none', 1), "
                                             "('none', 0), ('none', 1), ('none', 0), ('none', 1)], normal_concat=[2], "
                                             "reduce=[('none', 0), ('none', 1), ('none', 0), ('none', 1), "
                                             "('none', 0), ('none', 1), ('none', 0), ('none', 1)], "
                                             "reduce_concat=range(2, 6))", &x, &err), CLNAS_OK);
    assert_int_equal(clnas_space_darts.format(&x, a, sizeof a, &err), CLNAS_OK);
    assert_int_equal(clnas_space_darts.parse(a, &y, &err), CLNAS_OK);
    assert_true(clnas_space_genotype_equal(&x, &y));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_every_space_round_trips),
        cmocka_unit_test(test_neighbours_cover_mutate),
        cmocka_unit_test(test_matches_the_spaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
