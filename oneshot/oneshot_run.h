/* clnas — one-shot search runs in a run directory: SPOS (supernet training, then REA over its paths) and the
 * differentiable searches DARTS and GDAS; checkpointed, resumable, reported through the run's events. */
#ifndef CLNAS_ONESHOT_RUN_H
#define CLNAS_ONESHOT_RUN_H

#include "search_run.h"

/* strategy.name "spos". */
clnas_status clnas_run_spos(const clnas_run_request *req, clnas_run_outcome *out, clnas_error *err);
/* strategy.name "darts" or "gdas". */
clnas_status clnas_run_differentiable(const clnas_run_request *req, clnas_run_outcome *out, clnas_error *err);

#endif
