/* clnas fuzz target: arch strings of every search space (parse; what parses prints and parses back the same). */
#include <stdlib.h>
#include <string.h>

#include "clnas/chain_genotype.h"
#include "clnas/darts_genotype.h"
#include "clnas/space.h"
#include "fuzz_support.h"

/* One row per search space: its parser and printer over text. A new space adds its row. */
typedef struct space_row {
    const char *name;
    int (*round_trip)(const char *text); /* 0: rejected or round-trips; -1: printed form differs */
} space_row;

static int nb201_round_trip(const char *text)
{
    clnas_genotype g, back;
    clnas_error err = {0};
    if (clnas_genotype_parse(text, &g, &err) != CLNAS_OK)
        return err.message[0] ? 0 : -1; /* a rejection always says why */
    char printed[512], canon[512];
    uint64_t hash;
    if (clnas_genotype_format(&g, printed, sizeof printed, &err) != CLNAS_OK
        || clnas_genotype_parse(printed, &back, &err) != CLNAS_OK || memcmp(&g, &back, sizeof g) != 0)
        return -1;
    if (clnas_genotype_canonical(&g, canon, sizeof canon, &hash, &err) != CLNAS_OK
        || clnas_genotype_nb201_unique_str(&g, printed, sizeof printed, &err) != CLNAS_OK)
        return -1;
    clnas_genotype_from_index(clnas_genotype_to_index(&g), &back);
    return memcmp(&g, &back, sizeof g) == 0 ? 0 : -1;
}

/* DARTS genotypes: also the canonical form, which is a genotype whose own canonical form is itself. */
static int darts_round_trip(const char *text)
{
    clnas_darts_genotype g, back, canon, again;
    clnas_error err = {0};
    if (clnas_darts_genotype_parse(text, &g, &err) != CLNAS_OK)
        return err.message[0] && strstr(err.message, "genotype position ") == err.message ? 0 : -1;
    char printed[CLNAS_DARTS_GENOTYPE_STR_MAX];
    uint64_t h1, h2;
    if (clnas_darts_genotype_format(&g, printed, sizeof printed, &err) != CLNAS_OK
        || clnas_darts_genotype_parse(printed, &back, &err) != CLNAS_OK || !clnas_darts_genotype_equal(&g, &back))
        return -1;
    if (clnas_darts_genotype_canonical(&g, &canon, printed, sizeof printed, &h1, &err) != CLNAS_OK
        || clnas_darts_genotype_canonical(&canon, &again, NULL, 0, &h2, &err) != CLNAS_OK || h1 != h2
        || !clnas_darts_genotype_equal(&canon, &again))
        return -1;
    return 0;
}

/* Chain genotypes: the printed form parses back, and the canonical form is its own canonical form. */
static int chain_round_trip(const char *text)
{
    clnas_chain_genotype g, back, canon, again;
    clnas_error err = {0};
    if (clnas_chain_genotype_parse(text, &g, &err) != CLNAS_OK)
        return strstr(err.message, "chain genotype") == err.message ? 0 : -1;
    char printed[CLNAS_CHAIN_GENOTYPE_STR_MAX];
    uint64_t h1, h2;
    if (clnas_chain_genotype_format(&g, printed, sizeof printed, &err) != CLNAS_OK
        || clnas_chain_genotype_parse(printed, &back, &err) != CLNAS_OK || !clnas_chain_genotype_equal(&g, &back))
        return -1;
    if (clnas_chain_genotype_canonical(&g, &canon, printed, sizeof printed, &h1, &err) != CLNAS_OK
        || clnas_chain_genotype_canonical(&canon, &again, NULL, 0, &h2, &err) != CLNAS_OK || h1 != h2
        || !clnas_chain_genotype_equal(&canon, &again))
        return -1;
    return 0;
}

static const space_row spaces[] = {
    {"nb201", nb201_round_trip}, {"darts", darts_round_trip}, {"chain", chain_round_trip}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++)
        if (spaces[i].round_trip(text) != 0)
            abort();
    free(text);
    return 0;
}
