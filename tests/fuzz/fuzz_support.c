/* clnas fuzz targets: the input written to a scratch file, inputs cut into parts. */
#include "fuzz_support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clnas/data.h"

static char scratch[512]; /* this process's scratch directory, made on first use */

static void remove_scratch(void)
{
    DIR *d = opendir(scratch);
    if (!d)
        return;
    char path[1024];
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(scratch);
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[1024];
    if (!scratch[0]) {
        /* memory first: rewriting a file in place on ext4 flushes it at each close (auto_da_alloc), 15x slower */
        const char *tmp = getenv("TMPDIR");
        if (access("/dev/shm", W_OK) == 0)
            tmp = "/dev/shm";
        snprintf(scratch, sizeof scratch, "%s/clnas-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(scratch)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_scratch);
    }
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz: writing the input file");
        abort();
    }
    return path;
}

char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        abort();
    if (size)
        memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

int fuzz_split(const uint8_t *data, size_t size, const uint8_t **part, size_t *part_size, int max)
{
    const size_t sep = strlen(FUZZ_SEPARATOR);
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; n < max - 1 && i + sep <= size; i++)
        if (memcmp(data + i, FUZZ_SEPARATOR, sep) == 0) {
            part[n] = data + start;
            part_size[n++] = i - start;
            start = i + sep;
            i = start - 1;
        }
    part[n] = data + start;
    part_size[n++] = size - start;
    return n;
}

void fuzz_check_labels_and_free(struct clnas_dataset *ds)
{
    for (int i = 0; i < ds->count; i++)
        if (ds->labels[i] >= 10)
            abort();
    clnas_dataset_free(ds);
}
