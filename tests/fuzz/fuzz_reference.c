/* clnas fuzz target: the ground-truth reference table (search/reference.c: an optional "# space: NAME" line, RFC
 * 4180 fields), written back and read again to the same rows, and the same bytes read as an estimator's scores. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clnas_reference ref;
    clnas_error err;
    if (clnas_reference_read_partial(fuzz_file("reference", data, size), NULL, &ref, &err) != CLNAS_OK &&
        clnas_reference_read_partial(fuzz_file("reference", data, size), &clnas_space_darts, &ref, &err) != CLNAS_OK &&
        clnas_reference_read_partial(fuzz_file("reference", data, size), &clnas_space_chain, &ref, &err) != CLNAS_OK)
        return 0;
    /* what the reader accepted, written, reads back to the same rows */
    const char *again = fuzz_file("written", (const uint8_t *)"", 0);
    clnas_reference back;
    if (clnas_reference_write(again, &ref, &err) != CLNAS_OK ||
        clnas_reference_read_partial(again, ref.space, &back, &err) != CLNAS_OK)
        abort();
    if (back.space != ref.space || back.n != ref.n)
        abort();
    for (int i = 0; i < ref.n; i++)
        if (!clnas_space_genotype_equal(&back.rows[i].arch, &ref.rows[i].arch) || back.rows[i].hash != ref.rows[i].hash ||
            memcmp(back.rows[i].accuracy, ref.rows[i].accuracy, sizeof ref.rows[i].accuracy) != 0 ||
            back.rows[i].mean != ref.rows[i].mean || back.rows[i].params != ref.rows[i].params ||
            back.rows[i].flops != ref.rows[i].flops)
            abort();
    clnas_reference_free(&back);
    /* the same bytes as scores: a score is finite wherever the file gives every row one */
    double *scores = malloc((size_t)(ref.n > 0 ? ref.n : 1) * sizeof *scores);
    if (scores && ref.n > 0)
        clnas_reference_scores_csv(&ref, fuzz_file("scores", data, size), scores, &err);
    free(scores);
    clnas_reference_free(&ref);
    return 0;
}
