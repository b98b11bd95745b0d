/* clnas — whole-file reads for configs and journals. */
#include "file_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

clnas_status clnas_file_read_all(const char *path, char **text, size_t *size, clnas_error *err)
{
    *text = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return clnas_error_set(err, errno == ENOENT ? CLNAS_ERR_NOT_FOUND : CLNAS_ERR_IO, "%s: cannot open: %s", path,
                               strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    int failed = ferror(f);
    fclose(f);
    if (!buf)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory reading it", path);
    if (failed) {
        free(buf);
        return clnas_error_set(err, CLNAS_ERR_IO, "%s: read error", path);
    }
    buf[n] = '\0';
    *text = buf;
    *size = n;
    return CLNAS_OK;
}
