/* clnas — zero-cost proxies: scores of an untrained network from one batch (Abdelfattah et al. 2021), no training. */
#ifndef CLNAS_ZERO_COST_H
#define CLNAS_ZERO_COST_H

#include "clnas/model.h"
#include "clnas/status.h"

/* The proxies clnas computes with its generated kernels (one training-mode forward and one backward of the
 * cross-entropy loss on one batch, BatchNorm on batch statistics), over the trained weights of the convolutions and
 * the classifier (every parameter of 2 or more dimensions, as Abdelfattah et al. score Conv2d and Linear layers),
 * live ones only (an edge that cannot reach the output has no gradient, as in PyTorch):
 *   snip      sum over those weights of |w * dL/dw|
 *   grad_norm sum over those layers of the L2 norm of dL/dw
 *   params    trained parameters (every live one, BatchNorm affine and biases included)
 *   flops     forward floating-point operations per image (clnas_model_forward_flops)
 * synflow, NASWOT and jacob_cov need what the model API does not offer yet (a chosen output gradient, BatchNorm
 * removed, the ReLU activation codes); they are not computed. */
typedef enum clnas_zero_cost_proxy {
    CLNAS_ZC_SNIP = 0,
    CLNAS_ZC_GRAD_NORM,
    CLNAS_ZC_PARAMS,
    CLNAS_ZC_FLOPS,
    CLNAS_ZC_COUNT
} clnas_zero_cost_proxy;

/* "snip", "grad_norm", "params", "flops". */
const char *clnas_zero_cost_name(clnas_zero_cost_proxy p);
/* The proxy called name, or -1. */
int clnas_zero_cost_find(const char *name);

/* Every proxy of the model on the batch it holds (clnas_model_set_batch first): runs one forward and one backward
 * (the model's gradients are overwritten; its weights are not changed). */
clnas_status clnas_zero_cost_scores(clnas_model *model, double scores[CLNAS_ZC_COUNT], clnas_error *err);

#endif
