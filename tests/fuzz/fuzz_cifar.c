/* clnas fuzz target: CIFAR-10 binary batches (data/data_cifar.c). The input is one or two batch files separated by
 * FUZZ_SEPARATOR. */
#include <stdio.h>
#include <stdlib.h>

#include "clnas/data.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[2];
    size_t part_size[2];
    int n = fuzz_split(data, size, part, part_size, 2);
    char paths[2][1024];
    const char *list[2];
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "data_batch_%d.bin", i + 1);
        snprintf(paths[i], sizeof paths[i], "%s", fuzz_file(name, part[i], part_size[i]));
        list[i] = paths[i];
    }
    clnas_dataset ds;
    clnas_error err;
    if (clnas_cifar10_load(list, n, &ds, &err) != CLNAS_OK)
        return 0;
    fuzz_check_labels_and_free(&ds);
    return 0;
}
