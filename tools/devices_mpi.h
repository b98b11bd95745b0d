/* clnas tool — `clnas devices` under an MPI launcher: one table from rank 0. */
#ifndef CLNAS_TOOLS_DEVICES_MPI_H
#define CLNAS_TOOLS_DEVICES_MPI_H

/* Every rank calls it; rank 0 prints. device_list: --device's list (may be NULL). Returns the exit status. */
int devices_mpi(const char *device_list);

#endif
