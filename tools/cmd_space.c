/* clnas tool — `clnas space`: arch strings of any search space (--space): canonical hashes, sampling, mutation;
 * enumeration and class counts for NAS-Bench-201. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clnas/rng.h"
#include "clnas/space.h"
#include "space_iface.h"

#define DEFAULT_SEED 0

static const char usage_text[] =
    "usage: clnas space SUBCOMMAND [--space nb201|darts|chain] [options]\n"
    "       (clnas space SUBCOMMAND --help for its options)\n"
    "\n"
    "--space nb201 (the default): NAS-Bench-201 cells written as arch strings, e.g.\n"
    "  |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|\n"
    "(6 edges, each none, skip_connect, nor_conv_1x1, nor_conv_3x3 or avg_pool_3x3: 15,625 cells).\n"
    "--space darts: DARTS' normal and reduction cells in DARTS' own printed form, e.g.\n"
    "  Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ...], normal_concat=[2, 3, 4, 5], reduce=[...],\n"
    "           reduce_concat=range(2, 6))\n"
    "or a published genotype's name (DARTS_V1, DARTS_V2, DARTS, PC_DARTS, PC_DARTS_cifar, ALL_OPS).\n"
    "--space chain: chain-structured networks of up to 20 layers with skips (docs/SPACE_CHAIN.md), e.g.\n"
    "  conv3x3-32 | sepconv5x5-64/s2 | maxpool3x3 | conv1x1-64 + skip(2) | conv3x3-32 + cat(2,3)\n"
    "\n"
    "subcommands:\n"
    "  canon [FILE]          print each arch string's canonical hash and canonical string\n"
    "  enumerate             print all 15,625 arch strings in index order (nb201)\n"
    "  sample                print uniformly sampled arch strings\n"
    "  mutate ARCH           print ARCH with one mutation (nb201: one edge changed to a different op)\n"
    "  nb201-classes         count NB201's and clnas's equivalence classes over the whole space (nb201)\n";

static const char canon_help[] =
    "usage: clnas space canon [--space nb201|darts|chain] [FILE]\n"
    "\n"
    "Reads arch strings one per line from FILE (or standard input when FILE is absent or \"-\").\n"
    "Empty and all-blank lines, and lines whose first non-blank character is '#', are skipped;\n"
    "a line ending in \\r\\n is read without the \\r. Any other line must be exactly one arch string.\n"
    "For each one prints\n"
    "  <arch>\\t<hash>\\t<canonical string>\n"
    "where the hash is 16 hex digits of FNV-1a 64 over the canonical string. The canonical string is\n"
    "NB201's to_unique_str (zeros considered) with provably equal forms merged further (x + 0 = x), so\n"
    "cells NB201 counts as one class get one hash. Like NB201 it takes ReLU-conv-BN of a zero node as\n"
    "zero, although the network computes BatchNorm's shift there.\n"
    "With --space darts each line is one DARTS genotype (DARTS' printed form or a published name) and the\n"
    "canonical string is the genotype with its isomorphic forms merged: each node's two edges in order, nodes\n"
    "relabelled where the wiring allows, the concat as a set, a none edge reading state 0; different ops are\n"
    "never merged (include/clnas/darts_genotype.h, clnas_darts_genotype_canonical, says what is merged).\n"
    "A line that is not an arch string prints \"clnas: line N: <what was expected at which position>\"\n"
    "to stderr; reading goes on, and the exit status is 1 at the end.\n";

static const char enumerate_help[] =
    "usage: clnas space enumerate\n"
    "\n"
    "Prints all 15,625 arch strings, one per line, in index order: the index is the base-5 number of the\n"
    "edge ops (edge 0, 0->1, most significant; none=0, skip_connect=1, nor_conv_1x1=2, nor_conv_3x3=3,\n"
    "avg_pool_3x3=4), so line i+1 is the cell with index i. NAS-Bench-201 only: the darts space (about 2.8e20\n"
    "genotypes) is not enumerated.\n";

static const char sample_help[] =
    "usage: clnas space sample [--space nb201|darts|chain] [--count K] [--seed S]\n"
    "\n"
    "Prints K arch strings (default 1), each drawn uniformly from the 15,625 cells, independently\n"
    "(repeats are possible). With --space darts each is a genotype as DARTS derives them: in both cells each\n"
    "node reads two distinct earlier states, an ordered pair drawn uniformly, with an op drawn uniformly from\n"
    "the 7 other than none for each edge; the concats are [2, 3, 4, 5]. The generator is xoshiro256** seeded\n"
    "with S (a decimal number from 0 to 18446744073709551615, default 0): the same seed prints the same\n"
    "strings on every machine.\n";

static const char mutate_help[] =
    "usage: clnas space mutate ARCH [--space nb201|darts|chain] [--seed S]\n"
    "\n"
    "Prints one child of the arch string ARCH: one edge, chosen uniformly, set to one of the four other\n"
    "ops, chosen uniformly (the mutation of regularized evolution). With --space darts, Real et al.'s cell\n"
    "mutation: the normal or the reduction cell, then either one edge's op set to another non-none op or one\n"
    "edge's input set to another earlier state that its node's other edge does not read, each uniformly.\n"
    "S seeds the generator as in 'clnas space sample' (default 0).\n";

static const char classes_help[] =
    "usage: clnas space nb201-classes   (NAS-Bench-201 only)\n"
    "\n"
    "Over all 15,625 cells, counts the distinct NB201 unique strings (NAS-Bench-201's to_unique_str with\n"
    "zeros considered: its de-duplication rule) and the distinct clnas canonical strings (NB201's rule\n"
    "with x + 0 = x merged further), and prints\n"
    "  <cells> cells\n"
    "  <n> NB201 classes ...\n"
    "  <m> clnas canonical classes ...\n";

/* Stdout may be a closed pipe or a full disk: report that instead of exiting 0. */
static int finish_output(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "clnas: writing to standard output failed: %s\n", strerror(errno));
        return 1;
    }
    return status;
}

static int print_genotype(const clnas_space_iface *space, const clnas_space_genotype *g)
{
    char arch[CLNAS_SPACE_STR_MAX];
    clnas_error err = {0};
    if (space->format(g, arch, sizeof arch, &err) != CLNAS_OK)
        return cli_fail(&err);
    puts(arch);
    return 0;
}

static int is_skipped_line(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return *line == '\0' || *line == '#';
}

/* Prints one line's result; returns 0 when it parsed, 1 when an error was printed. */
static int canon_line(const clnas_space_iface *space, const char *line, size_t len, long line_no)
{
    clnas_error err = {0};
    clnas_space_genotype g;
    char canonical[CLNAS_SPACE_STR_MAX], hex[17];
    uint64_t hash;
    if (strlen(line) != len) {
        fprintf(stderr, "clnas: line %ld: position %zu: expected an arch string, got a NUL byte\n", line_no,
                strlen(line));
        return 1;
    }
    if (space->parse(line, &g, &err) != CLNAS_OK
        || space->canonical(&g, canonical, sizeof canonical, &hash, &err) != CLNAS_OK) {
        fprintf(stderr, "clnas: line %ld: %s\n", line_no, err.message);
        return 1;
    }
    clnas_hash_to_hex(hash, hex);
    printf("%s\t%s\t%s\n", line, hex, canonical);
    return 0;
}

static int space_canon(int argc, char **argv)
{
    const char *path = NULL;
    const clnas_space_iface *space = &clnas_space_nb201;
    for (int i = 1; i < argc; i++) {
        int m;
        if (cli_is_help(argv[i])) {
            fputs(canon_help, stdout);
            return 0;
        }
        if ((m = cli_space_opt(argc, argv, &i, &space)) != 0) {
            if (m < 0)
                return 2;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage_error("space canon", "unknown option '%s'", argv[i]);
        if (path)
            return cli_usage_error("space canon", "one FILE at most, got '%s' and '%s'", path, argv[i]);
        path = argv[i];
    }
    const int from_stdin = !path || strcmp(path, "-") == 0;
    FILE *in = from_stdin ? stdin : fopen(path, "r");
    if (!in) {
        fprintf(stderr, "clnas: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long line_no = 0;
    int status = 0;
    while ((got = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)got;
        line_no++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (is_skipped_line(line) && strlen(line) == len)
            continue;
        status |= canon_line(space, line, len, line_no);
    }
    if (ferror(in)) {
        fprintf(stderr, "clnas: reading %s failed after line %ld: %s\n", from_stdin ? "standard input" : path,
                line_no, strerror(errno));
        status = 1;
    }
    free(line);
    if (!from_stdin)
        fclose(in);
    return finish_output(status);
}

/* Subcommands without positional arguments: only --help and --space are accepted. */
static int no_arguments(const char *command, const char *help, int argc, char **argv,
                        const clnas_space_iface **space, int *done)
{
    *done = 1;
    for (int i = 1; i < argc; i++) {
        int m;
        if (cli_is_help(argv[i])) {
            fputs(help, stdout);
            return 0;
        }
        if ((m = cli_space_opt(argc, argv, &i, space)) != 0) {
            if (m < 0)
                return 2;
            continue;
        }
        return cli_usage_error(command, "unexpected argument '%s'", argv[i]);
    }
    *done = 0;
    return 0;
}

static int space_enumerate(int argc, char **argv)
{
    int done;
    const clnas_space_iface *space = &clnas_space_nb201;
    int rc = no_arguments("space enumerate", enumerate_help, argc, argv, &space, &done);
    if (done)
        return rc;
    if (!space->from_index)
        return cli_usage_error("space enumerate", "the %s space has no index order to enumerate (%s); draw from it "
                               "with 'clnas space sample --space %s --count K'", space->name, space->description,
                               space->name);
    for (uint64_t index = 0; index < space->size; index++) {
        clnas_space_genotype g;
        space->from_index(index, &g);
        if (print_genotype(space, &g) != 0)
            return 1;
    }
    return finish_output(0);
}

static int space_sample(int argc, char **argv)
{
    int count = 1;
    uint64_t seed = DEFAULT_SEED;
    const clnas_space_iface *space = &clnas_space_nb201;
    for (int i = 1; i < argc; i++) {
        const char *value;
        int m;
        if (cli_is_help(argv[i])) {
            fputs(sample_help, stdout);
            return 0;
        }
        if ((m = cli_opt(argc, argv, &i, "--count", &value)) != 0) {
            if (m < 0 || cli_int("--count", value, 0, INT_MAX, &count) != 0)
                return 2;
        } else if ((m = cli_seed_opt(argc, argv, &i, &seed)) != 0 || (m = cli_space_opt(argc, argv, &i, &space)) != 0) {
            if (m < 0)
                return 2;
        } else {
            return cli_usage_error("space sample", "unexpected argument '%s'", argv[i]);
        }
    }
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (int k = 0; k < count; k++) {
        clnas_space_genotype g;
        space->sample(space, &rng, &g);
        if (print_genotype(space, &g) != 0)
            return 1;
    }
    return finish_output(0);
}

static int space_mutate(int argc, char **argv)
{
    const char *arch = NULL;
    uint64_t seed = DEFAULT_SEED;
    const clnas_space_iface *space = &clnas_space_nb201;
    for (int i = 1; i < argc; i++) {
        int m;
        if (cli_is_help(argv[i])) {
            fputs(mutate_help, stdout);
            return 0;
        }
        if ((m = cli_seed_opt(argc, argv, &i, &seed)) != 0 || (m = cli_space_opt(argc, argv, &i, &space)) != 0) {
            if (m < 0)
                return 2;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("space mutate", "unknown option '%s'", argv[i]);
        } else if (arch) {
            return cli_usage_error("space mutate", "one ARCH only, got '%s' and '%s'", arch, argv[i]);
        } else {
            arch = argv[i];
        }
    }
    if (!arch && space == &clnas_space_nb201)
        return cli_usage_error("space mutate", "missing ARCH (an arch string such as "
                                               "'|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|')");
    if (!arch)
        return cli_usage_error("space mutate", "missing ARCH (a %s genotype such as '%s')", space->name,
                               space->example);
    clnas_space_genotype parent, child;
    clnas_error err = {0};
    if (space->parse(arch, &parent, &err) != CLNAS_OK)
        return cli_fail(&err);
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    space->mutate(&parent, &rng, &child);
    if (print_genotype(space, &child) != 0)
        return 1;
    return finish_output(0);
}

typedef char cell_string[CLNAS_GENOTYPE_STR_MAX];

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const cell_string *)a, *(const cell_string *)b);
}

static int count_distinct(cell_string *strings, int n)
{
    qsort(strings, (size_t)n, sizeof *strings, compare_strings);
    int distinct = n > 0;
    for (int i = 1; i < n; i++)
        distinct += strcmp(strings[i - 1], strings[i]) != 0;
    return distinct;
}

static int space_nb201_classes(int argc, char **argv)
{
    int done;
    const clnas_space_iface *space = &clnas_space_nb201;
    int rc = no_arguments("space nb201-classes", classes_help, argc, argv, &space, &done);
    if (done)
        return rc;
    if (space != &clnas_space_nb201)
        return cli_usage_error("space nb201-classes", "counts NAS-Bench-201's classes over its whole table; the %s "
                               "space has no such table (canon --space %s gives the hash of each genotype)",
                               space->name, space->name);
    cell_string *nb201 = calloc(CLNAS_NB201_CELLS, sizeof *nb201);
    cell_string *canonical = calloc(CLNAS_NB201_CELLS, sizeof *canonical);
    if (!nb201 || !canonical) {
        free(nb201);
        free(canonical);
        fprintf(stderr, "clnas: out of host memory\n");
        return 1;
    }
    clnas_error err = {0};
    for (uint32_t index = 0; index < CLNAS_NB201_CELLS; index++) {
        clnas_genotype g;
        clnas_genotype_from_index(index, &g);
        if (clnas_genotype_nb201_unique_str(&g, nb201[index], sizeof nb201[index], &err) != CLNAS_OK
            || clnas_genotype_canonical(&g, canonical[index], sizeof canonical[index], NULL, &err) != CLNAS_OK) {
            free(nb201);
            free(canonical);
            return cli_fail(&err);
        }
    }
    printf("%d cells\n", CLNAS_NB201_CELLS);
    printf("%d NB201 classes (distinct to_unique_str, zeros considered)\n", count_distinct(nb201, CLNAS_NB201_CELLS));
    printf("%d clnas canonical classes (distinct canonical strings)\n", count_distinct(canonical, CLNAS_NB201_CELLS));
    free(nb201);
    free(canonical);
    return finish_output(0);
}

int cmd_space(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
    } subcommands[] = {
        {"canon", space_canon},
        {"enumerate", space_enumerate},
        {"sample", space_sample},
        {"mutate", space_mutate},
        {"nb201-classes", space_nb201_classes},
    };
    int rc = cli_subcommand_help(argc, argv, usage_text);
    if (rc >= 0)
        return rc;
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].fn(argc - 1, argv + 1);
    return cli_usage_error("space", "unknown subcommand '%s' (canon, enumerate, sample, mutate, nb201-classes)",
                           argv[1]);
}
