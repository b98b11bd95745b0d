/* clnas — inside the space stage: DARTS op names and published genotypes looked up by a (text, length) slice. */
#ifndef CLNAS_DARTS_NAMES_H
#define CLNAS_DARTS_NAMES_H

#include <stddef.h>

#include "clnas/darts_genotype.h"

/* CLNAS_OK and the op whose name is exactly name[0..len); CLNAS_ERR_NOT_FOUND otherwise (no message). */
clnas_status clnas_darts_op_parse(const char *name, size_t len, clnas_darts_op *out);

/* 1 and the genotype (when out is not NULL) if name[0..len) is a published genotype's name or alias, else 0. */
int clnas_darts_genotype_lookup(const char *name, size_t len, clnas_darts_genotype *out);

#endif
