/* clnas fuzz targets: what they share (the input as a file, an input cut into parts). */
#ifndef CLNAS_FUZZ_SUPPORT_H
#define CLNAS_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point, which every target defines (replay_main.c calls it without libFuzzer). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Most parsers read a path: writes data to `name` in this process's scratch directory (made once, removed at exit)
 * and returns the file's path (valid until the next call with the same name). Aborts when it cannot. */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

/* A malloc'ed NUL-terminated copy of data (for parsers taking text). */
char *fuzz_text(const uint8_t *data, size_t size);

/* The separator between the parts of an input that holds several files or lines (fuzz_split). */
#define FUZZ_SEPARATOR "\n--8<--\n"

/* Cuts data at each FUZZ_SEPARATOR into at most max parts (the last takes the rest); returns the count. */
int fuzz_split(const uint8_t *data, size_t size, const uint8_t **part, size_t *part_size, int max);

struct clnas_dataset;
/* What a data reader accepted holds labels 0..9 only (aborts otherwise, a finding); frees it. */
void fuzz_check_labels_and_free(struct clnas_dataset *ds);

#endif
