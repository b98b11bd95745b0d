/* clnas fuzz target: IDX image and label files, plain or gzipped (data/data_idx.c). The input is the images file,
 * FUZZ_SEPARATOR, the labels file. */
#include <stdio.h>
#include <stdlib.h>

#include "clnas/data.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[2];
    size_t part_size[2];
    if (fuzz_split(data, size, part, part_size, 2) != 2)
        return 0;
    char images[1024];
    snprintf(images, sizeof images, "%s", fuzz_file("images-idx3-ubyte", part[0], part_size[0]));
    const char *labels = fuzz_file("labels-idx1-ubyte", part[1], part_size[1]);
    clnas_dataset ds;
    clnas_error err;
    if (clnas_idx_load(images, labels, &ds, &err) != CLNAS_OK)
        return 0;
    fuzz_check_labels_and_free(&ds);
    return 0;
}
