/* clnas fuzz target: the algorithm-choice cache file (runtime/algo_choice.c), the tuner's variant column included:
 * load; what loads saves and loads back the same records, and every loaded variant is a tuning that prints back the
 * same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo_choice.h"
#include "fuzz_support.h"

/* A note as the file keeps it: tabs and line ends become spaces. */
static void saved_note(const char *note, char *out, size_t cap)
{
    snprintf(out, cap, "%s", note);
    for (char *p = out; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clnas_algo_choices c, back;
    clnas_algo_choices_init(&c);
    clnas_algo_choices_init(&back);
    int ignored = 0;
    clnas_error err;
    if (clnas_algo_choices_load(&c, fuzz_file("choices.tsv", data, size), &ignored, &err) == CLNAS_OK) {
        const char *path = fuzz_file("saved.tsv", NULL, 0);
        if (clnas_algo_choices_save(&c, path, &err) != CLNAS_OK
            || clnas_algo_choices_load(&back, path, &ignored, &err) != CLNAS_OK || ignored != 0
            || back.count != c.count)
            abort();
        for (int i = 0; i < c.count; i++) {
            const clnas_algo_record *a = &c.rec[i], *b = clnas_algo_choices_find(&back, a->sig);
            char note[CLNAS_ALGO_NOTE_MAX];
            saved_note(a->note, note, sizeof note);
            if (!b || a->algo != b->algo || a->clblast_ok != b->clblast_ok || strcmp(note, b->note) != 0 ||
                strcmp(a->variant, b->variant) != 0)
                abort();
            /* a loaded variant is a tuning that parses and prints back the same */
            clnas_conv_tuning t;
            char text[CLNAS_ALGO_VARIANT_MAX];
            if (clnas_conv_tuning_parse(a->variant, &t, &err) != CLNAS_OK)
                abort();
            clnas_conv_tuning_format(&t, text, sizeof text);
            if (strcmp(text, a->variant) != 0)
                abort();
        }
    }
    clnas_algo_choices_free(&c);
    clnas_algo_choices_free(&back);
    return 0;
}
