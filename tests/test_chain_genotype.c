/* clnas — tests of the chain-structured space's genotypes: strings, errors, canonical form, sampling, mutation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "clnas/chain_genotype.h"
#include "space_iface.h"

#define DRAWS 5000

static clnas_chain_genotype parse_ok(const char *text)
{
    clnas_chain_genotype g;
    clnas_error err = {0};
    if (clnas_chain_genotype_parse(text, &g, &err) != CLNAS_OK)
        fail_msg("parse \"%s\": %s", text, err.message);
    return g;
}

static void format_ok(const clnas_chain_genotype *g, char *buf)
{
    clnas_error err = {0};
    if (clnas_chain_genotype_format(g, buf, CLNAS_CHAIN_GENOTYPE_STR_MAX, &err) != CLNAS_OK)
        fail_msg("format: %s", err.message);
}

static void test_parse_example(void **state)
{
    (void)state;
    clnas_chain_genotype g =
        parse_ok("conv3x3-32 | sepconv5x5-64/s2 | maxpool3x3 | conv1x1-64 + skip(2) | conv3x3-32 + cat(2,3)");
    assert_int_equal(g.nlayers, 5);
    assert_int_equal(g.layer[0].op, CLNAS_CHAIN_CONV);
    assert_int_equal(g.layer[0].ksize, 3);
    assert_int_equal(g.layer[0].filters, 32);
    assert_int_equal(g.layer[1].op, CLNAS_CHAIN_SEPCONV);
    assert_int_equal(g.layer[1].ksize, 5);
    assert_int_equal(g.layer[1].stride, 2);
    assert_int_equal(g.layer[2].op, CLNAS_CHAIN_MAXPOOL);
    assert_int_equal(g.layer[3].nskips, 1);
    assert_int_equal(g.layer[3].skip[0], 2);
    assert_int_equal(g.layer[4].join, CLNAS_CHAIN_CAT);
    assert_int_equal(g.layer[4].nskips, 2);
    clnas_chain_shape s[6];
    assert_int_equal(clnas_chain_genotype_validate(&g, s, NULL), CLNAS_OK);
    assert_int_equal(s[0].c_stem, 1);
    assert_int_equal(s[3].c_fixed, 64);
    assert_int_equal(s[3].level, 1);
    assert_int_equal(s[4].c_fixed, 64);
    assert_int_equal(s[5].c_fixed, 32);
    assert_int_equal(s[5].c_stem, 0);
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *texts[] = {
        "identity",
        "conv7x7-128/s2",
        "conv3x3-32 | sepconv5x5-64/s2 | maxpool3x3 | conv1x1-64 + skip(2) | conv3x3-32 + cat(2,3)",
        "avgpool3x3 | identity + skip(0) | maxpool3x3/s2 + cat(1,0) | conv5x5-16",
        "conv1x1-16 | conv3x3-16 | conv3x3-16 + skip(1) | conv3x3-16 + skip(2,1) | sepconv3x3-16 + skip(3,1,2)",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        clnas_chain_genotype g = parse_ok(texts[i]), h;
        char buf[CLNAS_CHAIN_GENOTYPE_STR_MAX];
        format_ok(&g, buf);
        assert_string_equal(buf, texts[i]);
        h = parse_ok(buf);
        assert_true(clnas_chain_genotype_equal(&g, &h));
    }
    /* blanks between tokens are accepted; format writes the one spelling */
    clnas_chain_genotype g = parse_ok("  conv3x3-32 /s2|maxpool3x3 |conv1x1-16+ cat( 1 )|identity +cat(2 ,1)  ");
    char buf[CLNAS_CHAIN_GENOTYPE_STR_MAX];
    format_ok(&g, buf);
    assert_string_equal(buf, "conv3x3-32/s2 | maxpool3x3 | conv1x1-16 + cat(1) | identity + cat(2,1)");
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"", "position 0: expected an op"},
        {"conv", "position 4: expected a kernel size 1, 3, 5 or 7"},
        {"conv2x2-16", "position 4: expected a kernel size 1, 3, 5 or 7"},
        {"conv3x5-16", "position 6: expected the same kernel size twice"},
        {"conv3-16", "position 5: expected 'x'"},
        {"conv3x3", "position 7: expected '-' and a filter count"},
        {"conv3x3-24", "position 8: expected a filter count 16, 32, 64 or 128"},
        {"conv3x3-016", "position 8: expected a filter count"},
        {"conv3x3-99999", "position 8: expected a filter count"},
        {"sepconv7x7-16", "position 7: expected a kernel size 3 or 5"},
        {"maxpool", "position 0: expected an op"},
        {"identity/s2", "position 8: expected no stride on identity"},
        {"conv1x1-16/s3", "position 11: expected s2"},
        {"conv1x1-16 + skip(0)", "position 18: expected no skip: layer 1 reads only the stem's output"},
        {"conv1x1-16 | conv1x1-16 + skip(1)", "position 31: expected an earlier output 0..0"},
        {"conv1x1-16 | conv1x1-16 | identity + skip(0,0)", "position 44: expected an output not already listed"},
        {"conv1x1-16 | identity + skip(0", "position 30: expected ',' or ')'"},
        {"conv1x1-16 | identity + sum(0)", "position 24: expected skip( or cat("},
        {"conv1x1-16 | identity + skip()", "position 29: expected an earlier output"},
        {"conv1x1-16 |", "position 12: expected an op"},
        {"conv1x1-16 || identity", "position 12: expected an op"},
        {"conv1x1-16 x", "position 11: expected '/s2', '+ skip(', '+ cat(', '|' or end of string"},
        {"identity | identity + skip(0) x", "position 30: expected '|' or end of string"},
        {"conv1x1-16\x01", "position 10: expected '/s2', '+ skip(', '+ cat(', '|' or end of string, got byte 0x01"},
        /* shapes: a sum of other channels, a join of other spatial sizes */
        {"conv1x1-16 | conv1x1-32 | identity + skip(1)", "layer 3: output 1 has other channels than output 2"},
        {"conv1x1-16 | conv1x1-16/s2 | identity + cat(1)", "layer 3: output 1 has another spatial size"},
        {"conv1x1-16 | identity + skip(0)", "layer 2: output 0 has other channels"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clnas_chain_genotype g;
        clnas_error err = {0};
        clnas_status st = clnas_chain_genotype_parse(cases[i].text, &g, &err);
        if (st == CLNAS_OK || !strstr(err.message, cases[i].want))
            fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i].text, err.message, cases[i].want);
    }
    /* 21 layers */
    char text[512] = "identity";
    for (int i = 1; i < CLNAS_CHAIN_MAX_LAYERS + 1; i++)
        strcat(text, "|identity");
    clnas_chain_genotype g;
    clnas_error err = {0};
    assert_int_equal(clnas_chain_genotype_parse(text, &g, &err), CLNAS_ERR_PARSE);
    assert_non_null(strstr(err.message, "at most 20 layers"));
    /* 8 skips */
    clnas_error err2 = {0};
    assert_int_equal(clnas_chain_genotype_parse("identity|identity|identity|identity|identity|identity|identity|"
                                                "identity|identity|identity + skip(0,1,2,3,4,5,6,7)",
                                                &g, &err2),
                     CLNAS_ERR_PARSE);
    assert_non_null(strstr(err2.message, "at most 7 skips"));
}

static void test_validate_and_format_errors(void **state)
{
    (void)state;
    clnas_chain_genotype g = parse_ok("conv3x3-32 | identity");
    clnas_error err = {0};
    char buf[CLNAS_CHAIN_GENOTYPE_STR_MAX];
    assert_int_equal(clnas_chain_genotype_format(&g, buf, 8, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "too small"));
    clnas_chain_genotype bad = g;
    bad.layer[0].filters = 48;
    assert_int_equal(clnas_chain_genotype_validate(&bad, NULL, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "layer 1: 48 filters"));
    bad = g;
    bad.layer[1].stride = 2;
    assert_int_equal(clnas_chain_genotype_validate(&bad, NULL, &err), CLNAS_ERR_INVALID_ARG);
    bad = g;
    bad.layer[1].ksize = 3;
    assert_int_equal(clnas_chain_genotype_validate(&bad, NULL, &err), CLNAS_ERR_INVALID_ARG);
    bad = g;
    bad.nlayers = 0;
    assert_int_equal(clnas_chain_genotype_validate(&bad, NULL, &err), CLNAS_ERR_INVALID_ARG);
    bad = g;
    bad.layer[1].nskips = 1;
    bad.layer[1].skip[0] = 1; /* the previous output as a skip */
    assert_int_equal(clnas_chain_genotype_validate(&bad, NULL, &err), CLNAS_ERR_INVALID_ARG);
}

static uint64_t canon_hash(const char *text, char *out)
{
    clnas_chain_genotype g = parse_ok(text);
    uint64_t h = 0;
    clnas_error err = {0};
    if (clnas_chain_genotype_canonical(&g, NULL, out, CLNAS_CHAIN_GENOTYPE_STR_MAX, &h, &err) != CLNAS_OK)
        fail_msg("canonical \"%s\": %s", text, err.message);
    return h;
}

static void test_canonical_pairs(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        int same;
    } pairs[] = {
        /* sum is commutative */
        {"conv1x1-16 | conv3x3-16 | conv3x3-16 + skip(1) | identity + skip(2,1)",
         "conv1x1-16 | conv3x3-16 | conv3x3-16 + skip(1) | identity + skip(1,2)", 1},
        /* a plain identity computes nothing: removed, its readers renumbered */
        {"conv3x3-16 | identity | conv3x3-16 | conv1x1-16 + skip(1)", "conv3x3-16 | conv3x3-16 | conv1x1-16 + skip(1)",
         1},
        {"identity | conv3x3-16", "conv3x3-16", 1},
        {"conv3x3-16 | identity | identity", "conv3x3-16", 1},
        {"identity", "identity | identity", 1},
        /* not merged: a skip from the identity's output would then be the reader's previous output, doubled */
        {"conv3x3-16 | identity | conv3x3-16 + skip(1)", "conv3x3-16 | conv3x3-16", 0},
        /* concatenation order orders channels: kept */
        {"conv3x3-16 | conv3x3-32 | conv3x3-64 | identity + cat(0,1)",
         "conv3x3-16 | conv3x3-32 | conv3x3-64 | identity + cat(1,0)", 0},
        /* different functions */
        {"conv3x3-16 | conv3x3-16 | identity + skip(1)", "conv3x3-16 | conv3x3-16 | identity + cat(1)", 0},
        {"conv3x3-16", "conv3x3-16/s2", 0},
        {"conv3x3-16", "sepconv3x3-16", 0},
        {"maxpool3x3", "avgpool3x3", 0},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char ca[CLNAS_CHAIN_GENOTYPE_STR_MAX], cb[CLNAS_CHAIN_GENOTYPE_STR_MAX];
        uint64_t ha = canon_hash(pairs[i].a, ca), hb = canon_hash(pairs[i].b, cb);
        if ((ha == hb) != pairs[i].same || (strcmp(ca, cb) == 0) != pairs[i].same)
            fail_msg("pair %zu: \"%s\" -> \"%s\", \"%s\" -> \"%s\": want %s", i, pairs[i].a, ca, pairs[i].b, cb,
                     pairs[i].same ? "equal" : "different");
    }
    char c[CLNAS_CHAIN_GENOTYPE_STR_MAX];
    canon_hash("conv3x3-16 | identity | conv3x3-16 | conv1x1-16 + skip(1)", c);
    assert_string_equal(c, "conv3x3-16 | conv3x3-16 | conv1x1-16 + skip(1)");
}

static void check_valid(const clnas_chain_genotype *g, int max_layers, const char *what)
{
    clnas_error err = {0};
    if (clnas_chain_genotype_validate(g, NULL, &err) != CLNAS_OK)
        fail_msg("%s: invalid genotype: %s", what, err.message);
    if (g->nlayers > max_layers)
        fail_msg("%s: %d layers > %d", what, g->nlayers, max_layers);
    char buf[CLNAS_CHAIN_GENOTYPE_STR_MAX];
    format_ok(g, buf);
    clnas_chain_genotype h = parse_ok(buf);
    if (!clnas_chain_genotype_equal(g, &h))
        fail_msg("%s: \"%s\" does not round trip", what, buf);
    clnas_chain_genotype canon, again;
    uint64_t h1, h2;
    assert_int_equal(clnas_chain_genotype_canonical(g, &canon, NULL, 0, &h1, &err), CLNAS_OK);
    assert_int_equal(clnas_chain_genotype_canonical(&canon, &again, NULL, 0, &h2, &err), CLNAS_OK);
    if (h1 != h2 || !clnas_chain_genotype_equal(&canon, &again))
        fail_msg("%s: canonical form of \"%s\" is not a fixed point", what, buf);
}

static void test_sample_valid_and_spread(void **state)
{
    (void)state;
    clnas_rng rng;
    clnas_rng_seed(&rng, 7);
    unsigned layers[CLNAS_CHAIN_MAX_LAYERS + 1] = {0}, ops[CLNAS_CHAIN_OPS] = {0}, skips = 0, cats = 0, strided = 0;
    for (int d = 0; d < DRAWS; d++) {
        clnas_chain_genotype g;
        clnas_chain_genotype_sample(&rng, CLNAS_CHAIN_MAX_LAYERS, &g);
        check_valid(&g, CLNAS_CHAIN_MAX_LAYERS, "sample");
        layers[g.nlayers]++;
        for (int i = 0; i < g.nlayers; i++) {
            ops[g.layer[i].op]++;
            skips += g.layer[i].nskips;
            cats += g.layer[i].nskips && g.layer[i].join == CLNAS_CHAIN_CAT;
            strided += g.layer[i].stride == 2;
        }
    }
    for (int n = 1; n <= CLNAS_CHAIN_MAX_LAYERS; n++)
        if (layers[n] < DRAWS / CLNAS_CHAIN_MAX_LAYERS / 2)
            fail_msg("%u genotypes of %d layers in %d draws", layers[n], n, DRAWS);
    for (int o = 0; o < CLNAS_CHAIN_OPS; o++)
        assert_true(ops[o] > 1000);
    assert_true(skips > 1000 && cats > 300 && strided > 1000);
    /* the same seed, the same genotypes; max_layers bounds them */
    clnas_rng a, b;
    clnas_rng_seed(&a, 3);
    clnas_rng_seed(&b, 3);
    for (int d = 0; d < 100; d++) {
        clnas_chain_genotype x, y;
        clnas_chain_genotype_sample(&a, 4, &x);
        clnas_chain_genotype_sample(&b, 4, &y);
        assert_true(clnas_chain_genotype_equal(&x, &y));
        assert_true(x.nlayers <= 4);
    }
}

static void test_mutate_valid_and_every_kind(void **state)
{
    (void)state;
    clnas_rng rng;
    clnas_rng_seed(&rng, 11);
    clnas_chain_genotype g;
    clnas_chain_genotype_sample(&rng, 8, &g);
    unsigned grew = 0, shrank = 0, op_changed = 0, skip_added = 0, skip_removed = 0;
    for (int d = 0; d < DRAWS; d++) {
        clnas_chain_genotype c;
        clnas_chain_genotype_mutate(&g, &rng, 12, &c);
        check_valid(&c, 12, "mutate");
        assert_false(clnas_chain_genotype_equal(&g, &c));
        int sg = 0, sc = 0;
        for (int i = 0; i < g.nlayers; i++)
            sg += g.layer[i].nskips;
        for (int i = 0; i < c.nlayers; i++)
            sc += c.layer[i].nskips;
        grew += c.nlayers > g.nlayers;
        shrank += c.nlayers < g.nlayers;
        if (c.nlayers == g.nlayers) {
            int diff = 0;
            for (int i = 0; i < g.nlayers; i++)
                diff += g.layer[i].op != c.layer[i].op;
            op_changed += diff == 1;
            skip_added += sc == sg + 1;
            skip_removed += sc == sg - 1;
        }
        g = c; /* a random walk: every state it reaches must be valid */
    }
    assert_true(grew > 200 && shrank > 200 && op_changed > 200 && skip_added > 100 && skip_removed > 100);
    /* a one-layer genotype with max_layers 1 still mutates */
    clnas_chain_genotype one = parse_ok("identity"), c;
    for (int d = 0; d < 50; d++) {
        clnas_chain_genotype_mutate(&one, &rng, 1, &c);
        check_valid(&c, 1, "mutate one");
        assert_false(clnas_chain_genotype_equal(&one, &c));
    }
}

/* "conv3x3-16": 11 other ops, 3 other kernel sizes, 3 other filter counts, stride 2, and 2 x 53 inserted layers
 * of which conv3x3-16 before or after it is one child: 123. Every mutation is among the neighbours. */
static void test_neighbours(void **state)
{
    (void)state;
    static clnas_chain_genotype near[CLNAS_CHAIN_NEIGHBOURS_MAX];
    clnas_chain_genotype g = parse_ok("conv3x3-16");
    assert_int_equal(clnas_chain_genotype_neighbours(&g, 20, near, CLNAS_CHAIN_NEIGHBOURS_MAX), 123);
    assert_int_equal(clnas_chain_genotype_neighbours(&g, 1, near, CLNAS_CHAIN_NEIGHBOURS_MAX), 18);
    clnas_rng rng;
    clnas_rng_seed(&rng, 23);
    for (int d = 0; d < 40; d++) {
        clnas_chain_genotype_sample(&rng, 20, &g);
        const int n = clnas_chain_genotype_neighbours(&g, 20, near, CLNAS_CHAIN_NEIGHBOURS_MAX);
        assert_true(n > 0 && n < CLNAS_CHAIN_NEIGHBOURS_MAX);
        for (int a = 0; a < n; a++)
            check_valid(&near[a], 20, "neighbour");
        for (int m = 0; m < 100; m++) {
            clnas_chain_genotype c;
            clnas_chain_genotype_mutate(&g, &rng, 20, &c);
            int found = 0;
            for (int a = 0; a < n && !found; a++)
                found = clnas_chain_genotype_equal(&near[a], &c);
            assert_true(found);
        }
    }
}

/* The space interface: by name, and its opaque values equal exactly when the genotypes are (unused bytes zero
 * after a mutation removed layers or skips). */
static void test_space_iface(void **state)
{
    (void)state;
    const clnas_space_iface *sp = NULL;
    clnas_error err = {0};
    assert_int_equal(clnas_space_by_name("chain", &sp, &err), CLNAS_OK);
    assert_string_equal(sp->name, "chain");
    clnas_space_genotype g, back, child;
    assert_int_equal(sp->parse(sp->example, &g, &err), CLNAS_OK);
    clnas_rng rng;
    clnas_rng_seed(&rng, 5);
    char buf[CLNAS_SPACE_STR_MAX];
    for (int d = 0; d < 2000; d++) {
        sp->mutate(&g, &rng, &child);
        assert_false(clnas_space_genotype_equal(&g, &child));
        assert_int_equal(sp->format(&child, buf, sizeof buf, &err), CLNAS_OK);
        assert_int_equal(sp->parse(buf, &back, &err), CLNAS_OK);
        if (!clnas_space_genotype_equal(&child, &back))
            fail_msg("\"%s\": the parsed value's bytes differ from the mutated one's", buf);
        g = child;
        if (d % 10 == 0)
            sp->sample(sp, &rng, &g);
    }
    uint64_t h1, h2;
    assert_int_equal(sp->parse("conv3x3-16 | identity | conv3x3-16 | identity + skip(1,2)", &g, &err), CLNAS_OK);
    assert_int_equal(sp->parse("conv3x3-16 | conv3x3-16 | identity + skip(1)", &back, &err), CLNAS_OK);
    assert_int_equal(sp->canonical(&g, buf, sizeof buf, &h1, &err), CLNAS_OK);
    assert_int_equal(sp->canonical(&back, NULL, 0, &h2, &err), CLNAS_OK);
    assert_true(h1 != h2); /* the identity's output is read with output 1 (= the same tensor) and 2: not merged */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_example),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_validate_and_format_errors),
        cmocka_unit_test(test_canonical_pairs),
        cmocka_unit_test(test_sample_valid_and_spread),
        cmocka_unit_test(test_mutate_valid_and_every_kind),
        cmocka_unit_test(test_neighbours),
        cmocka_unit_test(test_space_iface),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
