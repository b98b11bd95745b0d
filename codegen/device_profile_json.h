/* clnas — a device profile as JSON (plan.json's "device"). */
#ifndef CLNAS_DEVICE_PROFILE_JSON_H
#define CLNAS_DEVICE_PROFILE_JSON_H

#include <cjson/cJSON.h>
#include "device_profile.h"

/* A new object with the family and every fact of the profile, or NULL when out of memory. */
cJSON *clnas_device_profile_json(const clnas_device_profile *p);

#endif
