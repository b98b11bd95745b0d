/* clnas — the ground-truth table: a sample of distinct canonical classes, each trained with two seeds, written as
 * rows that a rerun keeps. */
#include "groundtruth.h"
#include "space_nb201.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/rng.h"
#include "file_io.h"

clnas_status clnas_groundtruth_sample(int k, uint64_t seed, clnas_genotype *out, clnas_error *err)
{
    uint64_t *seen = malloc(CLNAS_NB201_CELLS * sizeof *seen);
    uint32_t *rep = malloc(CLNAS_NB201_CELLS * sizeof *rep);
    if (!seen || !rep) {
        free(seen), free(rep);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "groundtruth: out of memory");
    }
    int classes = 0;
    for (uint32_t i = 0; i < CLNAS_NB201_CELLS; i++) {
        clnas_genotype g;
        uint64_t h;
        clnas_genotype_from_index(i, &g);
        clnas_genotype_canonical(&g, NULL, 0, &h, NULL);
        int known = 0;
        for (int c = classes - 1; c >= 0 && !known; c--)
            known = seen[c] == h;
        if (!known) {
            seen[classes] = h;
            rep[classes++] = i;
        }
    }
    clnas_status st = CLNAS_OK;
    if (k < 1 || k > classes) {
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "groundtruth: --archs must be from 1 to %d (the canonical "
                             "classes), got %d", classes, k);
    } else {
        clnas_rng rng;
        clnas_rng_seed(&rng, seed);
        for (int i = classes - 1; i > 0; i--) {
            const int j = (int)clnas_rng_below(&rng, (uint32_t)(i + 1));
            const uint32_t t = rep[i];
            rep[i] = rep[j];
            rep[j] = t;
        }
        for (int i = 0; i < k; i++)
            clnas_genotype_from_index(rep[i], &out[i]);
    }
    free(seen), free(rep);
    return st;
}

static int write_rows(FILE *f, void *ctx)
{
    const clnas_reference *t = ctx;
    fprintf(f, "%s\n", CLNAS_REFERENCE_HEADER);
    for (int i = 0; i < t->n; i++) {
        const clnas_reference_row *r = &t->rows[i];
        char arch[CLNAS_GENOTYPE_STR_MAX], hex[17];
        clnas_genotype_format(&r->arch, arch, sizeof arch, NULL);
        clnas_hash_to_hex(r->hash, hex);
        fprintf(f, "%s,%s,%.17g,%.17g,%.17g,%.17g,%.17g\n", arch, hex, r->accuracy[0], r->accuracy[1], r->mean,
                r->params, r->flops);
    }
    return 0;
}

/* One architecture trained by one trainer: its accuracy, params and flops, or an error naming it. */
static clnas_status train_one(clnas_evaluator *ev, const clnas_genotype *g, int seed, clnas_reference_row *row,
                              clnas_error *err)
{
    clnas_evaluator_result r;
    memset(&r, 0, sizeof r);
    clnas_space_genotype sg;
    clnas_nb201_to(g, &sg);
    clnas_status st = ev->iface->evaluate(ev->state, &sg, &r, err);
    if (st == CLNAS_OK && r.status != CLNAS_TRIAL_OK) {
        char arch[CLNAS_GENOTYPE_STR_MAX];
        clnas_genotype_format(g, arch, sizeof arch, NULL);
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "groundtruth: %s (seed %d) %s: %s", arch, seed,
                             clnas_trial_status_name(r.status), r.error);
    }
    if (st == CLNAS_OK) {
        row->accuracy[seed] = r.fitness;
        if (seed == 0) {
            row->params = (double)r.params;
            row->flops = r.flops;
        }
    }
    clnas_evaluator_result_clear(&r);
    return st;
}

/* The file's rows must all be in the sample; *table takes them and grows to hold the sample's. */
static clnas_status check_resume(const clnas_groundtruth_config *cfg, const clnas_genotype *sample,
                                 clnas_reference *table, clnas_error *err)
{
    for (int i = 0; i < table->n; i++) {
        int in_sample = 0;
        for (int k = 0; k < cfg->archs && !in_sample; k++) {
            uint64_t h;
            clnas_genotype_canonical(&sample[k], NULL, 0, &h, NULL);
            in_sample = h == table->rows[i].hash;
        }
        if (!in_sample)
            return clnas_error_set(err, CLNAS_ERR_MISMATCH, "%s row %d is not in the sample of %d architectures with "
                                   "seed %llu: resume with the --archs and --seed the file was begun with", cfg->out,
                                   i + 1, cfg->archs, (unsigned long long)cfg->seed);
    }
    clnas_reference_row *rows = realloc(table->rows, (size_t)(cfg->archs + 1) * sizeof *rows);
    if (!rows)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "groundtruth: out of memory");
    table->rows = rows;
    return CLNAS_OK;
}

clnas_status clnas_groundtruth_run(const clnas_groundtruth_config *cfg, clnas_error *err)
{
    clnas_genotype *sample = malloc((size_t)(cfg->archs > 0 ? cfg->archs : 1) * sizeof *sample);
    if (!sample)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "groundtruth: out of memory");
    clnas_reference table = {0};
    clnas_status st = clnas_groundtruth_sample(cfg->archs, cfg->seed, sample, err);
    if (st == CLNAS_OK)
        st = clnas_reference_read_partial(cfg->out, &table, err);
    if (st == CLNAS_OK)
        st = check_resume(cfg, sample, &table, err);
    for (int k = 0; st == CLNAS_OK && k < cfg->archs && !(cfg->stop && *cfg->stop); k++) {
        clnas_reference_row row;
        memset(&row, 0, sizeof row);
        row.arch = sample[k];
        clnas_genotype_canonical(&sample[k], NULL, 0, &row.hash, NULL);
        int have = -1;
        for (int i = 0; i < table.n && have < 0; i++)
            have = table.rows[i].hash == row.hash ? i : -1;
        if (have < 0) {
            for (int seed = 0; seed < 2 && st == CLNAS_OK; seed++)
                st = train_one(cfg->trainer[seed], &sample[k], seed, &row, err);
            if (st != CLNAS_OK)
                break;
            row.mean = 0.5 * (row.accuracy[0] + row.accuracy[1]);
            table.rows[table.n++] = row;
            st = clnas_file_write_atomic(cfg->out, write_rows, &table, err);
        }
        if (st == CLNAS_OK && cfg->progress)
            cfg->progress(have < 0 ? &table.rows[table.n - 1] : &table.rows[have], k + 1, cfg->archs, have >= 0,
                          cfg->user);
    }
    clnas_reference_free(&table);
    free(sample);
    return st;
}
