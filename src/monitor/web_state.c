/* web_state.c — the monitor's state as the JSON object the web dashboard reads (web.h).
 *
 * {"endpoint", "frames", "accepted", "oversized", "malformed", "lost", "dropped", "last_error",
 *  "runs": [{"id", "layout", "steps", "batch", "resumed_from", "messages", "lost", "dropped",
 *            "step": newest step message (as received, without the common fields) or null,
 *            "time": its time, "series": {"step": [...], "loss_d", "loss_g", "d_real", "d_fake",
 *            "images_per_s"}, "ranks": [{"rank", "role", "compute", "exchange", "allreduce",
 *            "data"}], "samples": {"step", "path"} or null, "checkpoint": {"step", "path"} or
 *            null, "eval", "warning", "end": {"status", "reason", "step"} or null, "config"}]}
 * Non-finite numbers are written as null (JSON has no NaN), as cJSON does.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/json.h"
#include "monitor/web.h"

static void add_number(cJSON *obj, const char *key, double v) {
    if (isfinite(v))
        cJSON_AddNumberToObject(obj, key, v);
    else
        cJSON_AddNullToObject(obj, key);
}

static void add_step(cJSON *obj, const MonitorRun *run) {
    if (!run->have_step) {
        cJSON_AddNullToObject(obj, "step");
        return;
    }
    const MetricsStep *m = &run->last;
    cJSON *step = cJSON_AddObjectToObject(obj, "step");
    if (!step) return;
    cJSON_AddNumberToObject(step, "step", (double)m->step);
    cJSON_AddNumberToObject(step, "epoch", (double)m->epoch);
    cJSON_AddNumberToObject(step, "steps", (double)m->steps);
    const struct {
        const char *name;
        double value;
    } values[] = {{"loss_d", m->loss_d},
                  {"loss_g", m->loss_g},
                  {"d_real", m->d_real},
                  {"d_fake", m->d_fake},
                  {"d_real_gap", run->d_real_gap},
                  {"d_fake_gap", run->d_fake_gap},
                  {"grad_norm_d", m->grad_norm_d},
                  {"grad_norm_g", m->grad_norm_g},
                  {"images_per_s", m->images_per_s},
                  {"g_compute", m->g_compute},
                  {"g_exchange", m->g_exchange},
                  {"g_allreduce", m->g_allreduce},
                  {"d_compute", m->d_compute},
                  {"d_exchange", m->d_exchange},
                  {"d_allreduce", m->d_allreduce},
                  {"d_data", m->d_data}};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) add_number(step, values[i].name, values[i].value);
    cJSON_AddNumberToObject(obj, "time", run->last_time);
}

static void add_series(cJSON *obj, const MonitorSeries *series) {
    cJSON *out = cJSON_AddObjectToObject(obj, "series");
    if (!out) return;
    static const char *const names[] = {"step", "loss_d", "loss_g", "d_real", "d_fake", "images_per_s"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        cJSON *values = cJSON_AddArrayToObject(out, names[k]);
        for (int i = 0; values && i < series->n; i++) {
            const MonitorPoint *p = &series->points[i];
            const double v[] = {p->step, p->loss_d, p->loss_g, p->d_real, p->d_fake, p->images_per_s};
            cJSON *item = isfinite(v[k]) ? cJSON_CreateNumber(v[k]) : cJSON_CreateNull();
            if (!item || !cJSON_AddItemToArray(values, item)) {
                cJSON_Delete(item);
                break;
            }
        }
    }
}

/* {"step", "path"}, or null when nothing was announced. */
static void add_file(cJSON *obj, const char *key, int64_t step, const char *path) {
    if (!path[0]) {
        cJSON_AddNullToObject(obj, key);
        return;
    }
    cJSON *file = cJSON_AddObjectToObject(obj, key);
    if (!file) return;
    cJSON_AddNumberToObject(file, "step", (double)step);
    cJSON_AddStringToObject(file, "path", path);
}

static void add_run(cJSON *runs, const MonitorRun *run) {
    cJSON *obj = cJSON_CreateObject();
    if (!obj || !cJSON_AddItemToArray(runs, obj)) {
        cJSON_Delete(obj);
        return;
    }
    cJSON_AddStringToObject(obj, "id", run->id);
    cJSON_AddStringToObject(obj, "layout", run->layout);
    cJSON_AddNumberToObject(obj, "steps", (double)run->steps);
    cJSON_AddNumberToObject(obj, "batch", (double)run->batch);
    cJSON_AddNumberToObject(obj, "resumed_from", (double)run->resumed_from);
    cJSON_AddNumberToObject(obj, "messages", (double)run->messages);
    cJSON_AddNumberToObject(obj, "lost", (double)monitor_run_lost(run));
    cJSON_AddNumberToObject(obj, "dropped", (double)monitor_run_dropped(run));
    add_step(obj, run);
    add_series(obj, &run->series);
    metrics_json_rank_times(obj, run->rank_times, run->n_rank_times);
    add_file(obj, "samples", run->samples_step, run->samples);
    cJSON *history = cJSON_AddArrayToObject(obj, "sample_steps");
    for (int i = 0; history && i < run->n_sample_history; i++)
        cJSON_AddItemToArray(history, cJSON_CreateNumber((double)run->sample_history_step[i]));
    add_file(obj, "checkpoint", run->checkpoint_step, run->checkpoint);
    cJSON_AddStringToObject(obj, "eval", run->eval);
    cJSON_AddStringToObject(obj, "warning", run->warning);
    if (run->ended) {
        cJSON *end = cJSON_AddObjectToObject(obj, "end");
        if (end) {
            cJSON_AddStringToObject(end, "status", run->end_status);
            cJSON_AddStringToObject(end, "reason", run->end_reason);
            cJSON_AddNumberToObject(end, "step", (double)run->end_step);
        }
    } else {
        cJSON_AddNullToObject(obj, "end");
    }
    cJSON_AddStringToObject(obj, "config", run->config);
}

char *web_state_json(const MonitorState *state, const char *endpoint) {
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    cJSON_AddStringToObject(root, "endpoint", endpoint);
    cJSON_AddNumberToObject(root, "frames", (double)state->frames);
    cJSON_AddNumberToObject(root, "accepted", (double)state->accepted);
    cJSON_AddNumberToObject(root, "oversized", (double)state->oversized);
    cJSON_AddNumberToObject(root, "malformed", (double)state->malformed);
    cJSON_AddNumberToObject(root, "lost", (double)monitor_state_lost(state));
    cJSON_AddNumberToObject(root, "dropped", (double)monitor_state_dropped(state));
    cJSON_AddStringToObject(root, "last_error", state->last_error);
    cJSON *runs = cJSON_AddArrayToObject(root, "runs");
    for (int i = 0; runs && i < state->n_runs; i++) add_run(runs, &state->runs[i]);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) return NULL;
    /* cJSON_free and free may differ in general; hand back a malloc'd copy */
    char *copy = strdup(text);
    cJSON_free(text);
    return copy;
}
