/* clnas fuzz target: best.json as `clnas train --from DIR` reads it (tools/cmd_train.c read_best_arch: the file,
 * JSON, its string "arch", the arch string), and as the search writes it (clnas_run_best_write) read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clnas/space.h"
#include "file_io.h"
#include "fuzz_support.h"

/* The reading steps of read_best_arch, which is static in the CLI: 0 when best.json names an architecture. */
static int read_best_arch(const char *path, clnas_genotype *out)
{
    char *text = NULL;
    size_t n = 0;
    clnas_error err;
    int readable = clnas_file_read_all(path, &text, &n, &err) == CLNAS_OK;
    cJSON *j = n ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(j, "arch");
    int rc = readable && cJSON_IsString(arch) && clnas_genotype_parse(arch->valuestring, out, &err) == CLNAS_OK
             ? 0 : 1;
    cJSON_Delete(j);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clnas_genotype g, back;
    if (read_best_arch(fuzz_file("best.json", data, size), &g) != 0)
        return 0;
    /* what was read prints as an arch string that a written best.json carries and reads back the same */
    char arch[256], json[512];
    clnas_error err;
    if (clnas_genotype_format(&g, arch, sizeof arch, &err) != CLNAS_OK)
        abort();
    int len = snprintf(json, sizeof json, "{\"arch\": \"%s\", \"fitness\": 0.5}\n", arch);
    if (read_best_arch(fuzz_file("best.json", (const uint8_t *)json, (size_t)len), &back) != 0
        || memcmp(&g, &back, sizeof g) != 0)
        abort();
    return 0;
}
