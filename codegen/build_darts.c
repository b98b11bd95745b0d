/* clnas — forward graph of DARTS' evaluation network (NetworkCIFAR of ../shared/reference/darts/darts_ref.py). */
#include "build_darts.h"

/* Interim: the builder lands with the depthwise convolution and the DARTS ops it lowers to (issue 13). */
clnas_status clnas_build_darts(const clnas_net_config *cfg, int training, clnas_graph *g, clnas_net_io *io,
                               clnas_error *err)
{
    (void)cfg;
    (void)training;
    (void)g;
    (void)io;
    return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "the DARTS space's network is not built yet");
}
