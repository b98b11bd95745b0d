/* clnas fuzz target: accuracy tables, CSV and JSON (search/table_evaluator.c), then a few lookups. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clnas_evaluator ev;
    clnas_error err;
    if (clnas_table_evaluator_new(fuzz_file("table", data, size), &ev, &err) != CLNAS_OK)
        return 0;
    /* lookups of a few cells, chosen by the input: a hit is a fitness in 0..1, a miss a failed trial */
    for (size_t i = 0; i < 4; i++) {
        clnas_space_genotype g;
        clnas_space_nb201.from_index((uint32_t)(size * 2654435761u + i * 40503u) % CLNAS_NB201_CELLS, &g);
        clnas_evaluator_result r;
        memset(&r, 0, sizeof r);
        clnas_status st = ev.iface->evaluate(ev.state, &g, &r, &err);
        if (st == CLNAS_OK && r.status == CLNAS_TRIAL_OK && !(r.fitness >= 0 && r.fitness <= 1))
            abort();
        clnas_evaluator_result_clear(&r);
    }
    ev.iface->destroy(ev.state);
    return 0;
}
