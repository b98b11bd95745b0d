/* clnas — tests of `clnas report` and its plots (issue 17): the HTML page is well-formed, self-contained and every
 * plot in it has data; a DARTS run is reported by epoch; the run directories are not written; the CSV beside each
 * plot; best so far as steps, 1-2-5 ticks, long titles squeezed instead of clipped. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "space_nb201.h"
#include "alpha.h"
#include "darts_space.h"
#include "file_io.h"
#include "journal.h"
#include "scratch_dir.h"
#include "svg_chart.h"
#include "svg_plot.h"

/* ---- fixtures: run directories written as the searches write them ---- */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void append(clnas_journal *j, clnas_journal_entry *e)
{
    clnas_error err = {0};
    const clnas_space_iface *space = e->space ? e->space : &clnas_space_nb201;
    assert_int_equal(space->canonical(&e->arch, NULL, 0, &e->hash, NULL), CLNAS_OK);
    if (clnas_journal_append(j, e, &err) != CLNAS_OK)
        fail_msg("append: %s", err.message);
}

/* A multi-trial run of n trials: fitness rising with noise, sizes recorded, one failure, one cached duplicate. */
static void rea_run(const char *dir, int n, uint32_t seed)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", dir);
    write_text(path, "{\"name\": \"rea\", \"strategy\": {\"name\": \"rea\", \"cycles\": 20}}\n");
    clnas_journal j;
    clnas_error err = {0};
    snprintf(path, sizeof path, "%s/journal.jsonl", dir);
    assert_int_equal(clnas_journal_open(path, SIZE_MAX, &j, &err), CLNAS_OK);
    for (int i = 0; i < n; i++) {
        clnas_journal_entry e;
        memset(&e, 0, sizeof e);
        e.trial = i;
        clnas_space_nb201.from_index((uint32_t)(i * 7919u + seed) % CLNAS_NB201_CELLS, &e.arch);
        e.status = i == 3 ? CLNAS_TRIAL_FAILED : CLNAS_TRIAL_OK;
        e.fitness = i == 3 ? NAN : 0.6 + 0.3 * i / n + 0.05 * sin(i * 1.7 + seed);
        e.params = 20000 + 1000L * ((i * 37 + (int)seed) % 50);
        e.flops = 4e6 + 1e5 * ((i * 13) % 40);
        e.seconds = 2.5;
        if (i == 3)
            snprintf(e.error, sizeof e.error, "diverged <on purpose> & \"quoted\"");
        if (i == 5) { /* a cached duplicate of trial 4 */
            clnas_space_nb201.from_index((uint32_t)(4 * 7919u + seed) % CLNAS_NB201_CELLS, &e.arch);
            e.status = CLNAS_TRIAL_CACHED;
        }
        if (i % 2 == 0) { /* the objective's latency on every other trial */
            e.extra = cJSON_CreateObject();
            cJSON_AddNumberToObject(e.extra, "latency_ms", 1.0 + 0.25 * ((i * 11 + (int)seed) % 17));
        }
        append(&j, &e);
        cJSON_Delete(e.extra);
    }
    clnas_journal_close(&j);
}

/* A DARTS run of n epochs: each line the derived cell, the search network's accuracy and alpha. */
static void darts_run(const char *dir, int n)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", dir);
    write_text(path, "{\"name\": \"darts\", \"strategy\": {\"name\": \"darts\", \"epochs\": 4}}\n");
    clnas_journal j;
    clnas_error err = {0};
    snprintf(path, sizeof path, "%s/journal.jsonl", dir);
    assert_int_equal(clnas_journal_open(path, SIZE_MAX, &j, &err), CLNAS_OK);
    clnas_alpha a;
    assert_int_equal(clnas_alpha_init(&a, CLNAS_NB201_EDGES, CLNAS_NB201_OPS, 1, &err), CLNAS_OK);
    for (int i = 0; i < n; i++) {
        for (int e = 0; e < CLNAS_NB201_EDGES; e++)
            a.alpha[e][(e + 3) % CLNAS_NB201_OPS] += 0.4; /* one op pulls ahead on each edge */
        clnas_journal_entry line;
        memset(&line, 0, sizeof line);
        line.trial = i;
        clnas_genotype derived;
        assert_int_equal(clnas_alpha_derive(&a, &derived, &err), CLNAS_OK);
        clnas_nb201_to(&derived, &line.arch);
        line.fitness = 0.4 + 0.1 * i;
        line.params = 40000 + i;
        line.flops = 8e6;
        line.seconds = 30;
        line.status = CLNAS_TRIAL_OK;
        cJSON *alpha = NULL;
        assert_int_equal(clnas_alpha_to_json(&a, &alpha, &err), CLNAS_OK);
        line.extra = cJSON_CreateObject();
        cJSON_AddNumberToObject(line.extra, "epoch", i);
        cJSON_AddItemToObject(line.extra, "alpha", alpha);
        append(&j, &line);
        cJSON_Delete(line.extra);
    }
    clnas_journal_close(&j);
}

/* A DARTS run over DARTS' cell space of n epochs, as oneshot/darts_run.c writes it: config.json's space.name
 * "darts", each line the genotype DARTS' rule derives from a 28 x 8 alpha, "space": "darts" and alpha. */
static void darts_space_run(const char *dir, int n)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", dir);
    write_text(path, "{\"name\": \"darts-space\", \"space\": {\"name\": \"darts\"}, \"strategy\": {\"name\": "
                     "\"darts\", \"epochs\": 3}}\n");
    clnas_journal j;
    clnas_error err = {0};
    snprintf(path, sizeof path, "%s/journal.jsonl", dir);
    assert_int_equal(clnas_journal_open(path, SIZE_MAX, &j, &err), CLNAS_OK);
    clnas_alpha a;
    assert_int_equal(clnas_alpha_init(&a, CLNAS_DARTS_SPACE_ALPHA_EDGES, CLNAS_DARTS_OPS, 1, &err), CLNAS_OK);
    for (int i = 0; i < n; i++) {
        for (int e = 0; e < CLNAS_DARTS_SPACE_ALPHA_EDGES; e++)
            a.alpha[e][1 + (e + i) % (CLNAS_DARTS_OPS - 1)] += 0.3;
        clnas_journal_entry line;
        memset(&line, 0, sizeof line);
        line.trial = i;
        line.space = &clnas_space_darts;
        clnas_darts_genotype derived;
        char text[CLNAS_SPACE_STR_MAX];
        assert_int_equal(clnas_darts_space_derive(&a, &derived, &err), CLNAS_OK);
        assert_int_equal(clnas_darts_genotype_format(&derived, text, sizeof text, &err), CLNAS_OK);
        assert_int_equal(clnas_space_darts.parse(text, &line.arch, &err), CLNAS_OK);
        line.fitness = 0.3 + 0.1 * i;
        line.params = 30000 + i;
        line.flops = 5e6;
        line.seconds = 20;
        line.status = CLNAS_TRIAL_OK;
        cJSON *alpha = NULL;
        assert_int_equal(clnas_alpha_to_json(&a, &alpha, &err), CLNAS_OK);
        line.extra = cJSON_CreateObject();
        cJSON_AddNumberToObject(line.extra, "epoch", i);
        cJSON_AddStringToObject(line.extra, "space", "darts");
        cJSON_AddItemToObject(line.extra, "alpha", alpha);
        append(&j, &line);
        cJSON_Delete(line.extra);
    }
    clnas_journal_close(&j);
}

/* `clnas report ARGS`, stdout into out (stderr joined); the exit status. */
static int run_report(const char *args, char *out, size_t cap)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' report %s 2>&1", CLNAS_TOOL_PATH, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* ---- checks of the page ---- */

/* Tags balance (a stack of names; void and self-closed tags excepted), no scripts and no address outside the
 * page but the SVG namespace; returns the number of <svg> elements. */
static int check_well_formed(const char *html)
{
    char stack[256][16];
    int depth = 0, svgs = 0;
    for (const char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
        if (p[1] == '!')
            continue;
        const char *end = strchr(p, '>');
        assert_non_null(end);
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t len = strcspn(name, " \t\n/>");
        assert_true(len > 0 && len < 16);
        char tag[16];
        memcpy(tag, name, len);
        tag[len] = '\0';
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], tag) != 0)
                fail_msg("</%s> closes <%s> at offset %ld", tag, depth ? stack[depth - 1] : "nothing",
                         (long)(p - html));
            depth--;
        } else if (end[-1] != '/' && strcmp(tag, "meta") != 0 && strcmp(tag, "br") != 0) {
            assert_true(depth < 256);
            snprintf(stack[depth++], 16, "%s", tag);
        }
        svgs += !closing && strcmp(tag, "svg") == 0;
    }
    assert_int_equal(depth, 0);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "src="));
    for (const char *u = strstr(html, "http"); u; u = strstr(u + 1, "http"))
        if (strncmp(u, "http://www.w3.org/2000/svg\"", 27) != 0)
            fail_msg("an address outside the page: %.60s", u);
    return svgs;
}

/* Every <svg> element draws data: a point, a line with points, or a cell's arrows. */
static void check_svgs_have_data(const char *html)
{
    for (const char *s = strstr(html, "<svg"); s; s = strstr(s + 1, "<svg")) {
        const char *end = strstr(s, "</svg>");
        assert_non_null(end);
        int data = 0;
        for (const char *c = strstr(s, "<circle"); c && c < end && !data; c = strstr(c + 1, "<circle"))
            data = 1;
        for (const char *l = strstr(s, "points=\""); l && l < end && !data; l = strstr(l + 1, "points=\""))
            data = l[8] != '"';
        if (!data)
            fail_msg("an <svg> without data: %.200s", s);
    }
}

/* python3's XML parser agrees the page is well-formed, when python3 is there. */
static void check_with_python(const char *path)
{
    if (system("command -v python3 >/dev/null 2>&1") != 0) {
        print_message("python3 not found: the XML parse of %s is skipped (the C checks ran)\n", path);
        return;
    }
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static int mkdir_p_for_test(const char *path)
{
    clnas_error err = {0};
    return clnas_dirs_make(path, &err) == CLNAS_OK ? 0 : 1;
}

static char *read_page(const char *path)
{
    char *html = test_read_file(path, NULL);
    if (!html)
        fail_msg("%s was not written", path);
    assert_true(check_well_formed(html) > 0);
    check_svgs_have_data(html);
    check_with_python(path);
    return html;
}

static int exists(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* A CSV beside the page with its header line. */
static void check_csv(const char *dir, const char *name, const char *header)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = test_read_file(path, NULL);
    if (!text)
        fail_msg("%s was not written", path);
    assert_int_equal(strncmp(text, header, strlen(header)), 0);
    assert_true(strchr(text, '\n') && strchr(text, '\n')[1] != '\0'); /* a data row */
    free(text);
}

/* The CSV's pareto_front column marks exactly the rows no other row dominates (fitness up, cost down: cost is the
 * column the file is named after); `rows` data rows. */
static void check_front(const char *dir, const char *name, int rows)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    const int column = strstr(name, "latency") ? 3 : strstr(name, "flops") ? 2 : 1;
    double cost[64], fit[64];
    int front[64], n = 0;
    char line[4096];
    assert_non_null(fgets(line, sizeof line, f)); /* the header */
    while (n < 64 && fgets(line, sizeof line, f)) {
        double v[5];
        int trial;
        long params;
        if (sscanf(line, "%d,%ld,%lf,%lf,%lf,%d", &trial, &params, &v[2], &v[3], &v[4], &front[n]) != 6)
            fail_msg("%s: bad row %s", name, line);
        v[1] = (double)params;
        cost[n] = v[column], fit[n++] = v[4];
    }
    fclose(f);
    assert_int_equal(n, rows);
    int members = 0;
    for (int a = 0; a < n; a++) {
        int dominated = 0;
        for (int b = 0; b < n; b++)
            dominated |= fit[b] >= fit[a] && cost[b] <= cost[a] && (fit[b] > fit[a] || cost[b] < cost[a]);
        assert_int_equal(front[a], !dominated);
        members += front[a];
    }
    assert_true(members >= 1 && members < n);
}

/* ---- the tests ---- */

static void test_rea_page(void **state)
{
    const char *dir = *state;
    char run[1100], args[3000], out[65536], page[1200];
    scratch_dir_path(run, sizeof run, dir, "rea");
    assert_int_equal(mkdir_p_for_test(run), 0);
    rea_run(run, 40, 11);
    snprintf(page, sizeof page, "%s/out/report.html", dir);
    snprintf(args, sizeof args, "'%s' --top 4 --html '%s'", run, page);
    snprintf(page, sizeof page, "%s/rank_eval.json", run); /* as clnas rank-eval writes it */
    write_text(page, "{\"archs\": 3, \"usable\": 3, \"cached\": 1, \"kendall_tau\": 0.333, \"spearman_rho\": 0.5, "
                     "\"rows\": [{\"arch\": \"|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|\", "
                     "\"supernet\": 0.5, \"standalone\": 0.6, \"standalone_cached\": false}, "
                     "{\"arch\": \"|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|\", \"supernet\": 0.4, "
                     "\"standalone\": 0.7, \"standalone_cached\": true}, "
                     "{\"arch\": \"|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|\", \"supernet\": 0.3, "
                     "\"standalone\": 0.2, \"standalone_cached\": false}]}\n");
    snprintf(page, sizeof page, "%s/out/report.html", dir);
    int rc = run_report(args, out, sizeof out);
    if (rc != 0)
        fail_msg("clnas report exited %d: %s", rc, out);
    assert_non_null(strstr(out, "Top 4"));
    char *html = read_page(page);
    assert_non_null(strstr(html, "<h3>Top 4 distinct architectures</h3>"));
    assert_int_equal(strstr(html, "class=\"cell\"") != NULL, 1);
    int cells = 0;
    for (const char *c = strstr(html, "class=\"cell\""); c; c = strstr(c + 1, "class=\"cell\""))
        cells++;
    assert_int_equal(cells, 4); /* a drawing per row of the top 4 */
    assert_non_null(strstr(html, "fitness against parameters"));
    assert_non_null(strstr(html, "fitness against forward FLOPs"));
    assert_non_null(strstr(html, "fitness against on-device latency"));
    assert_non_null(strstr(html, "Pareto front (no trial fitter and cheaper)"));
    assert_null(strstr(html, ">epoch<"));
    assert_non_null(strstr(html, "Rank evaluation (rank_eval.json)"));
    assert_non_null(strstr(html, "Kendall tau 0.333, Spearman rho 0.500 (3 architectures)"));
    free(html);
    char outdir[1100];
    scratch_dir_path(outdir, sizeof outdir, dir, "out");
    check_csv(outdir, "report.run0-progress.csv", "trial,status,fitness,best_so_far,params,flops,arch\n");
    check_csv(outdir, "report.run0-params.csv", "trial,params,flops,latency_ms,fitness,pareto_front,arch\n");
    check_csv(outdir, "report.run0-flops.csv", "trial,params,flops,latency_ms,fitness,pareto_front,arch\n");
    check_csv(outdir, "report.run0-latency.csv", "trial,params,flops,latency_ms,fitness,pareto_front,arch\n");
    check_front(outdir, "report.run0-latency.csv", 20); /* the even trials of 40 have a latency */
    check_front(outdir, "report.run0-params.csv", 38); /* less the failed trial and the cached one */
    check_csv(outdir, "report.run0-rank-eval.csv", "arch,standalone,supernet,standalone_cached\n");
    /* the run directory is only read */
    assert_false(exists(run, "progress.svg"));
    assert_false(exists(run, "progress.csv"));
}

static void test_darts_page(void **state)
{
    const char *dir = *state;
    char run[1100], args[3000], out[65536], page[1200];
    scratch_dir_path(run, sizeof run, dir, "darts");
    assert_int_equal(mkdir_p_for_test(run), 0);
    darts_run(run, 4);
    snprintf(page, sizeof page, "%s/darts.html", dir);
    snprintf(args, sizeof args, "'%s' --html '%s'", run, page);
    int rc = run_report(args, out, sizeof out);
    if (rc != 0)
        fail_msg("clnas report exited %d: %s", rc, out);
    /* by epoch, not ranked as trials */
    assert_non_null(strstr(out, "4 epochs of a differentiable search (darts)"));
    assert_non_null(strstr(out, "(the result)"));
    assert_null(strstr(out, "Top"));
    assert_null(strstr(out, "trials"));
    char *html = read_page(page);
    assert_non_null(strstr(html, ">epoch</text>"));
    assert_null(strstr(html, ">trial</text>"));
    assert_non_null(strstr(html, "search network validation accuracy"));
    assert_null(strstr(html, "distinct architectures"));
    assert_non_null(strstr(html, "softmax(alpha) over the epochs"));
    int edges = 0;
    for (const char *e = strstr(html, ">edge "); e; e = strstr(e + 1, ">edge "))
        edges++;
    assert_int_equal(edges, CLNAS_NB201_EDGES); /* a chart per edge */
    free(html);
    check_csv(dir, "darts.run0-alpha.csv", "epoch,edge,op,probability\n");
    check_csv(dir, "darts.run0-progress.csv", "epoch,status,val_accuracy,best_so_far,params,flops,arch\n");
    assert_false(exists(run, "progress.svg"));
}

/* A DARTS run over DARTS' cell space: reported by epoch with the genotypes as DARTS prints them (the text stands for
 * the cell picture), alpha's 28 edges charted with DARTS' op names. */
static void test_darts_space_page(void **state)
{
    const char *dir = *state;
    char run[1100], args[3000], out[65536], page[1200];
    scratch_dir_path(run, sizeof run, dir, "darts-space");
    assert_int_equal(mkdir_p_for_test(run), 0);
    darts_space_run(run, 3);
    snprintf(page, sizeof page, "%s/darts-space.html", dir);
    snprintf(args, sizeof args, "'%s' --html '%s'", run, page);
    int rc = run_report(args, out, sizeof out);
    if (rc != 0)
        fail_msg("clnas report exited %d: %s", rc, out);
    assert_non_null(strstr(out, "3 epochs of a differentiable search (darts)"));
    assert_non_null(strstr(out, "Genotype(normal=[("));
    assert_non_null(strstr(out, "reduce_concat=[2, 3, 4, 5])  (the result)"));
    char *html = read_page(page);
    assert_non_null(strstr(html, "softmax(alpha) over the epochs"));
    assert_non_null(strstr(html, "sep_conv_3x3"));
    assert_non_null(strstr(html, "normal_concat=[2, 3, 4, 5]"));
    int edges = 0;
    for (const char *e = strstr(html, ">edge "); e; e = strstr(e + 1, ">edge "))
        edges++;
    assert_int_equal(edges, CLNAS_DARTS_SPACE_ALPHA_EDGES);
    assert_non_null(strstr(html, ">edge reduce 13<"));
    free(html);
    check_csv(dir, "darts-space.run0-alpha.csv", "epoch,edge,op,probability\n");
    snprintf(args, sizeof args, "'%s' --json", run);
    assert_int_equal(run_report(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"trials\":\t3"));
}

static void test_runs_side_by_side(void **state)
{
    const char *dir = *state;
    char a[1100], b[1100], c[1100], args[4000], out[65536], page[1200];
    scratch_dir_path(a, sizeof a, dir, "a");
    scratch_dir_path(b, sizeof b, dir, "b");
    scratch_dir_path(c, sizeof c, dir, "c");
    assert_int_equal(mkdir_p_for_test(a) | mkdir_p_for_test(b) | mkdir_p_for_test(c), 0);
    rea_run(a, 30, 1);
    rea_run(b, 50, 2);
    darts_run(c, 3);
    snprintf(page, sizeof page, "%s/side.html", dir);
    snprintf(args, sizeof args, "'%s' '%s' '%s' --html '%s'", a, b, c, page);
    int rc = run_report(args, out, sizeof out);
    if (rc != 0)
        fail_msg("clnas report exited %d: %s", rc, out);
    char *html = read_page(page);
    assert_non_null(strstr(html, "<h2>Best so far, all runs</h2>"));
    assert_non_null(strstr(html, "<h2>Summary</h2>"));
    assert_non_null(strstr(html, "id=\"run2\""));
    assert_non_null(strstr(html, "30 trials"));
    assert_non_null(strstr(html, "50 trials"));
    assert_non_null(strstr(html, "3 epochs"));
    free(html);
    check_csv(dir, "side.overlay.csv", "run,index,x,fitness,best_so_far\n");
    /* a missing run directory is an error naming it */
    snprintf(args, sizeof args, "'%s' '%s/absent' --html '%s'", a, dir, page);
    assert_int_equal(run_report(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "absent"));
}

/* ---- the plots ---- */

/* noinline: gcc -O3 inlines it and then takes the returned buffer for a pointer to the local `text` itself
 * (-Wdangling-pointer). */
__attribute__((noinline)) static char *progress_svg(const clnas_journal_entry *e, int n, const char *title)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    clnas_progress_svg_put(f, e, n, title, 760, 440);
    assert_int_equal(fclose(f), 0);
    return text;
}

/* Best so far is a step line: level from a trial to the next, then up; no diagonal. */
static void test_best_so_far_steps(void **state)
{
    (void)state;
    clnas_journal_entry e[3];
    memset(e, 0, sizeof e);
    const double fit[3] = {0.5, 0.7, 0.6};
    for (int i = 0; i < 3; i++) {
        e[i].trial = i;
        e[i].fitness = fit[i];
        e[i].status = CLNAS_TRIAL_OK;
    }
    char *svg = progress_svg(e, 3, "steps");
    const char *pts = strstr(strstr(svg, "stroke=\"#d62728\""), "points=\"");
    assert_non_null(pts);
    double x[8], y[8];
    int n = 0;
    for (const char *p = pts + 8; n < 8 && sscanf(p, "%lf,%lf", &x[n], &y[n]) == 2; n++)
        p = strchr(p, ' ') + 1;
    assert_int_equal(n, 4); /* (0, .5) (1, .5) (1, .7) (2, .7) */
    assert_true(y[0] == y[1] && x[1] == x[2] && y[2] < y[1] && y[3] == y[2] && x[3] > x[2]);
    free(svg);
}

/* Ticks are 1, 2 or 5 times a power of ten; tick labels are round numbers. */
static void test_round_ticks(void **state)
{
    (void)state;
    assert_true(fabs(clnas_svg_nice_step(0.3806, 0.6328, 5) - 0.1) < 1e-12);
    assert_true(fabs(clnas_svg_nice_step(0, 99, 5) - 20) < 1e-12);
    assert_true(fabs(clnas_svg_nice_step(0.711, 0.9425, 5) - 0.05) < 1e-12);
    assert_true(fabs(clnas_svg_nice_step(0, 1, 5) - 0.2) < 1e-12);
    assert_true(fabs(clnas_svg_nice_step(1e5, 1.3e6, 5) - 5e5) < 1e-6);
    clnas_journal_entry e[2];
    memset(e, 0, sizeof e);
    e[0].fitness = 0.3806, e[1].fitness = 0.6328, e[1].trial = 1;
    e[0].status = e[1].status = CLNAS_TRIAL_OK;
    char *svg = progress_svg(e, 2, "ticks");
    assert_non_null(strstr(svg, ">0.3</text>"));
    assert_non_null(strstr(svg, ">0.7</text>"));
    assert_null(strstr(svg, ">0.381</text>")); /* the old ticks: the data's range split in five */
    free(svg);
}

/* Labels stay inside the viewBox: a long title is squeezed to the width; tick labels right of x = 0. */
static void test_nothing_clipped(void **state)
{
    (void)state;
    char title[400];
    memset(title, 'w', sizeof title - 1);
    title[sizeof title - 1] = '\0';
    clnas_journal_entry e[2];
    memset(e, 0, sizeof e);
    e[0].fitness = 0.1, e[1].fitness = 0.9, e[1].trial = 1;
    e[0].status = e[1].status = CLNAS_TRIAL_OK;
    char *svg = progress_svg(e, 2, title);
    assert_non_null(strstr(svg, "viewBox=\"0 0 760 440\""));
    const char *t = strstr(svg, "textLength=\"");
    assert_non_null(t);
    assert_true(atof(t + 12) <= 760 - 8);
    for (const char *x = strstr(svg, "<text x=\""); x; x = strstr(x + 1, "<text x=\"")) {
        double v = atof(x + 9);
        assert_true(v >= 0 && v <= 760);
    }
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        scratch_dir_unit_test(test_rea_page),
        scratch_dir_unit_test(test_darts_page),
        scratch_dir_unit_test(test_darts_space_page),
        scratch_dir_unit_test(test_runs_side_by_side),
        cmocka_unit_test(test_best_so_far_steps),
        cmocka_unit_test(test_round_ticks),
        cmocka_unit_test(test_nothing_clipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
