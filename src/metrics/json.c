/* json.c — the JSON pieces both sides of the channel write (json.h). */
#include "metrics/json.h"

const char *metrics_cjson_version(void) { return cJSON_Version(); }

void metrics_json_rank_times(cJSON *obj, const MetricsRankTime *ranks, int n) {
    cJSON *list = cJSON_AddArrayToObject(obj, "ranks");
    for (int i = 0; list && i < n; i++) {
        const MetricsRankTime *r = &ranks[i];
        cJSON *item = cJSON_CreateObject();
        if (!item || !cJSON_AddItemToArray(list, item)) {
            cJSON_Delete(item);
            break;
        }
        cJSON_AddNumberToObject(item, "rank", r->rank);
        cJSON_AddStringToObject(item, "role", r->role);
        cJSON_AddNumberToObject(item, "compute", r->compute);
        cJSON_AddNumberToObject(item, "exchange", r->exchange);
        cJSON_AddNumberToObject(item, "allreduce", r->allreduce);
        cJSON_AddNumberToObject(item, "data", r->data);
    }
}
