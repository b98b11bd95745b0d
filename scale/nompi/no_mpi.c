/* clnas — the scale-out entry in a build without MPI (CLNAS_MPI off): it says how to get one. */
#include "scale.h"

int clnas_scale_have_mpi(void)
{
    return 0;
}

clnas_status clnas_scale_search(const clnas_run_request *req, clnas_run_outcome *out, int *is_master,
                                clnas_error *err)
{
    (void)req;
    (void)out;
    *is_master = clnas_scale_env_rank() == 0;
    return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "started by an MPI launcher with %d processes, but this clnas "
                           "was built without MPI: install libopenmpi-dev and rebuild (cmake -DCLNAS_MPI=ON), or run "
                           "one process without mpirun", clnas_scale_env_size());
}

clnas_status clnas_scale_devices(const char *device_list, clnas_scale_rank_devices **ranks, int *n, int *is_master,
                                 clnas_error *err)
{
    (void)device_list;
    *ranks = NULL;
    *n = 0;
    *is_master = clnas_scale_env_rank() == 0;
    return clnas_error_set(err, CLNAS_ERR_INVALID_ARG, "started by an MPI launcher with %d processes, but this clnas "
                           "was built without MPI: install libopenmpi-dev and rebuild (cmake -DCLNAS_MPI=ON)",
                           clnas_scale_env_size());
}

void clnas_scale_devices_free(clnas_scale_rank_devices *ranks, int n)
{
    (void)ranks;
    (void)n;
}
