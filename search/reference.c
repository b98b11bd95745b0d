/* clnas — the ground-truth reference table: reading it, matching an estimator's scores, tau, rho and top-5 overlap. */
#include "reference.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"
#include "rank_stats.h"

void clnas_reference_free(clnas_reference *r)
{
    if (r)
        free(r->rows);
    if (r)
        memset(r, 0, sizeof *r);
}

static int parse_number(const char *text, double *out)
{
    char *end;
    errno = 0;
    const double v = strtod(text, &end);
    if (!*text || errno || *end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* Splits line at commas into at most n fields (in place); returns the count. */
static int split(char *line, char **fields, int n)
{
    int k = 0;
    for (char *p = line; k < n;) {
        fields[k++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return k;
}

/* One data line of the reference into row. */
static clnas_status parse_row(const char *path, int line, char *text, clnas_reference_row *row, clnas_error *err)
{
    char *f[8];
    if (split(text, f, 8) != 7)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: expected 7 fields (%s)", path, line,
                               CLNAS_REFERENCE_HEADER);
    clnas_error inner = {0};
    if (clnas_genotype_parse(f[0], &row->arch, &inner) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: arch: %s", path, line, inner.message);
    clnas_genotype_canonical(&row->arch, NULL, 0, &row->hash, NULL);
    char hex[17];
    clnas_hash_to_hex(row->hash, hex);
    if (strcmp(hex, f[1]) != 0)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: hash: expected %s (the arch's canonical hash), "
                               "got %.32s", path, line, hex, f[1]);
    static const char *const names[] = {"accuracy_seed0", "accuracy_seed1", "mean", "params", "flops"};
    double *slots[] = {&row->accuracy[0], &row->accuracy[1], &row->mean, &row->params, &row->flops};
    for (int k = 0; k < 5; k++)
        if (!parse_number(f[2 + k], slots[k]) || *slots[k] < 0 || (k < 3 && *slots[k] > 1))
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: %s: expected %s, got \"%.32s\"", path, line,
                                   names[k], k < 3 ? "a fraction from 0 to 1" : "a number of at least 0", f[2 + k]);
    return CLNAS_OK;
}

/* The rows of the file; a missing file is an empty table when missing_ok. */
static clnas_status read_rows(const char *path, int missing_ok, clnas_reference *out, clnas_error *err)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t length = 0;
    clnas_status st = clnas_file_read_all(path, &text, &length, err);
    if (st == CLNAS_ERR_NOT_FOUND && missing_ok)
        return CLNAS_OK;
    if (st != CLNAS_OK)
        return st;
    int line = 0, cap = 0;
    for (char *p = text, *next; st == CLNAS_OK && p && *p; p = next) {
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        line++;
        p[strcspn(p, "\r")] = '\0';
        if (line == 1) {
            if (strcmp(p, CLNAS_REFERENCE_HEADER) != 0)
                st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line 1: expected the header %s", path,
                                     CLNAS_REFERENCE_HEADER);
            continue;
        }
        if (!*p)
            continue;
        if (out->n == cap) {
            cap = cap ? 2 * cap : 64;
            clnas_reference_row *rows = realloc(out->rows, (size_t)cap * sizeof *rows);
            if (!rows) {
                st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
                break;
            }
            out->rows = rows;
        }
        st = parse_row(path, line, p, &out->rows[out->n], err);
        for (int i = 0; st == CLNAS_OK && i < out->n; i++)
            if (out->rows[i].hash == out->rows[out->n].hash)
                st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: the same canonical class as row %d", path,
                                     line, i + 1);
        out->n += st == CLNAS_OK;
    }
    free(text);
    if (st != CLNAS_OK)
        clnas_reference_free(out);
    return st;
}

clnas_status clnas_reference_read(const char *path, clnas_reference *out, clnas_error *err)
{
    clnas_status st = read_rows(path, 0, out, err);
    if (st == CLNAS_OK && out->n < 2) {
        st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: %d architectures; a reference needs at least 2", path,
                             out->n);
        clnas_reference_free(out);
    }
    return st;
}

clnas_status clnas_reference_read_partial(const char *path, clnas_reference *out, clnas_error *err)
{
    return read_rows(path, 1, out, err);
}

/* The line each reference row's class was found on (0: not yet), for duplicates. */
static clnas_status match_line(const clnas_reference *ref, const char *path, int line, char *p, double *scores,
                               int *found_on, clnas_error *err)
{
    char *f[3];
    if (split(p, f, 3) != 2)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: expected arch,score", path, line);
    clnas_genotype g;
    clnas_error inner = {0};
    if (clnas_genotype_parse(f[0], &g, &inner) != CLNAS_OK)
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: arch: %s", path, line, inner.message);
    double v;
    if (!parse_number(f[1], &v))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: score: expected a finite number, got \"%.32s\"",
                               path, line, f[1]);
    uint64_t h;
    clnas_genotype_canonical(&g, NULL, 0, &h, NULL);
    for (int i = 0; i < ref->n; i++)
        if (ref->rows[i].hash == h) {
            if (found_on[i])
                return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s line %d: the same canonical class as line %d",
                                       path, line, found_on[i]);
            found_on[i] = line;
            scores[i] = v;
        }
    return CLNAS_OK;
}

clnas_status clnas_reference_scores_csv(const clnas_reference *ref, const char *path, double *scores,
                                        clnas_error *err)
{
    char *text = NULL;
    size_t length = 0;
    clnas_status st = clnas_file_read_all(path, &text, &length, err);
    int *found_on = st == CLNAS_OK ? calloc((size_t)ref->n, sizeof *found_on) : NULL;
    if (st == CLNAS_OK && !found_on)
        st = clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "%s: out of memory", path);
    int line = 0;
    for (char *p = text, *next; st == CLNAS_OK && p && *p; p = next) {
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        line++;
        p[strcspn(p, "\r")] = '\0';
        if (*p && !(line == 1 && strncmp(p, "arch", 4) == 0))
            st = match_line(ref, path, line, p, scores, found_on, err);
    }
    for (int i = 0; st == CLNAS_OK && i < ref->n; i++)
        if (!found_on[i]) {
            char a[CLNAS_GENOTYPE_STR_MAX];
            clnas_genotype_format(&ref->rows[i].arch, a, sizeof a, NULL);
            st = clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: no score for the reference's %s (nor a cell isomorphic "
                                 "to it)", path, a);
        }
    free(found_on);
    free(text);
    return st;
}

/* Indices of the 5 largest of v (the earlier on a tie), into top; returns how many (n < 5: n). */
static int top5(const double *v, int n, int *top)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        int j = k < 5 ? k++ : 5;
        if (j == 5 && !(v[i] > v[top[4]]))
            continue;
        if (j == 5)
            j = 4;
        while (j > 0 && v[i] > v[top[j - 1]]) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = i;
    }
    return k;
}

void clnas_reference_rank_quality(const clnas_reference *ref, const double *scores, clnas_rank_quality *out)
{
    double *mean = malloc((size_t)ref->n * sizeof *mean);
    memset(out, 0, sizeof *out);
    out->tau = out->rho = NAN;
    if (!mean)
        return;
    for (int i = 0; i < ref->n; i++)
        mean[i] = ref->rows[i].mean;
    out->tau = clnas_kendall_tau(mean, scores, ref->n);
    out->rho = clnas_spearman_rho(mean, scores, ref->n);
    int a[5], b[5];
    const int na = top5(mean, ref->n, a), nb = top5(scores, ref->n, b);
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            out->top5_overlap += a[i] == b[j];
    free(mean);
}
