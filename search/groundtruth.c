/* clnas — the ground-truth table: a sample of distinct canonical classes of any space, each trained with two seeds,
 * written as rows that a rerun keeps. */
#include "groundtruth.h"
#include "space_nb201.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/rng.h"

/* The enumerable space's classes, each by its lowest-index genotype, shuffled; the first k into out. */
static clnas_status sample_classes(const clnas_space_iface *space, int k, uint64_t seed, clnas_space_genotype *out,
                                   clnas_error *err)
{
    uint64_t *rep = malloc(space->size * sizeof *rep);
    const int64_t found = rep ? clnas_space_class_representatives(space, NULL, NULL, rep) : -1;
    if (found < 0) {
        free(rep);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "groundtruth: out of memory");
    }
    const int classes = (int)found;
    clnas_status st = CLNAS_OK;
    if (k < 1 || k > classes) {
        st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "groundtruth: --archs must be from 1 to %d (the canonical "
                             "classes), got %d", classes, k);
    } else {
        clnas_rng rng;
        clnas_rng_seed(&rng, seed);
        for (int i = classes - 1; i > 0; i--) {
            const int j = (int)clnas_rng_below(&rng, (uint32_t)(i + 1));
            const uint64_t t = rep[i];
            rep[i] = rep[j];
            rep[j] = t;
        }
        for (int i = 0; i < k; i++)
            space->from_index(rep[i], &out[i]);
    }
    free(rep);
    return st;
}

/* Uniform draws of a space that is not enumerable, repeated classes skipped. */
static clnas_status sample_draws(const clnas_space_iface *space, int k, uint64_t seed, clnas_space_genotype *out,
                                 clnas_error *err)
{
    enum { MAX_REPEATS = 1000 };
    if (k < 1)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "groundtruth: --archs must be at least 1, got %d", k);
    uint64_t *hashes = malloc((size_t)k * sizeof *hashes);
    if (!hashes)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "groundtruth: out of memory");
    clnas_rng rng;
    clnas_rng_seed(&rng, seed);
    clnas_status st = CLNAS_OK;
    for (int n = 0, repeats = 0; n < k && st == CLNAS_OK;) {
        space->sample(space, &rng, &out[n]);
        clnas_error why = {0};
        if ((st = space->canonical(&out[n], NULL, 0, &hashes[n], &why)) != CLNAS_OK) {
            st = clnas_error_set(err, st, "groundtruth: a sample of space %s: %s", space->name, why.message);
            break;
        }
        int known = 0;
        for (int i = 0; i < n && !known; i++)
            known = hashes[i] == hashes[n];
        if (!known) {
            n++, repeats = 0;
        } else if (++repeats == MAX_REPEATS) {
            st = clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "groundtruth: space %s: %d draws in a row repeated one "
                                 "of the %d classes drawn so far; --archs %d is more than it gives", space->name,
                                 MAX_REPEATS, n, k);
        }
    }
    free(hashes);
    return st;
}

clnas_status clnas_groundtruth_sample(const clnas_space_iface *space, int k, uint64_t seed, clnas_space_genotype *out,
                                      clnas_error *err)
{
    space = clnas_space_or_nb201(space);
    if (space->size > 0 && space->size <= (1u << 24) && space->from_index)
        return sample_classes(space, k, seed, out, err);
    return sample_draws(space, k, seed, out, err);
}

/* One architecture trained by one trainer: its accuracy, params and flops, or an error naming it. */
static clnas_status train_one(clnas_evaluator *ev, const clnas_space_iface *space, const clnas_space_genotype *g,
                              int seed, clnas_reference_row *row, clnas_error *err)
{
    clnas_evaluator_result r;
    memset(&r, 0, sizeof r);
    clnas_status st = ev->iface->evaluate(ev->state, g, &r, err);
    if (st == CLNAS_OK && r.status != CLNAS_TRIAL_OK) {
        char arch[CLNAS_SPACE_STR_MAX];
        space->format(g, arch, sizeof arch, NULL);
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
static clnas_status check_resume(const clnas_groundtruth_config *cfg, const uint64_t *hashes,
                                 clnas_reference *table, clnas_error *err)
{
    for (int i = 0; i < table->n; i++) {
        int in_sample = 0;
        for (int k = 0; k < cfg->archs && !in_sample; k++)
            in_sample = hashes[k] == table->rows[i].hash;
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
    const clnas_space_iface *space = clnas_space_or_nb201(cfg->space);
    const size_t n = (size_t)(cfg->archs > 0 ? cfg->archs : 1);
    clnas_space_genotype *sample = malloc(n * sizeof *sample);
    uint64_t *hashes = malloc(n * sizeof *hashes);
    if (!sample || !hashes) {
        free(sample), free(hashes);
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "groundtruth: out of memory");
    }
    clnas_reference table = {0};
    clnas_status st = clnas_groundtruth_sample(space, cfg->archs, cfg->seed, sample, err);
    for (int k = 0; st == CLNAS_OK && k < cfg->archs; k++)
        space->canonical(&sample[k], NULL, 0, &hashes[k], NULL);
    if (st == CLNAS_OK)
        st = clnas_reference_read_partial(cfg->out, space, &table, err);
    if (st == CLNAS_OK)
        st = check_resume(cfg, hashes, &table, err);
    for (int k = 0; st == CLNAS_OK && k < cfg->archs && !(cfg->stop && *cfg->stop); k++) {
        clnas_reference_row row;
        memset(&row, 0, sizeof row);
        row.arch = sample[k];
        row.hash = hashes[k];
        int have = -1;
        for (int i = 0; i < table.n && have < 0; i++)
            have = table.rows[i].hash == row.hash ? i : -1;
        if (have < 0) {
            for (int seed = 0; seed < 2 && st == CLNAS_OK; seed++)
                st = train_one(cfg->trainer[seed], space, &sample[k], seed, &row, err);
            if (st != CLNAS_OK)
                break;
            row.mean = 0.5 * (row.accuracy[0] + row.accuracy[1]);
            table.rows[table.n++] = row;
            st = clnas_reference_write(cfg->out, &table, err);
        }
        if (st == CLNAS_OK && cfg->progress)
            cfg->progress(have < 0 ? &table.rows[table.n - 1] : &table.rows[have], k + 1, cfg->archs, have >= 0,
                          cfg->user);
    }
    clnas_reference_free(&table);
    free(sample);
    free(hashes);
    return st;
}
