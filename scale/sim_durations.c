/* clnas — simulated trial durations: a named distribution, or the durations of a file drawn from uniformly. */
#include "simulate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"
#include "journal.h"

enum { DUR_CONST, DUR_UNIFORM, DUR_EXP, DUR_LOGNORMAL, DUR_TABLE };

/* The numbers of a file, one a line (blank lines and # comments skipped). */
static clnas_status read_numbers(const char *path, clnas_sim_durations *d, clnas_error *err)
{
    char *text = NULL;
    size_t size = 0;
    clnas_status st = clnas_file_read_all(path, &text, &size, err);
    if (st != CLNAS_OK)
        return st;
    int line = 0;
    for (char *p = text, *next; p && *p && st == CLNAS_OK; p = next) {
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        line++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        char *end;
        double v = strtod(p, &end);
        while (*end == ' ' || *end == '\t' || *end == '\r')
            end++;
        if (end == p || *end || !isfinite(v) || v <= 0) {
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: line %d: expected a duration in seconds above 0, got "
                                 "\"%.40s\"", path, line, p);
        } else {
            double *t = realloc(d->table, (size_t)(d->n + 1) * sizeof *t);
            if (!t)
                st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
            else
                (d->table = t)[d->n++] = v;
        }
    }
    free(text);
    return st;
}

/* The "seconds" of a journal's trials that ran (cached ones took no time). */
static clnas_status read_journal(const char *path, clnas_sim_durations *d, clnas_error *err)
{
    clnas_journal_entry *e = NULL;
    int n = 0, torn = 0;
    size_t good = 0;
    clnas_status st = clnas_journal_read(path, &e, &n, &torn, &good, err);
    if (st == CLNAS_OK && !(d->table = malloc((size_t)(n ? n : 1) * sizeof *d->table)))
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "out of memory");
    for (int i = 0; i < n && st == CLNAS_OK; i++)
        if (e[i].status != CLNAS_TRIAL_CACHED && isfinite(e[i].seconds) && e[i].seconds > 0)
            d->table[d->n++] = e[i].seconds;
    clnas_journal_entries_free(e, n);
    return st;
}

clnas_status clnas_sim_durations_parse(const char *spec, clnas_sim_durations *d, clnas_error *err)
{
    memset(d, 0, sizeof *d);
    static const char *const names[] = {"const", "uniform", "exp", "lognormal"};
    static const int args[] = {1, 2, 1, 2};
    for (int k = 0; k < 4; k++) {
        const size_t len = strlen(names[k]);
        if (strncmp(spec, names[k], len) != 0 || spec[len] != ':')
            continue;
        char tail;
        int got = args[k] == 1 ? sscanf(spec + len + 1, "%lf%c", &d->a, &tail)
                               : sscanf(spec + len + 1, "%lf:%lf%c", &d->a, &d->b, &tail);
        int ok = got == args[k] && isfinite(d->a) && d->a > 0 && (args[k] == 1 || (isfinite(d->b) && d->b >= 0));
        if (k == 1 && ok)
            ok = d->b >= d->a;
        if (!ok)
            return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "--trial-seconds %s: expected const:S, uniform:A:B "
                                   "(0 < A <= B), exp:MEAN or lognormal:MEDIAN:SIGMA, seconds above 0", spec);
        d->kind = k;
        return CLNAS_OK;
    }
    d->kind = DUR_TABLE;
    const size_t len = strlen(spec);
    clnas_status st = len > 6 && strcmp(spec + len - 6, ".jsonl") == 0 ? read_journal(spec, d, err)
                                                                       : read_numbers(spec, d, err);
    if (st == CLNAS_OK && d->n == 0)
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: no durations in it (expected one number of seconds a line, "
                             "or a journal.jsonl with trials that ran)", spec);
    if (st != CLNAS_OK)
        clnas_sim_durations_free(d);
    return st;
}

double clnas_sim_duration_draw(const clnas_sim_durations *d, clnas_rng *rng)
{
    switch (d->kind) {
    case DUR_CONST: return d->a;
    case DUR_UNIFORM: return d->a + (d->b - d->a) * clnas_rng_uniform(rng);
    case DUR_EXP: return -d->a * log(1.0 - clnas_rng_uniform(rng));
    case DUR_LOGNORMAL: return d->a * exp(d->b * clnas_rng_normal(rng));
    default: return d->table[clnas_rng_below(rng, (uint32_t)d->n)];
    }
}

void clnas_sim_durations_free(clnas_sim_durations *d)
{
    free(d->table);
    memset(d, 0, sizeof *d);
}
