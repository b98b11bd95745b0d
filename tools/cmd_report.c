/* clnas tool — `clnas report DIR [DIR...]`: the best architectures of each run, and with --html one page of plots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "report_html.h"
#include "report_run.h"
#include "search_view.h"

#define MAX_RUNS 16

static const char report_help[] =
    "usage: clnas report DIR [DIR...] [--top K] [--html FILE] [--json]\n"
    "Prints the K best distinct architectures of each search in DIR (default 10); for a DARTS or GDAS run, the\n"
    "cell derived at each epoch with the search network's accuracy (the last epoch's cell is the result).\n"
    "Architectures are shown in the run's space's string form (config.json's space.name); the page draws\n"
    "NB201 cells and shows the arch string of other spaces' as text.\n"
    "  --html FILE   also write one self-contained page (inline SVG, no scripts, no network) with the progress\n"
    "                plots (best so far as steps), fitness against parameters and FLOPs, the top K with their\n"
    "                cells drawn, alpha over the epochs (DARTS, GDAS), rank_eval.json when present, and the runs\n"
    "                side by side; each plot's data beside it as FILE-without-.html.<plot>.csv. '-': the page\n"
    "                on standard output, without the tables or CSV files.\n"
    "  --json        the tables as JSON on stdout instead: {run_dir, trials, top: [{rank, trial, arch, hash,\n"
    "                fitness, params, flops}]}, an array of them for several directories\n"
    "The run directories are only read: nothing in them is written.\n";

int cmd_report(int argc, char **argv)
{
    const char *dirs[MAX_RUNS], *html = NULL, *v;
    int ndirs = 0, top = 10, json = 0;
    for (int i = 1; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(report_help, stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--top", &v)) != 0) {
            if (r < 0 || cli_int("--top", v, 1, 100000, &top))
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--html", &html)) != 0) {
            if (r < 0)
                return 2;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("report", "unexpected argument '%s'", argv[i]);
        } else if (ndirs == MAX_RUNS) {
            return cli_usage_error("report", "at most %d run directories", MAX_RUNS);
        } else {
            dirs[ndirs++] = argv[i];
        }
    }
    if (ndirs == 0)
        return cli_usage_error("report", "the run directory is required");
    if (json && html && strcmp(html, "-") == 0)
        return cli_usage_error("report", "--json and --html - both write to standard output: choose one");
    report_run runs[MAX_RUNS];
    clnas_error err;
    clnas_error_clear(&err);
    int loaded = 0, rc = 0;
    for (; loaded < ndirs; loaded++)
        if (report_run_load(dirs[loaded], &runs[loaded], &err) != CLNAS_OK) {
            report_run_free(&runs[loaded]);
            rc = cli_fail(&err);
            break;
        }
    const int page_on_stdout = html && strcmp(html, "-") == 0; /* then the tables would mix into the page */
    cJSON *all = json && rc == 0 ? cJSON_CreateArray() : NULL;
    for (int r = 0; r < loaded && rc == 0; r++) {
        if (runs[r].torn)
            fprintf(stderr, "clnas: warning: %s/journal.jsonl: the last line is torn (an interrupted write); it is "
                            "ignored\n", runs[r].dir);
        if (all) {
            cJSON_AddItemToArray(all, search_view_report_json(runs[r].dir, runs[r].entries, runs[r].count, top));
            continue;
        }
        if (page_on_stdout)
            continue;
        if (ndirs > 1)
            printf("%s== %s (%s)\n", r ? "\n" : "", runs[r].dir, runs[r].strategy);
        if (runs[r].epochs)
            report_run_print_epochs(&runs[r]);
        else
            search_view_top(runs[r].entries, runs[r].count, top);
    }
    if (all && rc == 0) {
        char *text = cJSON_Print(ndirs == 1 ? cJSON_GetArrayItem(all, 0) : all);
        if (text)
            printf("%s\n", text);
        cJSON_free(text);
    }
    cJSON_Delete(all);
    int written = 0;
    if (rc == 0 && html) {
        if (report_html_write(html, runs, loaded, top, &written, &err) != CLNAS_OK)
            rc = cli_fail(&err);
        else if (strcmp(html, "-") != 0 && !json)
            printf("\nreport: %s (and %d CSV files beside it)\n", html, written);
    }
    for (int r = 0; r < loaded; r++)
        report_run_free(&runs[r]);
    return rc;
}
