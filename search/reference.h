/* clnas — a ground-truth reference table (stand-alone accuracies, two seeds) and scoring estimators against it. */
#ifndef CLNAS_REFERENCE_H
#define CLNAS_REFERENCE_H

#include <stdint.h>

#include "clnas/space.h"
#include "clnas/status.h"
#include "space_iface.h"

/* One architecture of the reference: the CSV line `arch,hash,accuracy_seed0,accuracy_seed1,mean,params,flops`. */
typedef struct clnas_reference_row {
    clnas_space_genotype arch; /* a genotype of the table's space */
    uint64_t hash;             /* canonical hash (the file's, checked against the arch's) */
    double accuracy[2], mean;
    double params, flops;
} clnas_reference_row;

typedef struct clnas_reference {
    const clnas_space_iface *space; /* the rows' space (never NULL after a read) */
    clnas_reference_row *rows;
    int n;
} clnas_reference;

#define CLNAS_REFERENCE_HEADER "arch,hash,accuracy_seed0,accuracy_seed1,mean,params,flops"
/* The optional first line naming the space ("# space: darts"); a file without it is of space nb201. */
#define CLNAS_REFERENCE_SPACE_LINE "# space: "

/* Reads a reference CSV: optionally the line "# space: NAME" (absent: nb201), then exactly the header
 * CLNAS_REFERENCE_HEADER, then one row per architecture, each of a distinct canonical class, hash 16 hex digits
 * equal to the arch's canonical hash, accuracies fractions 0..1. Fields are RFC 4180: one in double quotes may hold
 * commas, and "" inside it is one quote (DARTS' and chain strings are written so). Errors name the file, the line
 * and the field. At least 2 rows. */
clnas_status clnas_reference_read(const char *path, clnas_reference *out, clnas_error *err);
/* As clnas_reference_read for a table being written (clnas groundtruth resumes it): any number of rows, a missing
 * file is an empty table of `space`; a file of another space is CLNAS_ERR_MISMATCH naming both. */
clnas_status clnas_reference_read_partial(const char *path, const clnas_space_iface *space, clnas_reference *out,
                                          clnas_error *err);
/* Writes t atomically: "# space: NAME" first unless the space is nb201 (whose files are as they always were), the
 * header, one line per row; an arch holding a comma, a quote or a line break is quoted as RFC 4180 says. */
clnas_status clnas_reference_write(const char *path, const clnas_reference *t, clnas_error *err);
void clnas_reference_free(clnas_reference *r);

/* An estimator's scores for the reference rows from a CSV `arch,score` (RFC 4180 fields as above; an optional
 * "# space: NAME" first line, which must name the reference's space; a header line starting with "arch" is
 * skipped), the archs read in the reference's space and matched by canonical class; scores[i] for row i. A reference
 * architecture the file lacks is an error naming it; rows of other classes are ignored, a class given twice is an
 * error naming both lines. */
clnas_status clnas_reference_scores_csv(const clnas_reference *ref, const char *path, double *scores,
                                        clnas_error *err);

/* Writes an estimator's scores of the reference rows atomically as the CSV clnas_reference_scores_csv reads: the
 * space line unless nb201, "arch,score", then arch (quoted where it must be) and score (%.17g) per row. */
clnas_status clnas_reference_scores_write(const char *path, const clnas_reference *ref, const double *scores,
                                          clnas_error *err);

/* Rank quality of scores against the reference's mean accuracy: Kendall tau-b, Spearman rho, and the overlap of the
 * top 5 of each (by value, the earlier row on a tie; 0..5). */
typedef struct clnas_rank_quality {
    double tau, rho;
    int top5_overlap;
} clnas_rank_quality;

void clnas_reference_rank_quality(const clnas_reference *ref, const double *scores, clnas_rank_quality *out);

#endif
