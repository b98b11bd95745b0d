/* clnas — export of a network to PyTorch: the request checked (arch, sizes, weights against the network's parameter
 * table), then the module file and a copy of the weights written into the output directory. */
#include "pytorch_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clnas/model.h"
#include "clnas/safetensors.h"
#include "darts_param_table.h"
#include "file_io.h"
#include "network_chain.h"
#include "plan.h"
#include "weights_check.h"
#include "weights_info.h"

/* What the request resolves to before anything is written. */
typedef struct resolved {
    clnas_export_module module;
    char arch[CLNAS_CHAIN_GENOTYPE_STR_MAX];
    clnas_weights_info info; /* the weights' metadata (NB201, chain): mean and std point into it */
} resolved;

/* The size given, else the one the weights record, else the default. */
static int pick(int given, int saved, int fallback)
{
    return given > 0 ? given : saved > 0 ? saved : fallback;
}

/* 28 px for one input channel (Fashion-MNIST), 32 px otherwise (CIFAR-10). */
static int default_side(int in_channels)
{
    return in_channels == 1 ? 28 : 32;
}

/* The weights' metadata names a space (clnas writes it) other than the one exported. */
static clnas_status space_check(const clnas_safetensors *w, const char *path, const char *space, clnas_error *err)
{
    const char *saved = clnas_safetensors_metadata(w, "space");
    if (saved && strcmp(saved, space) != 0)
        return clnas_error_set(err, CLNAS_ERR_MISMATCH, "%s: the weights of a network of the %s space, not of the "
                               "%s space (--space %s?)", path, saved, space, saved);
    return CLNAS_OK;
}

/* The NB201 network: arch from the request or the weights' metadata, sizes from the request, the metadata or the
 * defaults, the weights' tensors against the compiled network's parameter table. */
static clnas_status resolve_nb201(const clnas_export_request *req, const clnas_safetensors *w, resolved *r,
                                  clnas_error *err)
{
    clnas_weights_info *info = &r->info;
    clnas_status st = CLNAS_OK;
    if (req->weights && ((st = space_check(w, req->weights, "nb201", err)) != CLNAS_OK ||
                         (st = clnas_weights_info_from(w, req->weights, info, err)) != CLNAS_OK))
        return st;
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    if (req->arch) {
        if ((st = clnas_genotype_parse(req->arch, &cfg.genotype, err)) != CLNAS_OK)
            return st; /* "arch string position P: expected ..." */
    } else if (info->has_arch) {
        cfg.genotype = info->genotype;
    } else {
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "an NB201 export needs an arch string (--arch)%s%s%s",
                               req->weights ? ": " : "", req->weights ? req->weights : "",
                               req->weights ? " records none" : "");
    }
    cfg.channels = pick(req->channels, info->channels, 16);
    cfg.cells = pick(req->depth, info->cells, 5);
    cfg.in_channels = pick(req->in_channels, info->in_channels, 1);
    cfg.classes = pick(req->classes, info->classes, 10);
    cfg.height = pick(req->height, info->height, default_side(cfg.in_channels));
    cfg.width = pick(req->width, info->width, default_side(cfg.in_channels));
    cfg.batch = 2;
    if ((st = clnas_net_config_check(&cfg, err)) != CLNAS_OK ||
        (req->weights && (st = clnas_weights_info_match(info, &cfg, req->weights, err)) != CLNAS_OK))
        return st;
    clnas_plan *plan = NULL;
    if ((st = clnas_plan_compile_descs(&cfg, &plan, err)) != CLNAS_OK)
        return st;
    if (req->weights)
        st = clnas_weights_match_plan(plan, w, req->weights, info, NULL, err);
    long long params = clnas_param_table_trained(plan->params, plan->nparams);
    clnas_plan_free(plan);
    clnas_genotype_format(&cfg.genotype, r->arch, sizeof r->arch, NULL);
    clnas_export_module m = {.space = CLNAS_EXPORT_NB201, .arch = r->arch, .channels = cfg.channels,
                             .depth = cfg.cells, .in_channels = cfg.in_channels, .height = cfg.height,
                             .width = cfg.width, .classes = cfg.classes, .params = params,
                             .norm_channels = info->norm_channels, .mean = info->mean, .std = info->std};
    r->module = m;
    return st;
}

/* The sizes DARTS weights imply, where d leaves them 0: C and the input channels from the stem's convolution, the
 * classes from the classifier, the layers from the highest cell index, the auxiliary head from its tensors. */
static void darts_dims_from(const clnas_safetensors *w, clnas_darts_dims *d)
{
    const clnas_tensor *stem = clnas_safetensors_find(w, "stem.0.weight");
    const clnas_tensor *cls = clnas_safetensors_find(w, "classifier.weight");
    if (stem && stem->ndim == 4 && stem->shape[0] % 3 == 0 && stem->shape[0] < 1 << 20 && stem->shape[1] < 1 << 20) {
        d->channels = d->channels ? d->channels : (int)(stem->shape[0] / 3);
        d->in_channels = d->in_channels ? d->in_channels : (int)stem->shape[1];
    }
    if (cls && cls->ndim == 2 && cls->shape[0] < 1 << 20)
        d->classes = d->classes ? d->classes : (int)cls->shape[0];
    int layers = 0, aux = 0;
    for (int i = 0; i < w->count; i++) {
        int cell = -1, n = 0;
        if (sscanf(w->tensors[i].name, "cells.%d.%n", &cell, &n) == 1 && n > 0 && cell >= 0 && cell < 1 << 16)
            layers = cell + 1 > layers ? cell + 1 : layers;
        aux |= strncmp(w->tensors[i].name, "auxiliary_head.", 15) == 0;
    }
    d->layers = d->layers ? d->layers : layers;
    d->auxiliary = d->auxiliary >= 0 ? d->auxiliary : aux;
}

/* The DARTS network: the genotype parsed, sizes from the request, the weights' shapes or the defaults, the weights'
 * tensors against the network's parameter table. */
static clnas_status resolve_darts(const clnas_export_request *req, const clnas_safetensors *w, resolved *r,
                                  clnas_error *err)
{
    clnas_darts_genotype g;
    clnas_status st;
    if (!req->arch)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "a DARTS export needs a genotype (--arch): DARTS' printed "
                               "form Genotype(normal=[...], ...) or a name such as DARTS_V2");
    if ((st = clnas_darts_genotype_parse(req->arch, &g, err)) != CLNAS_OK)
        return st; /* "genotype position P: expected ..." */
    if (req->weights && (st = space_check(w, req->weights, "darts", err)) != CLNAS_OK)
        return st;
    clnas_darts_dims d = {.channels = req->channels, .layers = req->depth, .in_channels = req->in_channels,
                          .classes = req->classes, .auxiliary = req->auxiliary};
    if (req->weights)
        darts_dims_from(w, &d);
    d.channels = pick(d.channels, 0, 16);
    d.layers = pick(d.layers, 0, 8);
    d.in_channels = pick(d.in_channels, 0, 1);
    d.classes = pick(d.classes, 0, 10);
    d.height = pick(req->height, 0, default_side(d.in_channels));
    d.width = pick(req->width, 0, default_side(d.in_channels));
    d.auxiliary = d.auxiliary > 0;
    clnas_param_info *table = NULL;
    int n = 0;
    if ((st = clnas_darts_param_table(&g, &d, &table, &n, err)) != CLNAS_OK)
        return st;
    if (req->weights)
        st = clnas_weights_match_params(table, n, w, req->weights, NULL, " (weights of another genotype, --channels "
                                        "or --layers?)", NULL, err);
    long long params = clnas_param_table_trained(table, n);
    free(table);
    if (st == CLNAS_OK)
        st = clnas_darts_genotype_format(&g, r->arch, sizeof r->arch, err);
    clnas_export_module m = {.space = CLNAS_EXPORT_DARTS, .arch = r->arch, .channels = d.channels, .depth = d.layers,
                             .in_channels = d.in_channels, .height = d.height, .width = d.width,
                             .classes = d.classes, .auxiliary = d.auxiliary, .params = params};
    r->module = m;
    return st;
}

/* The chain network: the genotype parsed, sizes from the request, the weights' metadata (the image size and the
 * normalisation too), their shapes (C and the input channels from the stem's convolution, the classes from the
 * classifier) or the defaults, the weights' tensors against the compiled network's parameter table. */
static clnas_status resolve_chain(const clnas_export_request *req, const clnas_safetensors *w, resolved *r,
                                  clnas_error *err)
{
    clnas_net_config cfg;
    clnas_net_config_default(&cfg);
    cfg.space = CLNAS_NET_CHAIN;
    clnas_status st;
    if (!req->arch)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "a chain export needs a genotype (--arch), such as "
                               "\"conv3x3-32 | sepconv5x5-64/s2 | maxpool3x3 + cat(1)\"");
    if ((st = clnas_chain_genotype_parse(req->arch, &cfg.chain_genotype, err)) != CLNAS_OK)
        return st; /* "chain genotype position P: expected ..." */
    /* The weights' own space when they name one; clnas wrote "nb201" for every network but DARTS' before it named
     * chain networks, so that alone does not refuse them: the tensors' names and shapes decide below. */
    const char *saved = req->weights ? clnas_safetensors_metadata(w, "space") : NULL;
    if (saved && strcmp(saved, "nb201") != 0 && (st = space_check(w, req->weights, "chain", err)) != CLNAS_OK)
        return st;
    /* Weights that name the chain space record what they were trained on: the image size and the normalisation,
     * as an NB201 network's do (older files, which said "nb201", record neither for a chain network). */
    clnas_weights_info *info = &r->info;
    memset(info, 0, sizeof *info);
    if (saved && strcmp(saved, "chain") == 0 && (st = clnas_weights_info_from(w, req->weights, info, err)) != CLNAS_OK)
        return st;
    int channels = 0, in_channels = 0, classes = 0;
    const clnas_tensor *stem = req->weights ? clnas_safetensors_find(w, "layers.0.conv.weight") : NULL;
    const clnas_tensor *cls = req->weights ? clnas_safetensors_find(w, "classifier.weight") : NULL;
    if (stem && stem->ndim == 4 && stem->shape[0] <= 4096 && stem->shape[1] <= 64) {
        channels = (int)stem->shape[0];
        in_channels = (int)stem->shape[1];
    }
    if (cls && cls->ndim == 2 && cls->shape[0] <= 100000)
        classes = (int)cls->shape[0];
    cfg.channels = pick(req->channels, pick(0, info->channels, channels), 16);
    cfg.in_channels = pick(req->in_channels, pick(0, info->in_channels, in_channels), 1);
    cfg.classes = pick(req->classes, pick(0, info->classes, classes), 10);
    cfg.height = pick(req->height, info->height, default_side(cfg.in_channels));
    cfg.width = pick(req->width, info->width, default_side(cfg.in_channels));
    cfg.batch = 2;
    if ((st = clnas_net_config_check_chain(&cfg, err)) != CLNAS_OK)
        return st;
    clnas_plan *plan = NULL;
    if ((st = clnas_plan_compile_descs(&cfg, &plan, err)) != CLNAS_OK)
        return st;
    if (req->weights)
        st = clnas_weights_match_params(plan->params, plan->nparams, w, req->weights, NULL, " (weights of another "
                                        "genotype, or of another --channels?)", NULL, err);
    long long params = clnas_param_table_trained(plan->params, plan->nparams);
    clnas_plan_free(plan);
    if (st == CLNAS_OK)
        st = clnas_chain_genotype_format(&cfg.chain_genotype, r->arch, sizeof r->arch, err);
    clnas_export_module m = {.space = CLNAS_EXPORT_CHAIN, .arch = r->arch, .channels = cfg.channels,
                             .depth = cfg.chain_genotype.nlayers, .in_channels = cfg.in_channels,
                             .height = cfg.height, .width = cfg.width, .classes = cfg.classes, .params = params,
                             .norm_channels = info->norm_channels, .mean = info->mean, .std = info->std};
    r->module = m;
    return st;
}

/* out_dir made, the weights copied byte for byte, the module written; the paths into res. */
static clnas_status write_files(const clnas_export_request *req, resolved *r, clnas_export_result *res,
                                clnas_error *err)
{
    clnas_status st = clnas_dirs_make(req->out_dir, err);
    if (st != CLNAS_OK)
        return st;
    snprintf(res->module_path, sizeof res->module_path, "%s/%s", req->out_dir, CLNAS_EXPORT_MODULE_FILE);
    if ((st = clnas_file_check_writable(res->module_path, err)) != CLNAS_OK)
        return st;
    if (req->weights) {
        snprintf(res->weights_path, sizeof res->weights_path, "%s/%s", req->out_dir, CLNAS_EXPORT_WEIGHTS_FILE);
        char *bytes = NULL;
        size_t size = 0;
        if ((st = clnas_file_check_writable(res->weights_path, err)) != CLNAS_OK ||
            (st = clnas_file_read_all(req->weights, &bytes, &size, err)) != CLNAS_OK)
            return st;
        st = clnas_file_write_bytes_atomic(res->weights_path, bytes, size, err);
        free(bytes);
        if (st != CLNAS_OK)
            return st;
        r->module.weights_file = CLNAS_EXPORT_WEIGHTS_FILE;
    }
    return clnas_file_write_atomic(res->module_path, clnas_export_module_write, &r->module, err);
}

clnas_status clnas_export_pytorch(const clnas_export_request *req, clnas_export_result *res, clnas_error *err)
{
    if (!req || !res || !req->out_dir || !req->out_dir[0])
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_export_pytorch: a request with an output "
                               "directory and a result are needed");
    memset(res, 0, sizeof *res);
    resolved *r = calloc(1, sizeof *r);
    if (!r)
        return clnas_error_set(err, CLNAS_ERR_NO_MEMORY, "clnas_export_pytorch: out of memory");
    clnas_safetensors w = {0};
    clnas_status st = req->weights ? clnas_safetensors_read(req->weights, &w, err) : CLNAS_OK;
    if (st == CLNAS_OK)
        st = req->space == CLNAS_EXPORT_DARTS   ? resolve_darts(req, &w, r, err)
             : req->space == CLNAS_EXPORT_CHAIN ? resolve_chain(req, &w, r, err)
                                                : resolve_nb201(req, &w, r, err);
    clnas_safetensors_free(&w);
    if (st == CLNAS_OK)
        st = write_files(req, r, res, err);
    if (st == CLNAS_OK) {
        const clnas_export_module *m = &r->module;
        snprintf(res->arch, sizeof res->arch, "%s", r->arch);
        res->channels = m->channels;
        res->depth = m->depth;
        res->in_channels = m->in_channels;
        res->height = m->height;
        res->width = m->width;
        res->classes = m->classes;
        res->auxiliary = m->auxiliary;
        res->params = m->params;
        res->has_norm = m->norm_channels > 0;
    }
    free(r);
    return st;
}
