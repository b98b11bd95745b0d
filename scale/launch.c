/* clnas — whether an MPI launcher started this process, from the environment every launcher sets. */
#include "scale.h"

#include <stdlib.h>

/* The first of these variables that is set (Open MPI, MPICH/Hydra and Slurm with PMI, PMIx, Slurm's srun). */
static int env_int(const char *const *names, int n, int fallback)
{
    for (int i = 0; i < n; i++) {
        const char *v = getenv(names[i]);
        if (v && *v) {
            char *end;
            long x = strtol(v, &end, 10);
            if (*end == '\0' && x >= 0 && x < 1 << 24)
                return (int)x;
        }
    }
    return fallback;
}

int clnas_scale_env_size(void)
{
    /* SLURM_STEP_NUM_TASKS, not SLURM_NTASKS: a batch script's own process sees the allocation's task count too */
    static const char *const names[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"};
    int size = env_int(names, 3, 1);
    return size < 1 ? 1 : size;
}

int clnas_scale_env_rank(void)
{
    static const char *const names[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"};
    return clnas_scale_env_size() > 1 ? env_int(names, 4, 0) : 0;
}
