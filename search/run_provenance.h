/* clnas — where a run ran: the device, driver and clnas version recorded in its config.json. */
#ifndef CLNAS_RUN_PROVENANCE_H
#define CLNAS_RUN_PROVENANCE_H

#include <cjson/cJSON.h>

#include "clnas/device.h"
#include "clnas/status.h"

/* Sets "ran_on": {"device", "driver", "platform", "clnas_version"} in <run_dir>/config.json (replaced on each start
 * or resume: the journal records each trial's own) and writes it back atomically. "device" stays the selector the
 * config asked for ("" : the default). The search config parser ignores "ran_on". */
clnas_status clnas_run_record_device(const char *run_dir, const clnas_device *dev, clnas_error *err);

/* Where and when one journal line's result was obtained, added to its extra keys (created when NULL): "device" and
 * "driver" (when device is not NULL: a table needs none), "clnas_version" and "timestamp" (UTC, ISO 8601). Replay
 * and the resume checks compare architectures, or strip "timestamp": a resumed run may run elsewhere and later. */
clnas_status clnas_run_stamp(cJSON **extra, const char *device, const char *driver, clnas_error *err);

#endif
