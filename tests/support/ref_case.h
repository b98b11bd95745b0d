/* clnas tests — a PyTorch reference case (tests/data/reference/<name>/): its config, weights and expectations. */
#ifndef CLNAS_REF_CASE_H
#define CLNAS_REF_CASE_H

#include "clnas/model.h"
#include "clnas/safetensors.h"

typedef struct ref_case {
    char dir[512];
    clnas_net_config cfg;
    clnas_safetensors expected;
    double lr;
} ref_case;

/* Loads meta.json and expected.safetensors of tests/data/reference/<name>; returns 0 on success. */
int ref_case_load(ref_case *rc, const char *name, int fp64);
void ref_case_free(ref_case *rc);
/* The expected tensor `name` in double (malloc'ed), its element count in *n; NULL when absent. */
double *ref_case_tensor(const ref_case *rc, const char *name, size_t *n);
/* Uploads the case's input batch and labels into the model. */
int ref_case_set_batch(const ref_case *rc, clnas_model *model);

#endif
