/* clnas — export of a network to PyTorch: one self-contained module file (plain torch, the architecture and sizes
 * written into it) and, with weights, the safetensors file it loads with load_state_dict(strict=True). */
#ifndef CLNAS_PYTORCH_EXPORT_H
#define CLNAS_PYTORCH_EXPORT_H

#include <stdio.h>

#include "clnas/chain_genotype.h"
#include "clnas/darts_genotype.h"
#include "clnas/status.h"

typedef enum clnas_export_space { CLNAS_EXPORT_NB201, CLNAS_EXPORT_DARTS, CLNAS_EXPORT_CHAIN } clnas_export_space;

/* The module file and the weights file inside the output directory. */
#define CLNAS_EXPORT_MODULE_FILE "model.py"
#define CLNAS_EXPORT_WEIGHTS_FILE "weights.safetensors"

/* What to export. A size of 0 is taken from the weights (NB201: their metadata; DARTS: their tensors' shapes; chain:
 * their metadata, which records the image size and the normalisation too, else their tensors' shapes), else the
 * default: NB201 C=16 N=5, DARTS C=16 and 8 layers, chain C=16; 1 input channel, 10 classes,
 * 28x28 images for 1 channel and 32x32 otherwise. */
typedef struct clnas_export_request {
    clnas_export_space space;
    const char *arch;    /* NB201 arch string, a DARTS genotype (DARTS' printed form or a published name) or a
                          * chain genotype; NB201 may leave it NULL when the weights' metadata records one */
    const char *weights; /* a safetensors file of the network, or NULL */
    int channels;        /* C */
    int depth;           /* NB201: cells per stage (N); DARTS: layers (cells in all); chain: unused (0) */
    int in_channels, height, width, classes;
    int auxiliary;       /* DARTS' auxiliary head: 1 on, 0 off, -1 as the weights have it (off without weights) */
    const char *out_dir; /* made when missing */
} clnas_export_request;

/* What was written. */
typedef struct clnas_export_result {
    char module_path[4200];
    char weights_path[4200]; /* "" without weights */
    char arch[CLNAS_CHAIN_GENOTYPE_STR_MAX];
    int channels, depth, in_channels, height, width, classes, auxiliary; /* chain: depth its layers */
    long long params;        /* trained parameters: PyTorch's sum(p.numel() for p in model.parameters()) */
    int has_norm;            /* NB201 or chain weights recorded their input normalisation (written into the module) */
} clnas_export_result;

/* Checks the request (the arch parses, sizes the network runs at, the weights' names and shapes are exactly the
 * network's and their metadata agrees), then makes out_dir and writes CLNAS_EXPORT_MODULE_FILE and, with weights,
 * a byte copy of them as CLNAS_EXPORT_WEIGHTS_FILE. Nothing is written when a check fails. */
clnas_status clnas_export_pytorch(const clnas_export_request *req, clnas_export_result *res, clnas_error *err);

/* The module file's content, for clnas_file_write_atomic: the space's template (share/clnas/nb201.py, darts.py or
 * chain.py, embedded) with the safetensors reader's text in place of its import line, then the network's constants,
 * build(), load() and a self-check run by `python3 model.py`. */
typedef struct clnas_export_module {
    clnas_export_space space;
    const char *arch;          /* NB201 arch string, the DARTS genotype in DARTS' printed form (Python), or the
                                * chain genotype string */
    int channels, depth, in_channels, height, width, classes, auxiliary;
    long long params;
    const char *weights_file;  /* the weights' file name beside the module, or NULL */
    int norm_channels;         /* values in mean and std; 0: none recorded */
    const double *mean, *std;
} clnas_export_module;
int clnas_export_module_write(FILE *f, void *module);

#endif
