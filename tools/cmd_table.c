/* clnas tool — `clnas table`: accuracy tables for the table evaluator; `generate` writes the synthetic one. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_stdout.h"
#include "clnas/space.h"
#include "table_gen.h"


static const char usage_text[] =
    "usage: clnas table SUBCOMMAND [options]   (clnas table SUBCOMMAND --help for its options)\n"
    "\n"
    "Tables of arch string -> accuracy (a fraction 0..1) for the table evaluator (evaluator.kind \"table\"),\n"
    "which lets a search strategy be studied in seconds.\n"
    "\n"
    "subcommands:\n"
    "  generate              write the synthetic NAS-Bench-201 table (a documented formula) as CSV\n";

static const char generate_help[] =
    "usage: clnas table generate [--seed S] [--noise X] --out FILE.csv\n"
    "\n"
    "Writes the header arch,accuracy and one row for each of the 15,625 NAS-Bench-201 cells, in index order\n"
    "(as 'clnas space enumerate'), with the accuracy of this formula (6 decimals). NAS-Bench-201's own results\n"
    "cannot be downloaded here; this table stands in for it. For a cell g, let A be the edges on a path from\n"
    "node 0 to node 3 (op not none, tail reachable from node 0 and head reaching node 3 over non-none edges):\n"
    "\n"
    "  accuracy = 0.1                                                 when A is empty (no image reaches the\n"
    "                                                                 output: zeros or BatchNorm's constant)\n"
    "  accuracy = clamp(0.60 + sum_{e in A} score[e][g_e]\n"
    "                   + sum_{e<f in A} interaction[e][g_e][f][g_f]\n"
    "                   + X * z(S, g), 0, 1)                          otherwise\n"
    "\n"
    "  score[e][op]        = mean[op] + 0.01 n, mean: skip_connect 0.020, nor_conv_1x1 0.040,\n"
    "                        nor_conv_3x3 0.055, avg_pool_3x3 0.018\n"
    "  interaction[e][a][f][b] = 0.005 n\n"
    "  n: standard normals from clnas's xoshiro256** generator seeded with 201 (fixed: every table has the\n"
    "     same scores and interactions); z(S, g): a standard normal seeded by FNV-1a 64 of S and the cell's\n"
    "     index, independent per cell (isomorphic cells differ by noise, as separately trained networks do).\n"
    "\n"
    "options:\n"
    "  --seed S     noise seed, a decimal integer (default 0)\n"
    "  --noise X    noise standard deviation X, from 0 to 1 (default 0.005)\n"
    "  --out FILE   where to write the CSV (written to FILE.tmp, then renamed; '-': stdout)\n";

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One line on what was written: the spread of the table and its best cell. */
static int print_summary(const clnas_table_model *m, const char *path, FILE *f)
{
    double *values = malloc(CLNAS_NB201_CELLS * sizeof *values);
    if (!values) {
        fprintf(stderr, "clnas: out of host memory\n");
        return 1;
    }
    uint32_t best = 0;
    int chance = 0;
    for (uint32_t index = 0; index < CLNAS_NB201_CELLS; index++) {
        clnas_genotype g;
        clnas_genotype_from_index(index, &g);
        values[index] = clnas_table_model_accuracy(m, &g);
        chance += values[index] == 0.1;
        if (values[index] > values[best])
            best = index;
    }
    clnas_genotype g;
    char arch[CLNAS_GENOTYPE_STR_MAX] = "";
    clnas_genotype_from_index(best, &g);
    clnas_genotype_format(&g, arch, sizeof arch, NULL);
    const double best_value = values[best];
    qsort(values, CLNAS_NB201_CELLS, sizeof *values, compare_doubles);
    fprintf(f, "wrote %d cells to %s: median %.4f, 90th percentile %.4f, best %.4f %s; %d cells at chance (0.1)\n",
            CLNAS_NB201_CELLS, path, values[CLNAS_NB201_CELLS / 2], values[CLNAS_NB201_CELLS * 9 / 10], best_value,
            arch, chance);
    free(values);
    return 0;
}

static int table_generate(int argc, char **argv)
{
    uint64_t seed = 0;
    double noise = CLNAS_TABLE_GEN_DEFAULT_NOISE;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *value;
        int m;
        if (cli_is_help(argv[i])) {
            fputs(generate_help, stdout);
            return 0;
        }
        if ((m = cli_seed_opt(argc, argv, &i, &seed)) != 0) {
            if (m < 0)
                return 2;
        } else if ((m = cli_opt(argc, argv, &i, "--noise", &value)) != 0) {
            if (m < 0 || cli_double("--noise", value, 0.0, 1.0, &noise) != 0)
                return 2;
        } else if ((m = cli_opt(argc, argv, &i, "--out", &value)) != 0) {
            if (m < 0)
                return 2;
            out = value;
        } else {
            return cli_usage_error("table generate", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!out)
        return cli_usage_error("table generate", "missing --out FILE.csv");
    cli_stdout_file csv; /* --out -: the CSV on stdout, the summary on stderr */
    int rc = cli_stdout_open("table generate", "--out", out, 0, &csv, &out);
    if (rc != 0)
        return rc;
    clnas_table_model model;
    clnas_error err = {0};
    if (clnas_table_model_init(&model, seed, noise, &err) != CLNAS_OK
        || clnas_table_model_write_csv(&model, out, &err) != CLNAS_OK) {
        cli_stdout_discard(&csv);
        return cli_fail(&err);
    }
    if ((rc = cli_stdout_finish(&csv)) != 0)
        return rc;
    return print_summary(&model, csv.path[0] ? "standard output" : out, csv.path[0] ? stderr : stdout);
}

int cmd_table(int argc, char **argv)
{
    int rc = cli_subcommand_help(argc, argv, usage_text);
    if (rc >= 0)
        return rc;
    if (strcmp(argv[1], "generate") == 0)
        return table_generate(argc - 1, argv + 1);
    return cli_usage_error("table", "unknown subcommand '%s' (generate)", argv[1]);
}
