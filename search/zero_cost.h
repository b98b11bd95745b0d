/* clnas — zero-cost proxies: scores of an untrained network from one batch (Abdelfattah et al. 2021), no training. */
#ifndef CLNAS_ZERO_COST_H
#define CLNAS_ZERO_COST_H

#include "clnas/model.h"
#include "clnas/status.h"

/* The proxies clnas computes with its generated kernels on the batch the model holds (clnas_model_set_batch), over
 * the weights of the convolutions and the classifier (every parameter of 2 or more dimensions, as Abdelfattah et al.
 * score Conv2d and Linear layers), live ones only (an edge that cannot reach the output has no gradient, as in
 * PyTorch). From the model's own training-mode forward (BatchNorm on batch statistics) and, for snip and grad_norm,
 * one backward of the mean cross-entropy:
 *   snip      sum over those weights of |w * dL/dw|
 *   grad_norm sum over those layers of the L2 norm of dL/dw
 *   params    trained parameters (every live one, BatchNorm affine and biases included)
 *   flops     forward floating-point operations per image (clnas_model_forward_flops)
 *   naswot    (Mellor et al. 2021) log|det K| of the batch's N x N kernel K[i][j] = units where the ReLU codes
 *             (input > 0) of images i and j agree, over every ReLU the network computes (clnas_model_relu_codes;
 *             ReLUs of pruned edges and all-zero nodes, which PyTorch computes and discards, are not counted);
 *             -inf when K is singular (two images with equal codes); NAN when the plan does not keep a ReLU's
 *             input or output after its forward pass (clnas_model_relu_codes says which)
 *   jacob_cov (Mellor et al. v1, as Abdelfattah et al. compute it) from J = d(sum of the logits)/d(input), one row
 *             per image: the eigenvalues l of the correlation matrix of the rows, -sum(log(l + k) + 1 / (l + k)),
 *             k = 1e-5; the backward from all-ones logit gradients of the model if it was compiled with
 *             want_input_grad, else of a copy compiled with it (same weights, same batch); NAN when no path leads
 *             from the input to the logits (J = 0, whose correlations numpy leaves NaN too)
 * and from a network of its own:
 *   synflow   (Tanaka et al. 2020, as Abdelfattah et al. compute it) the model's network compiled in float64
 *             without BatchNorm (no_batchnorm) at batch 2, every parameter replaced by its absolute value, an input
 *             of ones, R = sum of the logits: sum over the weights of |w * dR/dw| for one image.
 * A model of another space than NB201 gets NAN for synflow (no_batchnorm is NB201's); a cell whose output is all
 * zeros without BatchNorm (every path from node 0 to node 3 crosses a none edge) gets 0, as PyTorch computes. */
typedef enum clnas_zero_cost_proxy {
    CLNAS_ZC_SNIP = 0,
    CLNAS_ZC_GRAD_NORM,
    CLNAS_ZC_PARAMS,
    CLNAS_ZC_FLOPS,
    CLNAS_ZC_SYNFLOW,
    CLNAS_ZC_NASWOT,
    CLNAS_ZC_JACOB_COV,
    CLNAS_ZC_COUNT
} clnas_zero_cost_proxy;

#define CLNAS_ZC_BIT(p) (1u << (p))
/* The proxies of the model's own forward and loss backward: no other network compiled. */
#define CLNAS_ZC_ONE_PASS                                                                                          \
    (CLNAS_ZC_BIT(CLNAS_ZC_SNIP) | CLNAS_ZC_BIT(CLNAS_ZC_GRAD_NORM) | CLNAS_ZC_BIT(CLNAS_ZC_PARAMS)                   \
     | CLNAS_ZC_BIT(CLNAS_ZC_FLOPS) | CLNAS_ZC_BIT(CLNAS_ZC_NASWOT))
#define CLNAS_ZC_ALL ((1u << CLNAS_ZC_COUNT) - 1u)

/* "snip", "grad_norm", "params", "flops", "synflow", "naswot", "jacob_cov". */
const char *clnas_zero_cost_name(clnas_zero_cost_proxy p);
/* The proxy called name, or -1. */
int clnas_zero_cost_find(const char *name);

/* Every proxy of the model on the batch it holds (clnas_model_set_batch first): runs forwards and backwards (the
 * model's gradients and BatchNorm running statistics are overwritten; its weights are not changed) and compiles
 * the other networks synflow and (without want_input_grad) jacob_cov need, on the model's device and cache. */
clnas_status clnas_zero_cost_scores(clnas_model *model, double scores[CLNAS_ZC_COUNT], clnas_error *err);
/* As clnas_zero_cost_scores for the proxies whose CLNAS_ZC_BIT is in `which`; the others are NAN. */
clnas_status clnas_zero_cost_scores_of(clnas_model *model, unsigned which, double scores[CLNAS_ZC_COUNT],
                                       clnas_error *err);

#endif
