/* clnas — reverse-mode differentiation of a forward graph, and the optimizer nodes. */
#ifndef CLNAS_AUTODIFF_H
#define CLNAS_AUTODIFF_H

#include "build_nb201.h"
#include "graph.h"

/* Appends to g the backward nodes of its forward nodes (seeded by io->dlogits, the loss gradient the
 * softmax cross-entropy node computes), one SGD node per live parameter, and a zero fill for each parameter
 * whose gradient is identically zero. Gradients of a tensor with several consumers are summed by SUM nodes
 * (fusion later folds them into the producers). input_grad: also differentiate w.r.t. io->input; its
 * gradient tensor is returned in *input_grad_tensor (else -1). */
clnas_status clnas_autodiff(clnas_graph *g, const clnas_net_io *io, int input_grad, int *input_grad_tensor,
                            clnas_error *err);

#endif
