/* clnas — tests of the NAS-Bench-201 space: arch strings, NB201 and canonical forms, rng, sampling, mutation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/rng.h"
#include "clnas/space.h"
#include "space_nb201.h"

#define EXAMPLE_ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"

/* Chi-square critical values at p = 0.001: a correct generator fails one of these checks about once in 1000
 * seeds, and the seeds are fixed, so a failure means the code changed. */
#define CHI2_P001_DF4 18.467
#define CHI2_P001_DF5 20.515
#define CHI2_P001_DF6 22.458

static uint64_t test_fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static double chi_square(const unsigned *counts, int bins, double expected)
{
    double chi2 = 0.0;
    for (int i = 0; i < bins; i++)
        chi2 += ((double)counts[i] - expected) * ((double)counts[i] - expected) / expected;
    return chi2;
}

static clnas_genotype parse_ok(const char *text)
{
    clnas_genotype g;
    clnas_error err = {0};
    clnas_status st = clnas_genotype_parse(text, &g, &err);
    if (st != CLNAS_OK)
        fail_msg("parse of %s failed: %s", text, err.message);
    return g;
}

static uint64_t canonical_hash_of(const char *arch, char *canonical, size_t cap)
{
    clnas_genotype g = parse_ok(arch);
    uint64_t hash = 0;
    clnas_error err = {0};
    assert_int_equal(clnas_genotype_canonical(&g, canonical, cap, &hash, &err), CLNAS_OK);
    return hash;
}

static void nb201_str_of(const char *arch, char *out)
{
    clnas_genotype g = parse_ok(arch);
    assert_int_equal(clnas_genotype_nb201_unique_str(&g, out, CLNAS_GENOTYPE_STR_MAX, NULL), CLNAS_OK);
}

/* ---- rng ---- */

static void test_rng_reference_vectors(void **state)
{
    (void)state;
    /* Published xoshiro256** outputs from the state {1, 2, 3, 4} (reference implementation). */
    static const uint64_t expected[10] = {
        11520ULL, 0ULL, 1509978240ULL, 1215971899390074240ULL, 1216172134540287360ULL,
        607988272756665600ULL, 16172922978634559625ULL, 8476171486693032832ULL, 10595114339597558777ULL,
        2904607092377533576ULL,
    };
    clnas_rng rng = {{1, 2, 3, 4}};
    for (int i = 0; i < 10; i++)
        assert_true(clnas_rng_next(&rng) == expected[i]);

    /* Seeding with 0 is splitmix64's first four outputs from 0. */
    clnas_rng_seed(&rng, 0);
    assert_true(rng.s[0] == 0xe220a8397b1dcdafULL);
    assert_true(rng.s[1] == 0x6e789e6aa1b965f4ULL);
    assert_true(rng.s[2] == 0x06c45d188009454fULL);
    assert_true(rng.s[3] == 0xf88bb8a8724c81ecULL);
}

static void test_rng_same_seed_same_sequence(void **state)
{
    (void)state;
    clnas_rng a, b, c;
    clnas_rng_seed(&a, 7);
    clnas_rng_seed(&b, 7);
    clnas_rng_seed(&c, 8);
    int differs_from_other_seed = 0;
    for (int i = 0; i < 1000; i++) {
        const uint64_t x = clnas_rng_next(&a), y = clnas_rng_next(&b), z = clnas_rng_next(&c);
        assert_true(x == y);
        differs_from_other_seed |= x != z;
    }
    assert_true(differs_from_other_seed);

    clnas_rng_seed(&a, 99);
    clnas_rng_seed(&b, 99);
    for (int i = 0; i < 1000; i++) {
        clnas_genotype ga, gb;
        clnas_genotype_sample(&a, &ga);
        clnas_genotype_sample(&b, &gb);
        assert_memory_equal(ga.ops, gb.ops, CLNAS_NB201_EDGES);
        clnas_genotype_mutate(&ga, &a, &ga);
        clnas_genotype_mutate(&gb, &b, &gb);
        assert_memory_equal(ga.ops, gb.ops, CLNAS_NB201_EDGES);
    }
}

static void test_rng_below_uniform_normal(void **state)
{
    (void)state;
    clnas_rng rng;
    clnas_rng_seed(&rng, 12345);

    assert_int_equal(clnas_rng_below(&rng, 0), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(clnas_rng_below(&rng, 1), 0);

    unsigned counts[7] = {0};
    const int draws = 70000;
    for (int i = 0; i < draws; i++) {
        const uint32_t v = clnas_rng_below(&rng, 7);
        assert_true(v < 7);
        counts[v]++;
    }
    const double chi2 = chi_square(counts, 7, draws / 7.0);
    assert_true(chi2 < CHI2_P001_DF6);

    /* n just above 2^31 rejects almost half the raw draws: values stay in range and the mean stays central. */
    const uint32_t big = 0x80000001u;
    double mean_big = 0.0;
    for (int i = 0; i < 10000; i++) {
        const uint32_t v = clnas_rng_below(&rng, big);
        assert_true(v < big);
        mean_big += v / (double)big;
    }
    mean_big /= 10000;
    assert_true(fabs(mean_big - 0.5) < 0.02);

    double sum = 0.0, sum_normal = 0.0, sum_normal_sq = 0.0;
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        const double u = clnas_rng_uniform(&rng);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
        const double z = clnas_rng_normal(&rng);
        assert_true(isfinite(z));
        sum_normal += z;
        sum_normal_sq += z * z;
    }
    assert_true(fabs(sum / n - 0.5) < 0.005);
    const double mean = sum_normal / n, var = sum_normal_sq / n - mean * mean;
    assert_true(fabs(mean) < 0.02);
    assert_true(fabs(var - 1.0) < 0.03);
}

/* ---- arch strings ---- */

static void test_op_names(void **state)
{
    (void)state;
    assert_string_equal(clnas_nb201_op_name(CLNAS_OP_NONE), "none");
    assert_string_equal(clnas_nb201_op_name(CLNAS_OP_SKIP_CONNECT), "skip_connect");
    assert_string_equal(clnas_nb201_op_name(CLNAS_OP_NOR_CONV_1X1), "nor_conv_1x1");
    assert_string_equal(clnas_nb201_op_name(CLNAS_OP_NOR_CONV_3X3), "nor_conv_3x3");
    assert_string_equal(clnas_nb201_op_name(CLNAS_OP_AVG_POOL_3X3), "avg_pool_3x3");
    assert_string_equal(clnas_nb201_op_name((clnas_nb201_op)5), "unknown");

    clnas_nb201_op op;
    clnas_error err = {0};
    assert_int_equal(clnas_nb201_op_parse("avg_pool_3x3", &op, &err), CLNAS_OK);
    assert_int_equal(op, CLNAS_OP_AVG_POOL_3X3);
    assert_int_equal(clnas_nb201_op_parse("max_pool_3x3", &op, &err), CLNAS_ERR_PARSE);
    assert_non_null(strstr(err.message, "\"max_pool_3x3\""));

    const int from[6] = {0, 0, 1, 0, 1, 2}, to[6] = {1, 2, 2, 3, 3, 3};
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        assert_int_equal(clnas_nb201_edge_from[e], from[e]);
        assert_int_equal(clnas_nb201_edge_to[e], to[e]);
    }
}

static void test_parse_example(void **state)
{
    (void)state;
    const clnas_genotype g = parse_ok(EXAMPLE_ARCH);
    const uint8_t expected[6] = {CLNAS_OP_NOR_CONV_3X3, CLNAS_OP_NOR_CONV_3X3, CLNAS_OP_NOR_CONV_3X3,
                                 CLNAS_OP_SKIP_CONNECT, CLNAS_OP_NOR_CONV_3X3, CLNAS_OP_SKIP_CONNECT};
    assert_memory_equal(g.ops, expected, 6);
    /* base 5, edge 0 most significant: 3*5^5 + 3*5^4 + 3*5^3 + 1*5^2 + 3*5 + 1 */
    assert_int_equal(clnas_genotype_to_index(&g), 9375 + 1875 + 375 + 25 + 15 + 1);
}

static void test_round_trip_all_cells(void **state)
{
    (void)state;
    for (uint32_t index = 0; index < CLNAS_NB201_CELLS; index++) {
        clnas_genotype g, back;
        clnas_genotype_from_index(index, &g);
        assert_int_equal(clnas_genotype_to_index(&g), index);
        char text[CLNAS_GENOTYPE_STR_MAX], again[CLNAS_GENOTYPE_STR_MAX];
        clnas_error err = {0};
        assert_int_equal(clnas_genotype_format(&g, text, sizeof text, &err), CLNAS_OK);
        assert_int_equal(clnas_genotype_parse(text, &back, &err), CLNAS_OK);
        assert_memory_equal(g.ops, back.ops, CLNAS_NB201_EDGES);
        assert_int_equal(clnas_genotype_format(&back, again, sizeof again, &err), CLNAS_OK);
        assert_string_equal(text, again);
    }
    clnas_genotype g;
    clnas_genotype_from_index(CLNAS_NB201_CELLS + 7, &g); /* taken modulo */
    assert_int_equal(clnas_genotype_to_index(&g), 7);
}

static void test_format_errors(void **state)
{
    (void)state;
    clnas_error err = {0};
    const clnas_genotype longest = parse_ok(
        "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|");
    char buf[CLNAS_GENOTYPE_STR_MAX];
    assert_int_equal(clnas_genotype_format(&longest, buf, 95, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "96 bytes"));
    assert_int_equal(clnas_genotype_format(&longest, buf, 96, &err), CLNAS_OK);
    assert_int_equal(strlen(buf), 95);

    clnas_genotype bad = {{0, 0, 0, 0, 7, 0}};
    assert_int_equal(clnas_genotype_format(&bad, buf, sizeof buf, &err), CLNAS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "edge 4"));
    assert_int_equal(clnas_genotype_to_index(&bad), UINT32_MAX);
    assert_int_equal(clnas_genotype_nb201_unique_str(&bad, buf, sizeof buf, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_genotype_canonical(&bad, buf, sizeof buf, NULL, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_genotype_parse(NULL, &bad, &err), CLNAS_ERR_INVALID_ARG);
}

struct bad_arch {
    const char *text;
    size_t position;
    const char *expected; /* a piece of the message after "arch string position N: expected " */
};

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct bad_arch cases[] = {
        /* empty and whitespace */
        {"", 0, "'|', got end of string"},
        {" " EXAMPLE_ARCH, 0, "'|', got ' ' (a space"},
        {"\t" EXAMPLE_ARCH, 0, "'|', got byte 0x09"},
        {"|nor_conv_3x3~0|+ |nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 17,
         "'|', got ' '"},
        {"|nor_conv_3x3 ~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 1,
         "got \"nor_conv_3x3 \""},
        {EXAMPLE_ARCH "\n", 95, "end of string after node 3 (a cell has nodes 1, 2 and 3), got \"\\n\""},
        /* missing pipes */
        {"nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 0,
         "'|', got 'n'"},
        {"|nor_conv_3x3~0+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 15,
         "'|', got '+'"},
        {"|nor_conv_3x3~0|+nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 17,
         "'|', got 'n'"},
        {"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2", 94,
         "'|', got end of string"},
        /* unknown ops */
        {"|nor_conv_5x5~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 1,
         "an op name (none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3) for node 1's edge from node 0, "
         "got \"nor_conv_5x5\""},
        {"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|max_pool_3x3~2|", 80,
         "an op name (none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3) for node 3's edge from node 2, "
         "got \"max_pool_3x3\""},
        {"|NOR_CONV_3X3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 1,
         "got \"NOR_CONV_3X3\""},
        {"|~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 1,
         "an op name (none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3) for node 1's edge from node 0, "
         "got '~'"},
        /* wrong or missing input indices */
        {"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~2|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 46,
         "input index 1 ('~1'"},
        {"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~1|nor_conv_3x3~0|skip_connect~2|", 63,
         "input index 0 ('~0'"},
        {"|nor_conv_3x3|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 13,
         "'~0', got '|'"},
        {"|nor_conv_3x3~|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 14,
         "input index 0 ('~0'"},
        {"|nor_conv_3x3~00|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 15,
         "'|', got '0'"},
        /* too few or too many nodes */
        {"|nor_conv_3x3~0|", 16, "'+' and node 2 (a cell has nodes 1, 2 and 3), got end of string"},
        {"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|", 48,
         "'+' and node 3 (a cell has nodes 1, 2 and 3), got end of string"},
        {EXAMPLE_ARCH "+|none~0|none~1|none~2|none~3|", 95,
         "end of string after node 3 (a cell has nodes 1, 2 and 3), got \"+|none~0|none~1|none~2|n\"..."},
        /* too few or too many edges */
        {"|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 33,
         "for node 2's edge from node 1 (node 2 takes exactly 2 input edges), got '+'"},
        {"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|", 80,
         "for node 3's edge from node 2 (node 3 takes exactly 3 input edges), got end of string"},
        {"|nor_conv_3x3~0|none~1|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 16,
         "'+' before node 2 (node 1 takes exactly 1 input edge), got 'n'"},
        {"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|none~2|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 48,
         "'+' before node 3 (node 2 takes exactly 2 input edges), got 'n'"},
        {EXAMPLE_ARCH "none~3|", 95, "end of string after node 3 (a cell has nodes 1, 2 and 3), got \"none~3|\""},
        /* trailing garbage */
        {EXAMPLE_ARCH "x", 95, "end of string after node 3 (a cell has nodes 1, 2 and 3), got \"x\""},
        {EXAMPLE_ARCH "|", 95, "end of string after node 3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clnas_genotype g = {{9, 9, 9, 9, 9, 9}};
        clnas_error err = {0};
        const clnas_status st = clnas_genotype_parse(cases[i].text, &g, &err);
        if (st != CLNAS_ERR_PARSE)
            fail_msg("case %zu (%s): status %d, want CLNAS_ERR_PARSE", i, cases[i].text, (int)st);
        char prefix[96];
        snprintf(prefix, sizeof prefix, "arch string position %zu: expected ", cases[i].position);
        if (strncmp(err.message, prefix, strlen(prefix)) != 0 || !strstr(err.message, cases[i].expected))
            fail_msg("case %zu (%s):\n  message: %s\n  wanted:  %s... %s", i, cases[i].text, err.message, prefix,
                     cases[i].expected);
        assert_int_equal(err.status, CLNAS_ERR_PARSE);
        assert_int_equal(g.ops[0], 9); /* out is untouched on failure */
    }
}

/* ---- NB201 unique strings and canonical hashes ---- */

static void test_nb201_unique_known(void **state)
{
    (void)state;
    /* Values from NB201's genotypes.py to_unique_str(consider_zero=True), run in Python on the same cells. */
    static const char *const cases[][2] = {
        {EXAMPLE_ARCH,
         "((0)@nor_conv_3x3)@nor_conv_3x3+((0)@nor_conv_3x3)@nor_conv_3x3+(0)@nor_conv_3x3+0"},
        {"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "#+#+#"},
        {"|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|",
         "0+0+0+0"},
        {"|none~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|", "#+(#+#)@nor_conv_3x3+0"},
        {"|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|skip_connect~2|",
         "#+#+(0)@nor_conv_3x3+(0)@nor_conv_1x1"},
        {"|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|avg_pool_3x3~1|nor_conv_1x1~2|",
         "((0)@avg_pool_3x3)@avg_pool_3x3+((0)@avg_pool_3x3+(0)@nor_conv_1x1)@nor_conv_1x1+(0)@nor_conv_3x3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char got[CLNAS_GENOTYPE_STR_MAX];
        nb201_str_of(cases[i][0], got);
        assert_string_equal(got, cases[i][1]);
    }
}

struct cell_strings {
    char nb201[CLNAS_GENOTYPE_STR_MAX];
    char canonical[CLNAS_GENOTYPE_STR_MAX];
    uint64_t hash;
};

static int by_nb201(const void *a, const void *b)
{
    return strcmp(((const struct cell_strings *)a)->nb201, ((const struct cell_strings *)b)->nb201);
}

static int by_canonical(const void *a, const void *b)
{
    return strcmp(((const struct cell_strings *)a)->canonical, ((const struct cell_strings *)b)->canonical);
}

static int by_hash(const void *a, const void *b)
{
    const uint64_t x = ((const struct cell_strings *)a)->hash, y = ((const struct cell_strings *)b)->hash;
    return x < y ? -1 : x > y;
}

static void test_classes_over_all_cells(void **state)
{
    (void)state;
    struct cell_strings *cells = calloc(CLNAS_NB201_CELLS, sizeof *cells);
    assert_non_null(cells);
    for (uint32_t i = 0; i < CLNAS_NB201_CELLS; i++) {
        clnas_genotype g;
        clnas_genotype_from_index(i, &g);
        clnas_error err = {0};
        assert_int_equal(clnas_genotype_nb201_unique_str(&g, cells[i].nb201, CLNAS_GENOTYPE_STR_MAX, &err), CLNAS_OK);
        assert_int_equal(
            clnas_genotype_canonical(&g, cells[i].canonical, CLNAS_GENOTYPE_STR_MAX, &cells[i].hash, &err), CLNAS_OK);
        assert_true(cells[i].hash == test_fnv1a64(cells[i].canonical));
        uint64_t hash_only = 0;
        assert_int_equal(clnas_genotype_canonical(&g, NULL, 0, &hash_only, &err), CLNAS_OK);
        assert_true(hash_only == cells[i].hash);
    }

    /* NB201's count, and every NB201 class lies inside one canonical class. */
    qsort(cells, CLNAS_NB201_CELLS, sizeof *cells, by_nb201);
    int nb201_classes = 1;
    for (int i = 1; i < CLNAS_NB201_CELLS; i++) {
        if (strcmp(cells[i].nb201, cells[i - 1].nb201) != 0)
            nb201_classes++;
        else if (cells[i].hash != cells[i - 1].hash)
            fail_msg("NB201 string %s: canonical %s vs %s", cells[i].nb201, cells[i].canonical,
                     cells[i - 1].canonical);
    }
    assert_int_equal(nb201_classes, 6466);

    qsort(cells, CLNAS_NB201_CELLS, sizeof *cells, by_canonical);
    int canonical_classes = 1;
    for (int i = 1; i < CLNAS_NB201_CELLS; i++)
        canonical_classes += strcmp(cells[i].canonical, cells[i - 1].canonical) != 0;
    qsort(cells, CLNAS_NB201_CELLS, sizeof *cells, by_hash);
    int hash_classes = 1;
    for (int i = 1; i < CLNAS_NB201_CELLS; i++)
        hash_classes += cells[i].hash != cells[i - 1].hash;
    printf("NB201 classes: %d, canonical classes: %d, distinct canonical hashes: %d\n", nb201_classes,
           canonical_classes, hash_classes);
    assert_int_equal(hash_classes, canonical_classes); /* no FNV collision among the canonical strings */
    assert_true(canonical_classes <= 6466);
    assert_true(canonical_classes > 5000);
    assert_int_equal(canonical_classes, 5390);
    free(cells);
}

/* The smallest cell of each class the (limited) cells reach, found by a plain first-seen scan in index order. */
static int first_seen_representatives(const uint8_t *op_mask, uint32_t *rep)
{
    uint64_t *seen = malloc(CLNAS_NB201_CELLS * sizeof *seen);
    assert_non_null(seen);
    int n = 0;
    for (uint32_t i = 0; i < CLNAS_NB201_CELLS; i++) {
        clnas_genotype g;
        clnas_genotype_from_index(i, &g);
        int held = 1;
        for (int e = 0; e < CLNAS_NB201_EDGES && op_mask; e++)
            held &= (op_mask[e] >> g.ops[e]) & 1u;
        uint64_t h;
        clnas_genotype_canonical(&g, NULL, 0, &h, NULL);
        int known = !held;
        for (int c = n - 1; c >= 0 && !known; c--)
            known = seen[c] == h;
        if (!known) {
            seen[n] = h;
            rep[n++] = i;
        }
    }
    free(seen);
    return n;
}

static int in_mask(const clnas_space_genotype *g, const void *op_mask)
{
    const clnas_genotype cell = clnas_nb201_of(g);
    const uint8_t *mask = op_mask;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        if (!((mask[e] >> cell.ops[e]) & 1u))
            return 0;
    return 1;
}

/* The space interface's class representatives of NB201 (all cells, and cells limited by op masks) against a plain
 * first-seen scan; a space that is not enumerable gives -1. */
static void test_class_representatives(void **state)
{
    (void)state;
    uint64_t *got = malloc(CLNAS_NB201_CELLS * sizeof *got);
    uint32_t *want = malloc(CLNAS_NB201_CELLS * sizeof *want);
    assert_non_null(got);
    assert_non_null(want);
    assert_int_equal(clnas_space_class_representatives(&clnas_space_nb201, NULL, NULL, got), CLNAS_NB201_CLASSES);
    assert_int_equal(first_seen_representatives(NULL, want), CLNAS_NB201_CLASSES);
    for (int i = 0; i < CLNAS_NB201_CLASSES; i++)
        assert_true(got[i] == want[i]);
    assert_int_equal(clnas_space_class_representatives(&clnas_space_darts, NULL, NULL, got), -1);
    /* limited cells: no none on any edge; and only conv_3x3 or skip on edge 0, avg_pool only on edge 5 */
    uint8_t no_none[CLNAS_NB201_EDGES], mixed[CLNAS_NB201_EDGES];
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        no_none[e] = (uint8_t)(0x1f & ~(1u << CLNAS_OP_NONE));
        mixed[e] = 0x1f;
    }
    mixed[0] = (uint8_t)((1u << CLNAS_OP_NOR_CONV_3X3) | (1u << CLNAS_OP_SKIP_CONNECT));
    mixed[5] = (uint8_t)(1u << CLNAS_OP_AVG_POOL_3X3);
    const uint8_t *masks[] = {no_none, mixed};
    for (int m = 0; m < 2; m++) {
        const int n = (int)clnas_space_class_representatives(&clnas_space_nb201, in_mask, masks[m], got);
        assert_int_equal(n, first_seen_representatives(masks[m], want));
        assert_true(n > 1 && n < CLNAS_NB201_CLASSES);
        for (int i = 0; i < n; i++)
            assert_true(got[i] == want[i]);
    }
    free(got);
    free(want);
}

static void test_canonical_pairs(void **state)
{
    (void)state;
    char ca[CLNAS_GENOTYPE_STR_MAX], cb[CLNAS_GENOTYPE_STR_MAX], na[CLNAS_GENOTYPE_STR_MAX],
        nb[CLNAS_GENOTYPE_STR_MAX];
    /* Equal functions. The first group NB201 already merges; the rest only the canonical form does. */
    static const char *const same[][2] = {
        /* conv(x) reached directly or through a skip from node 1 */
        {"|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|",
         "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|"},
        /* node 3 = conv1x1(x) + conv3x3(x), whichever of node 1 and node 2 computes which */
        {"|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|skip_connect~2|",
         "|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|skip_connect~1|skip_connect~2|"},
        /* x + 0: a skip from an all-none node 2 adds nothing */
        {"|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|skip_connect~2|",
         "|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"},
        /* conv(conv(x)) via node 2 = none(x) + conv(node 1), or directly from node 1 */
        {"|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|",
         "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|"},
        /* an edge from a "#+#" node is "#", as NB201 does for a "#" node */
        {"|none~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
         "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        const uint64_t ha = canonical_hash_of(same[i][0], ca, sizeof ca);
        const uint64_t hb = canonical_hash_of(same[i][1], cb, sizeof cb);
        assert_string_equal(ca, cb);
        assert_true(ha == hb);
        nb201_str_of(same[i][0], na);
        nb201_str_of(same[i][1], nb);
        if (i == 0)
            assert_string_equal(na, nb);
        else
            assert_string_not_equal(na, nb);
    }
    canonical_hash_of("|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|skip_connect~2|", ca,
                      sizeof ca);
    assert_string_equal(ca, "(0)@nor_conv_1x1+(0)@nor_conv_3x3");
    const uint64_t zero_hash = canonical_hash_of("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", ca, sizeof ca);
    assert_string_equal(ca, "#");
    assert_true(zero_hash == 0xaf639e4c86018332ULL); /* FNV-1a 64 of "#" */

    /* Different functions. */
    static const char *const differ[][2] = {
        {"|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
         EXAMPLE_ARCH},
        {"|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|",
         "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|skip_connect~2|"},
        {"|skip_connect~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|",
         "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|"},
        {"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
         "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"},
        {"|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|skip_connect~1|none~2|",
         "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"},
    };
    for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++) {
        const uint64_t ha = canonical_hash_of(differ[i][0], ca, sizeof ca);
        const uint64_t hb = canonical_hash_of(differ[i][1], cb, sizeof cb);
        assert_string_not_equal(ca, cb);
        assert_true(ha != hb);
    }

    char hex[17];
    clnas_hash_to_hex(0xcbf29ce484222325ULL, hex);
    assert_string_equal(hex, "cbf29ce484222325");
    clnas_hash_to_hex(0x0123456789abcdefULL, hex);
    assert_string_equal(hex, "0123456789abcdef");
    assert_true(test_fnv1a64("") == 0xcbf29ce484222325ULL);
    assert_true(test_fnv1a64("a") == 0xaf63dc4c8601ec8cULL);

    clnas_genotype g = parse_ok(EXAMPLE_ARCH);
    clnas_error err = {0};
    assert_int_equal(clnas_genotype_canonical(&g, ca, 10, NULL, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_genotype_nb201_unique_str(&g, ca, 10, &err), CLNAS_ERR_INVALID_ARG);
    assert_int_equal(clnas_genotype_canonical(&g, NULL, 0, NULL, &err), CLNAS_ERR_INVALID_ARG);
}

/* ---- sampling and mutation ---- */

static void test_sample_uniform(void **state)
{
    (void)state;
    clnas_rng rng;
    clnas_rng_seed(&rng, 2024);
    unsigned counts[CLNAS_NB201_EDGES][CLNAS_NB201_OPS] = {{0}};
    const int draws = 50000;
    for (int i = 0; i < draws; i++) {
        clnas_genotype g;
        clnas_genotype_sample(&rng, &g);
        assert_true(clnas_genotype_to_index(&g) < CLNAS_NB201_CELLS);
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            counts[e][g.ops[e]]++;
    }
    for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
        const double chi2 = chi_square(counts[e], CLNAS_NB201_OPS, draws / (double)CLNAS_NB201_OPS);
        if (chi2 >= CHI2_P001_DF4)
            fail_msg("edge %d: chi-square %.2f over 4 degrees of freedom", e, chi2);
    }
}

static void test_mutate(void **state)
{
    (void)state;
    clnas_rng rng;
    clnas_rng_seed(&rng, 31337);
    unsigned reached[CLNAS_NB201_EDGES][CLNAS_NB201_OPS] = {{0}};
    unsigned edge_counts[CLNAS_NB201_EDGES] = {0};
    const int trials = 10000;
    for (int t = 0; t < trials; t++) {
        clnas_genotype parent, child;
        clnas_genotype_sample(&rng, &parent);
        const clnas_genotype saved = parent;
        clnas_genotype_mutate(&parent, &rng, &child);
        assert_memory_equal(parent.ops, saved.ops, CLNAS_NB201_EDGES);
        int changed = 0, edge = -1;
        for (int e = 0; e < CLNAS_NB201_EDGES; e++) {
            if (child.ops[e] != parent.ops[e]) {
                changed++;
                edge = e;
            }
        }
        assert_int_equal(changed, 1);
        assert_true(child.ops[edge] < CLNAS_NB201_OPS);
        reached[edge][child.ops[edge]]++;
        edge_counts[edge]++;
    }
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        for (int op = 0; op < CLNAS_NB201_OPS; op++)
            if (reached[e][op] == 0)
                fail_msg("mutation never set edge %d to %s", e, clnas_nb201_op_name((clnas_nb201_op)op));
    assert_true(chi_square(edge_counts, CLNAS_NB201_EDGES, trials / (double)CLNAS_NB201_EDGES) < CHI2_P001_DF5);

    /* In place: child may be the parent. */
    clnas_genotype g = parse_ok(EXAMPLE_ARCH);
    const clnas_genotype before = g;
    clnas_genotype_mutate(&g, &rng, &g);
    int changed = 0;
    for (int e = 0; e < CLNAS_NB201_EDGES; e++)
        changed += g.ops[e] != before.ops[e];
    assert_int_equal(changed, 1);
}

/* ---- analysis ---- */

static void test_analyse(void **state)
{
    (void)state;
    static const struct {
        const char *arch;
        int zero[4];
        int live[6];
    } cases[] = {
        {"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", {0, 1, 1, 1}, {0, 0, 0, 0, 0, 0}},
        {EXAMPLE_ARCH, {0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}},
        /* node 1 leads nowhere: its conv edge is dead; node 2 is zero */
        {"|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|", {0, 0, 1, 0}, {0, 0, 0, 1, 0, 0}},
        /* avg_pool of a zero node is zero; conv of it is BN's shift, so node 3 is not zero */
        {"|none~0|+|none~0|avg_pool_3x3~1|+|none~0|skip_connect~1|nor_conv_1x1~2|", {0, 1, 1, 0}, {0, 0, 1, 0, 1, 1}},
        {"|none~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|", {0, 1, 1, 0}, {0, 0, 0, 0, 1, 0}},
        /* skip and avg_pool of zero nodes: node 3 zero, its edges still live (they reach the output) */
        {"|none~0|+|none~0|none~1|+|none~0|skip_connect~1|avg_pool_3x3~2|", {0, 1, 1, 1}, {0, 0, 0, 0, 1, 1}},
        /* nodes 1 and 2 have no non-none path to node 3: the chain 0 -> 1 -> 2 is dead, 0 -> 3 is live */
        {"|skip_connect~0|+|none~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|none~2|", {0, 0, 0, 0}, {0, 0, 0, 1, 0, 0}},
        /* the chain 0 -> 1 -> 2 -> 3 is live end to end */
        {"|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|none~0|none~1|skip_connect~2|", {0, 0, 0, 0}, {1, 0, 1, 0, 0, 1}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const clnas_genotype g = parse_ok(cases[i].arch);
        int zero[4] = {-1, -1, -1, -1}, live[6] = {-1, -1, -1, -1, -1, -1};
        clnas_genotype_analyse(&g, zero, live);
        for (int j = 0; j < 4; j++)
            if (zero[j] != cases[i].zero[j])
                fail_msg("%s: node %d zero = %d, want %d", cases[i].arch, j, zero[j], cases[i].zero[j]);
        for (int e = 0; e < 6; e++)
            if (live[e] != cases[i].live[e])
                fail_msg("%s: edge %d live = %d, want %d", cases[i].arch, e, live[e], cases[i].live[e]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_reference_vectors),
        cmocka_unit_test(test_rng_same_seed_same_sequence),
        cmocka_unit_test(test_rng_below_uniform_normal),
        cmocka_unit_test(test_op_names),
        cmocka_unit_test(test_parse_example),
        cmocka_unit_test(test_round_trip_all_cells),
        cmocka_unit_test(test_format_errors),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_nb201_unique_known),
        cmocka_unit_test(test_classes_over_all_cells),
        cmocka_unit_test(test_class_representatives),
        cmocka_unit_test(test_canonical_pairs),
        cmocka_unit_test(test_sample_uniform),
        cmocka_unit_test(test_mutate),
        cmocka_unit_test(test_analyse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
