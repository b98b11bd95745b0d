/* clnas tool — `clnas space`: NAS-Bench-201 arch strings: canonical hashes, enumeration, sampling, mutation. */
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

#define DEFAULT_SEED 0

static const char usage_text[] =
    "usage: clnas space SUBCOMMAND [options]   (clnas space SUBCOMMAND --help for its options)\n"
    "\n"
    "NAS-Bench-201 cells written as arch strings, e.g.\n"
    "  |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|\n"
    "(6 edges, each none, skip_connect, nor_conv_1x1, nor_conv_3x3 or avg_pool_3x3: 15,625 cells).\n"
    "\n"
    "subcommands:\n"
    "  canon [FILE]          print each arch string's canonical hash and canonical string\n"
    "  enumerate             print all 15,625 arch strings in index order\n"
    "  sample                print uniformly sampled arch strings\n"
    "  mutate ARCH           print ARCH with one edge changed to a different op\n"
    "  nb201-classes         count NB201's and clnas's equivalence classes over the whole space\n";

static const char canon_help[] =
    "usage: clnas space canon [FILE]\n"
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
    "A line that is not an arch string prints \"clnas: line N: <what was expected at which position>\"\n"
    "to stderr; reading goes on, and the exit status is 1 at the end.\n";

static const char enumerate_help[] =
    "usage: clnas space enumerate\n"
    "\n"
    "Prints all 15,625 arch strings, one per line, in index order: the index is the base-5 number of the\n"
    "edge ops (edge 0, 0->1, most significant; none=0, skip_connect=1, nor_conv_1x1=2, nor_conv_3x3=3,\n"
    "avg_pool_3x3=4), so line i+1 is the cell with index i.\n";

static const char sample_help[] =
    "usage: clnas space sample [--count K] [--seed S]\n"
    "\n"
    "Prints K arch strings (default 1), each drawn uniformly from the 15,625 cells, independently\n"
    "(repeats are possible). The generator is xoshiro256** seeded with S (a decimal number from 0 to\n"
    "18446744073709551615, default 0): the same seed prints the same strings on every machine.\n";

static const char mutate_help[] =
    "usage: clnas space mutate ARCH [--seed S]\n"
    "\n"
    "Prints one child of the arch string ARCH: one edge, chosen uniformly, set to one of the four other\n"
    "ops, chosen uniformly (the mutation of regularized evolution). S seeds the generator as in\n"
    "'clnas space sample' (default 0).\n";

static const char classes_help[] =
    "usage: clnas space nb201-classes\n"
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

static int print_genotype(const clnas_genotype *g)
{
    char arch[CLNAS_GENOTYPE_STR_MAX];
    clnas_error err = {0};
    if (clnas_genotype_format(g, arch, sizeof arch, &err) != CLNAS_OK)
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
static int canon_line(const char *line, size_t len, long line_no)
{
    clnas_error err = {0};
    clnas_genotype g;
    char canonical[CLNAS_GENOTYPE_STR_MAX], hex[17];
    uint64_t hash;
    if (strlen(line) != len) {
        fprintf(stderr, "clnas: line %ld: position %zu: expected an arch string, got a NUL byte\n", line_no,
                strlen(line));
        return 1;
    }
    if (clnas_genotype_parse(line, &g, &err) != CLNAS_OK
        || clnas_genotype_canonical(&g, canonical, sizeof canonical, &hash, &err) != CLNAS_OK) {
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
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(canon_help, stdout);
            return 0;
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
        status |= canon_line(line, len, line_no);
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

/* Subcommands without positional arguments: only --help is accepted. */
static int no_arguments(const char *command, const char *help, int argc, char **argv, int *done)
{
    *done = 1;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(help, stdout);
            return 0;
        }
        return cli_usage_error(command, "unexpected argument '%s'", argv[i]);
    }
    *done = 0;
    return 0;
}

static int space_enumerate(int argc, char **argv)
{
    int done;
    int rc = no_arguments("space enumerate", enumerate_help, argc, argv, &done);
    if (done)
        return rc;
    for (uint32_t index = 0; index < CLNAS_NB201_CELLS; index++) {
        clnas_genotype g;
        clnas_genotype_from_index(index, &g);
        if (print_genotype(&g) != 0)
            return 1;
    }
    return finish_output(0);
}

static int space_sample(int argc, char **argv)
{
    int count = 1;
    uint64_t seed = DEFAULT_SEED;
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
        } else if ((m = cli_seed_opt(argc, argv, &i, &seed)) != 0) {
            if (m < 0)
                return 2;
        } else {
            return cli_usage_error("space sample", "unexpected argument '%s'", argv[i]);
        }
    }
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    for (int k = 0; k < count; k++) {
        clnas_genotype g;
        clnas_genotype_sample(&rng, &g);
        if (print_genotype(&g) != 0)
            return 1;
    }
    return finish_output(0);
}

static int space_mutate(int argc, char **argv)
{
    const char *arch = NULL;
    uint64_t seed = DEFAULT_SEED;
    for (int i = 1; i < argc; i++) {
        int m;
        if (cli_is_help(argv[i])) {
            fputs(mutate_help, stdout);
            return 0;
        }
        if ((m = cli_seed_opt(argc, argv, &i, &seed)) != 0) {
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
    if (!arch)
        return cli_usage_error("space mutate", "missing ARCH (an arch string such as "
                                               "'|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|')");
    clnas_genotype parent, child;
    clnas_error err = {0};
    if (clnas_genotype_parse(arch, &parent, &err) != CLNAS_OK)
        return cli_fail(&err);
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    clnas_genotype_mutate(&parent, &rng, &child);
    if (print_genotype(&child) != 0)
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
    int rc = no_arguments("space nb201-classes", classes_help, argc, argv, &done);
    if (done)
        return rc;
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
