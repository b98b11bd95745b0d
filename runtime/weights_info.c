/* clnas — weights metadata: what clnas_model_save records about a network, parsed back and compared. */
#include "weights_info.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CLNAS_VERSION_STRING
#define CLNAS_VERSION_STRING "unknown"
#endif

#define NORM_FORMULA "(pixel / 255 - mean[c]) / std[c]"

static const char *const int_keys[6] = {"channels", "cells", "in_channels", "height", "width", "classes"};

static int *int_field(clnas_weights_info *info, int k)
{
    int *fields[6] = {&info->channels, &info->cells, &info->in_channels, &info->height, &info->width,
                      &info->classes};
    return fields[k];
}

/* "[0.286, 0.353]": each value with the fewest digits (15 to 17) that read back as the same double. */
static void json_doubles(char *buf, size_t cap, const double *v, int n)
{
    size_t at = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < n && at < cap; i++) {
        char text[40];
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(text, sizeof text, "%.*g", digits, v[i]);
            if (strtod(text, NULL) == v[i])
                break;
        }
        at += (size_t)snprintf(buf + at, cap - at, "%s%s", i ? ", " : "", text);
    }
    if (at < cap)
        snprintf(buf + at, cap - at, "]");
}

const char *const *clnas_weights_meta_build(const clnas_net_config *cfg, const double *mean, const double *std,
                                            clnas_weights_meta_store *s)
{
    const int darts = cfg->space == CLNAS_NET_DARTS, chain = cfg->space == CLNAS_NET_CHAIN;
    clnas_error ignored;
    if (darts && clnas_darts_genotype_format(&cfg->darts_genotype, s->arch, sizeof s->arch, &ignored) != CLNAS_OK)
        s->arch[0] = '\0';
    else if (chain && clnas_chain_genotype_format(&cfg->chain_genotype, s->arch, sizeof s->arch, &ignored) != CLNAS_OK)
        s->arch[0] = '\0';
    else if (!darts && !chain)
        clnas_genotype_format(&cfg->genotype, s->arch, sizeof s->arch, NULL);
    const int values[6] = {cfg->channels, cfg->cells, cfg->in_channels, cfg->height, cfg->width, cfg->classes};
    int n = 0;
    s->kv[n++] = "format";
    s->kv[n++] = "clnas";
    s->kv[n++] = "clnas_version";
    s->kv[n++] = CLNAS_VERSION_STRING;
    s->kv[n++] = "space";
    s->kv[n++] = darts ? "darts" : chain ? "chain" : "nb201";
    if (s->arch[0]) { /* each space's own string form: read back with that space's parser */
        s->kv[n++] = "arch";
        s->kv[n++] = s->arch;
    }
    for (int k = 0; k < 6; k++) {
        if (chain && k == 1)
            continue; /* a chain genotype names its layers */
        snprintf(s->ints[k], sizeof s->ints[k], "%d", darts && k == 1 ? cfg->layers : values[k]);
        s->kv[n++] = darts && k == 1 ? "layers" : int_keys[k];
        s->kv[n++] = s->ints[k];
    }
    if (mean && std && cfg->in_channels <= CLNAS_WEIGHTS_MAX_CHANNELS) {
        json_doubles(s->mean, sizeof s->mean, mean, cfg->in_channels);
        json_doubles(s->std, sizeof s->std, std, cfg->in_channels);
        s->kv[n++] = "normalisation";
        s->kv[n++] = NORM_FORMULA;
        s->kv[n++] = "mean";
        s->kv[n++] = s->mean;
        s->kv[n++] = "std";
        s->kv[n++] = s->std;
    }
    s->kv[n] = NULL;
    return s->kv;
}

/* A positive decimal integer of at most 7 digits. */
static int parse_count(const char *text, int *out)
{
    if (!text[0] || strlen(text) > 7)
        return 0;
    for (const char *p = text; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    *out = atoi(text);
    return *out > 0;
}

/* A JSON array of 1..CLNAS_WEIGHTS_MAX_CHANNELS finite numbers (positive when positive is set); its length. */
static int parse_doubles(const char *text, double *out, int positive)
{
    cJSON *j = cJSON_Parse(text);
    int n = cJSON_IsArray(j) ? cJSON_GetArraySize(j) : 0;
    if (n > CLNAS_WEIGHTS_MAX_CHANNELS)
        n = 0;
    for (int i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetArrayItem(j, i);
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || (positive && !(v->valuedouble > 0)))
            n = 0;
        else
            out[i] = v->valuedouble;
    }
    cJSON_Delete(j);
    return n;
}

static clnas_status parse_norm(const clnas_safetensors *file, const char *path, clnas_weights_info *info,
                               clnas_error *err)
{
    const char *mean = clnas_safetensors_metadata(file, "mean"), *std = clnas_safetensors_metadata(file, "std");
    if (!mean && !std)
        return CLNAS_OK;
    int nm = mean ? parse_doubles(mean, info->mean, 0) : 0, ns = std ? parse_doubles(std, info->std, 1) : 0;
    if (!nm || !ns || nm != ns || (info->in_channels && nm != info->in_channels))
        return clnas_error_set(err, CLNAS_ERR_FORMAT,
                               "%s: metadata mean \"%s\" and std \"%s\": expected two JSON arrays of %s finite numbers "
                               "(std > 0)",
                               path, mean ? mean : "(missing)", std ? std : "(missing)",
                               info->in_channels ? int_keys[2] : "1 to 4");
    info->norm_channels = nm;
    return CLNAS_OK;
}

clnas_status clnas_weights_info_from(const clnas_safetensors *file, const char *path, clnas_weights_info *info,
                                     clnas_error *err)
{
    memset(info, 0, sizeof *info);
    const char *format = clnas_safetensors_metadata(file, "format");
    if (!format || strcmp(format, "clnas") != 0)
        return CLNAS_OK; /* PyTorch's files say "pt"; other keys of theirs mean nothing to clnas */
    info->has_metadata = 1;
    const char *v;
    if ((v = clnas_safetensors_metadata(file, "clnas_version")))
        snprintf(info->version, sizeof info->version, "%s", v);
    if ((v = clnas_safetensors_metadata(file, "space"))) {
        if (strcmp(v, "nb201") != 0 && strcmp(v, "darts") != 0 && strcmp(v, "chain") != 0)
            return clnas_error_set(err, CLNAS_ERR_UNSUPPORTED,
                                   "%s: metadata space \"%s\": this clnas reads nb201, darts and chain", path, v);
        snprintf(info->space, sizeof info->space, "%s", v);
    }
    if ((v = clnas_safetensors_metadata(file, "arch"))) {
        clnas_darts_genotype dg;
        clnas_chain_genotype cg;
        clnas_status st = strcmp(info->space, "darts") == 0   ? clnas_darts_genotype_parse(v, &dg, err)
                          : strcmp(info->space, "chain") == 0 ? clnas_chain_genotype_parse(v, &cg, err)
                                                              : clnas_genotype_parse(v, &info->genotype, err);
        if (st != CLNAS_OK)
            return clnas_error_prefix(err, "%s: metadata arch", path);
        if (strlen(v) >= sizeof info->arch)
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: metadata arch: longer than %zu characters", path,
                                   sizeof info->arch - 1);
        snprintf(info->arch, sizeof info->arch, "%s", v);
        info->has_arch = !info->space[0] || strcmp(info->space, "nb201") == 0;
        info->has_space_arch = !info->has_arch;
    }
    if ((v = clnas_safetensors_metadata(file, "layers")) && !parse_count(v, &info->layers))
        return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: metadata layers \"%s\" is not a positive integer", path, v);
    for (int k = 0; k < 6; k++)
        if ((v = clnas_safetensors_metadata(file, int_keys[k])) && !parse_count(v, int_field(info, k)))
            return clnas_error_set(err, CLNAS_ERR_FORMAT, "%s: metadata %s \"%s\" is not a positive integer", path,
                                   int_keys[k], v);
    return parse_norm(file, path, info, err);
}

clnas_status clnas_weights_info_read(const char *path, clnas_weights_info *info, clnas_error *err)
{
    if (!path || !info)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_weights_info_read: NULL argument");
    memset(info, 0, sizeof *info);
    clnas_safetensors file;
    clnas_status st = clnas_safetensors_read(path, &file, err);
    if (st == CLNAS_OK)
        st = clnas_weights_info_from(&file, path, info, err);
    clnas_safetensors_free(&file);
    return st;
}

void clnas_weights_info_describe(const clnas_weights_info *info, char *buf, size_t cap)
{
    size_t at = 0;
    if (info->space[0] && strcmp(info->space, "nb201") != 0)
        at = (size_t)snprintf(buf, cap, "space %s ", info->space);
    if (at < cap)
        at += (size_t)snprintf(buf + at, cap - at, "arch %s",
                               info->has_arch || info->has_space_arch ? info->arch : "(not recorded)");
    if (at < cap && info->channels)
        at += (size_t)snprintf(buf + at, cap - at, " C=%d", info->channels);
    if (at < cap && info->cells)
        at += (size_t)snprintf(buf + at, cap - at, " N=%d", info->cells);
    if (at < cap && info->layers)
        at += (size_t)snprintf(buf + at, cap - at, " layers %d", info->layers);
    if (at < cap && info->in_channels)
        at += (size_t)snprintf(buf + at, cap - at, " input %dx%dx%d", info->in_channels, info->height, info->width);
    if (at < cap && info->classes)
        snprintf(buf + at, cap - at, " classes %d", info->classes);
}

clnas_status clnas_weights_info_match(const clnas_weights_info *info, const clnas_net_config *cfg, const char *path,
                                      clnas_error *err)
{
    if (!info || !cfg)
        return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "clnas_weights_info_match: NULL argument");
    if (!info->has_metadata)
        return CLNAS_OK;
    const char *what = NULL;
    const char *space = cfg->space == CLNAS_NET_DARTS ? "darts" : cfg->space == CLNAS_NET_CHAIN ? "chain" : "nb201";
    char arch[CLNAS_CHAIN_GENOTYPE_STR_MAX] = "";
    clnas_error ignored;
    if (cfg->space == CLNAS_NET_DARTS)
        clnas_darts_genotype_format(&cfg->darts_genotype, arch, sizeof arch, &ignored);
    else if (cfg->space == CLNAS_NET_CHAIN)
        clnas_chain_genotype_format(&cfg->chain_genotype, arch, sizeof arch, &ignored);
    if (strcmp(info->space[0] ? info->space : "nb201", space) != 0)
        what = "space";
    else if (info->has_space_arch && strcmp(info->arch, arch) != 0)
        what = "arch";
    else if (info->layers && cfg->space == CLNAS_NET_DARTS && info->layers != cfg->layers)
        what = "layers";
    else if (info->has_arch && memcmp(info->genotype.ops, cfg->genotype.ops, sizeof cfg->genotype.ops) != 0)
        what = "arch";
    else if (info->channels && info->channels != cfg->channels)
        what = "channels";
    else if (info->cells && cfg->space == CLNAS_NET_NB201 && info->cells != cfg->cells)
        what = "cells";
    else if (info->in_channels && info->in_channels != cfg->in_channels)
        what = "input channels";
    else if (info->classes && info->classes != cfg->classes)
        what = "classes";
    if (!what)
        return CLNAS_OK;
    const int nb201 = cfg->space == CLNAS_NET_NB201;
    clnas_weights_info net = {.has_arch = nb201, .has_space_arch = !nb201, .channels = cfg->channels,
                              .cells = nb201 ? cfg->cells : 0, .layers = cfg->space == CLNAS_NET_DARTS ? cfg->layers : 0,
                              .in_channels = cfg->in_channels, .height = cfg->height, .width = cfg->width,
                              .classes = cfg->classes};
    snprintf(net.space, sizeof net.space, "%s", space);
    if (nb201)
        clnas_genotype_format(&cfg->genotype, net.arch, sizeof net.arch, NULL);
    else
        snprintf(net.arch, sizeof net.arch, "%s", arch);
    char saved[1400], want[1400];
    clnas_weights_info_describe(info, saved, sizeof saved);
    clnas_weights_info_describe(&net, want, sizeof want);
    return clnas_error_set(err, CLNAS_ERR_MISMATCH,
                           "%s: saved for another network (%s): the file was saved with %s, the network is %s", path,
                           what, saved, want);
}
