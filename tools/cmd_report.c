/* clnas tool — `clnas report DIR`: the table of the best architectures and progress.svg, from the journal. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "journal.h"
#include "search_view.h"
#include "svg_plot.h"

int cmd_report(int argc, char **argv)
{
    const char *dir = NULL, *v;
    int top = 10, json = 0;
    for (int i = 1; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: clnas report DIR [--top K] [--json]\n"
                   "Prints the K best distinct architectures of the search in DIR (default 10) and redraws\n"
                   "DIR/progress.svg from DIR/journal.jsonl.\n"
                   "  --json   one JSON object on stdout {run_dir, trials, top: [{rank, trial, arch, hash, fitness,\n"
                   "           params, flops}]} instead of the table\n");
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--top", &v)) != 0) {
            if (r < 0 || cli_int("--top", v, 1, 100000, &top))
                return 2;
        } else if (argv[i][0] == '-' || dir) {
            return cli_usage_error("report", "unexpected argument '%s'", argv[i]);
        } else {
            dir = argv[i];
        }
    }
    if (!dir)
        return cli_usage_error("report", "the run directory is required");
    char path[1100];
    clnas_journal_entry *entries = NULL;
    int n = 0, torn = 0;
    clnas_error err;
    clnas_error_clear(&err);
    if (search_view_read_journal(dir, path, sizeof path, &entries, &n, &torn, &err) != CLNAS_OK)
        return cli_fail(&err);
    if (n == 0) {
        fprintf(stderr, "clnas: %s holds no trials\n", path);
        clnas_journal_entries_free(entries, n);
        return 1;
    }
    if (torn)
        fprintf(stderr, "clnas: warning: %s: the last line is torn (an interrupted write); it is ignored\n", path);
    if (json)
        search_view_report_json(dir, entries, n, top);
    else
        search_view_top(entries, n, top);
    snprintf(path, sizeof path, "%s/progress.svg", dir);
    int rc = 0;
    if (clnas_progress_svg_write(path, entries, n, dir, &err) != CLNAS_OK)
        rc = cli_fail(&err);
    else if (!json)
        printf("\nplot: %s\n", path);
    clnas_journal_entries_free(entries, n);
    return rc;
}
