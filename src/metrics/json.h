/* json.h — JSON pieces the publisher and the monitor's web API both write (publish/ and monitor/). */
#ifndef NASH_METRICS_JSON_H
#define NASH_METRICS_JSON_H

#include <cjson/cJSON.h>

#include "metrics/schema.h"

/* The version of cJSON ("1.7.15"). */
const char *metrics_cjson_version(void);

/* Add "ranks": [{"rank", "role", "compute", "exchange", "allreduce", "data"}, ...] to obj (cJSON
 * writes a non-finite number as null). Stops quietly when out of memory. */
void metrics_json_rank_times(cJSON *obj, const MetricsRankTime *ranks, int n);

#endif
