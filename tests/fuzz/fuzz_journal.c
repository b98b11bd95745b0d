/* clnas fuzz target: journals (search/journal.c): read; every entry read formats to a line that reads back the same. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "journal.h"

/* Entry e formatted, read back as a one-line journal and formatted again: the same line. */
static void check_round_trip(const clnas_journal_entry *entry)
{
    clnas_journal_entry first = *entry, *e = &first;
    first.trial = 0; /* the reader wants entries numbered from 0: each is checked as a journal's first */
    char *line = clnas_journal_format(e);
    if (!line)
        abort(); /* the reader accepted what the writer refuses */
    size_t n = strlen(line);
    char *with_newline = malloc(n + 2);
    if (!with_newline)
        abort();
    memcpy(with_newline, line, n);
    with_newline[n] = '\n';
    clnas_journal_entry *back = NULL;
    int count = 0, torn = 0;
    size_t good = 0;
    clnas_error err;
    const char *path = fuzz_file("one.jsonl", (const uint8_t *)with_newline, n + 1);
    if (clnas_journal_read(path, &back, &count, &torn, &good, &err) != CLNAS_OK || count != 1 || torn)
        abort();
    char *again = clnas_journal_format(&back[0]);
    if (!again || strcmp(again, line) != 0)
        abort();
    free(again);
    clnas_journal_entries_free(back, count);
    free(with_newline);
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clnas_journal_entry *entries = NULL;
    int count = 0, torn = 0;
    size_t good = 0;
    clnas_error err;
    if (clnas_journal_read(fuzz_file("journal.jsonl", data, size), &entries, &count, &torn, &good, &err) != CLNAS_OK)
        return 0;
    if (good > size || (!torn && good != size))
        abort();
    for (int i = 0; i < count; i++)
        check_round_trip(&entries[i]);
    clnas_journal_entries_free(entries, count);
    return 0;
}
