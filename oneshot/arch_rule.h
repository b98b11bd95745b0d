/* clnas — the architecture-gradient rule of a differentiable search: which network a step's forwards run (DARTS:
 * the search network with softmax(alpha) as edge weights; GDAS: a sampled path of the supernet) and how
 * d loss / d alpha is read after the backward. The loop (clnas_darts_search) is the same for every rule. */
#ifndef CLNAS_ARCH_RULE_H
#define CLNAS_ARCH_RULE_H

#include "alpha.h"
#include "clnas/model.h"

typedef struct clnas_arch_rule_iface {
    const char *name; /* "DARTS", "GDAS" (in errors) */
    /* The network's config (batch, classes), or an error when the rule has no network of its kind. */
    clnas_status (*config)(void *state, const clnas_net_config **cfg, clnas_error *err);
    /* Before each epoch (0-based, of epochs); may be NULL. */
    clnas_status (*epoch_begin)(void *state, int epoch, int epochs, clnas_error *err);
    /* The network of the next forward at alpha: training = 1 for the weight step, 0 for alpha's step. */
    clnas_status (*network)(void *state, const clnas_alpha *alpha, int training, clnas_model **net,
                            clnas_error *err);
    /* After the backward of alpha's step: d loss / d alpha. */
    clnas_status (*gradient)(void *state, const clnas_alpha *alpha, double *dalpha, clnas_error *err);
    /* The epoch's temperature (journaled when > 0); may be NULL. */
    double (*tau)(const void *state);
} clnas_arch_rule_iface;

typedef struct clnas_arch_rule {
    const clnas_arch_rule_iface *iface;
    void *state; /* DARTS: the search network (clnas_model); GDAS: its sampler (clnas_gdas) */
} clnas_arch_rule;

extern const clnas_arch_rule_iface clnas_arch_rule_darts; /* state: a clnas_model built with net.darts = 1 */
extern const clnas_arch_rule_iface clnas_arch_rule_gdas;  /* state: a clnas_gdas over a net.gdas supernet */

#endif
