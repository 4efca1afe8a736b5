/* frame.c — check a received metrics frame against the schema (publish.h) and track runs. */
#include "monitor/frame.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

#define FRAME_INT_MAX 9007199254740992.0 /* 2^53: every integer below is exact in a double */

static const char *const kind_names[FRAME_KIND_COUNT] = {"run_start", "step",    "samples", "checkpoint",
                                                         "eval",      "warning", "run_end"};

const char *frame_kind_name(FrameKind kind) { return (unsigned)kind < FRAME_KIND_COUNT ? kind_names[kind] : "unknown"; }

void frame_state_init(MonitorState *s) { memset(s, 0, sizeof *s); }

void frame_message_free(FrameMessage *msg) {
    if (!msg) return;
    cJSON_Delete(msg->json);
    memset(msg, 0, sizeof *msg);
}

/* Record why a frame was skipped; returns false so checks can `return reject(...)`. */
static bool reject(MonitorState *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool reject(MonitorState *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->last_error, sizeof s->last_error, fmt, ap);
    va_end(ap);
    return false;
}

static bool get_string(MonitorState *s, const cJSON *obj, const char *key, const char **out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) return reject(s, "missing \"%s\"", key);
    if (!cJSON_IsString(item) || !item->valuestring) return reject(s, "\"%s\" is not a string", key);
    *out = item->valuestring;
    return true;
}

static bool get_int(MonitorState *s, const cJSON *obj, const char *key, int64_t *out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) return reject(s, "missing \"%s\"", key);
    if (!cJSON_IsNumber(item)) return reject(s, "\"%s\" is not a number", key);
    double v = item->valuedouble;
    if (!(v >= 0.0 && v < FRAME_INT_MAX) || v != floor(v))
        return reject(s, "\"%s\" is not a whole number in [0, 2^53)", key);
    *out = (int64_t)v;
    return true;
}

static bool get_number(MonitorState *s, const cJSON *obj, const char *key, bool null_ok, double *out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) return reject(s, "missing \"%s\"", key);
    if (null_ok && cJSON_IsNull(item)) {
        *out = NAN;
        return true;
    }
    if (!cJSON_IsNumber(item)) return reject(s, "\"%s\" is not a number", key);
    *out = item->valuedouble;
    return true;
}

static bool get_object(MonitorState *s, const cJSON *obj, const char *key, const cJSON **out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) return reject(s, "missing \"%s\"", key);
    if (!cJSON_IsObject(item)) return reject(s, "\"%s\" is not an object", key);
    *out = item;
    return true;
}

/* The optional "ranks" array of a step message: at most METRICS_MAX_RANK_TIMES objects. */
static bool parse_rank_times(MonitorState *s, const cJSON *obj, FrameMessage *msg) {
    const cJSON *ranks = cJSON_GetObjectItemCaseSensitive(obj, "ranks"), *item = NULL;
    if (!ranks) return true;
    if (!cJSON_IsArray(ranks)) return reject(s, "\"ranks\" is not an array");
    if (cJSON_GetArraySize(ranks) > METRICS_MAX_RANK_TIMES)
        return reject(s, "\"ranks\" has more than %d entries", METRICS_MAX_RANK_TIMES);
    cJSON_ArrayForEach(item, ranks) {
        MetricsRankTime *r = &msg->rank_times[msg->n_rank_times];
        int64_t rank = 0;
        const char *role = NULL;
        if (!cJSON_IsObject(item)) return reject(s, "a \"ranks\" entry is not an object");
        if (!get_int(s, item, "rank", &rank) || !get_string(s, item, "role", &role) ||
            !get_number(s, item, "compute", true, &r->compute) ||
            !get_number(s, item, "exchange", true, &r->exchange) ||
            !get_number(s, item, "allreduce", true, &r->allreduce) || !get_number(s, item, "data", true, &r->data))
            return false;
        if (rank > 0x7fffffff) return reject(s, "a \"ranks\" entry's \"rank\" is too large");
        if (strcmp(role, "G") != 0 && strcmp(role, "D") != 0 && strcmp(role, "GD") != 0)
            return reject(s, "a \"ranks\" entry's \"role\" is not G, D or GD");
        r->rank = (int)rank;
        snprintf(r->role, sizeof r->role, "%s", role);
        msg->n_rank_times++;
    }
    return true;
}

static bool parse_step(MonitorState *s, const cJSON *obj, FrameMessage *msg) {
    MetricsStep *m = &msg->m;
    const cJSON *split = NULL;
    bool ok = get_int(s, obj, "step", &m->step) && get_int(s, obj, "epoch", &m->epoch) &&
              get_int(s, obj, "steps", &m->steps) && get_number(s, obj, "loss_d", true, &m->loss_d) &&
              get_number(s, obj, "loss_g", true, &m->loss_g) && get_number(s, obj, "d_real", true, &m->d_real) &&
              get_number(s, obj, "d_fake", true, &m->d_fake) &&
              get_number(s, obj, "d_real_gap", true, &msg->d_real_gap) &&
              get_number(s, obj, "d_fake_gap", true, &msg->d_fake_gap) &&
              get_number(s, obj, "grad_norm_d", true, &m->grad_norm_d) &&
              get_number(s, obj, "grad_norm_g", true, &m->grad_norm_g) &&
              get_number(s, obj, "images_per_s", true, &m->images_per_s) && get_object(s, obj, "time_split", &split);
    if (!ok) return false;
    msg->step = m->step;
    return get_number(s, split, "g_compute", true, &m->g_compute) &&
           get_number(s, split, "g_exchange", true, &m->g_exchange) &&
           get_number(s, split, "g_allreduce", true, &m->g_allreduce) &&
           get_number(s, split, "d_compute", true, &m->d_compute) &&
           get_number(s, split, "d_exchange", true, &m->d_exchange) &&
           get_number(s, split, "d_allreduce", true, &m->d_allreduce) &&
           get_number(s, split, "d_data", true, &m->d_data) && parse_rank_times(s, obj, msg);
}

static bool parse_kind(MonitorState *s, const cJSON *obj, FrameMessage *msg) {
    const cJSON *metrics = NULL, *item = NULL;
    switch (msg->kind) {
    case FRAME_KIND_RUN_START:
        return get_string(s, obj, "config", &msg->config) && get_string(s, obj, "layout", &msg->text) &&
               get_int(s, obj, "steps", &msg->m.steps) && get_int(s, obj, "batch", &msg->batch) &&
               get_int(s, obj, "resumed_from", &msg->resumed_from);
    case FRAME_KIND_STEP: return parse_step(s, obj, msg);
    case FRAME_KIND_SAMPLES:
    case FRAME_KIND_CHECKPOINT: return get_int(s, obj, "step", &msg->step) && get_string(s, obj, "path", &msg->text);
    case FRAME_KIND_EVAL:
        if (!get_int(s, obj, "step", &msg->step) || !get_object(s, obj, "metrics", &metrics)) return false;
        cJSON_ArrayForEach(item, metrics) {
            if (!cJSON_IsNumber(item)) return reject(s, "eval metric \"%.40s\" is not a number", item->string);
        }
        return true;
    case FRAME_KIND_WARNING: return get_string(s, obj, "text", &msg->text);
    case FRAME_KIND_RUN_END:
        if (!get_string(s, obj, "status", &msg->status) || !get_string(s, obj, "reason", &msg->text) ||
            !get_int(s, obj, "step", &msg->step))
            return false;
        if (strcmp(msg->status, "done") != 0 && strcmp(msg->status, "checkpointed") != 0 &&
            strcmp(msg->status, "failed") != 0)
            return reject(s, "run_end \"status\" is not done, checkpointed or failed");
        return true;
    case FRAME_KIND_COUNT: break;
    }
    return reject(s, "unknown kind");
}

/* The common fields, then those of the kind. */
static bool parse_message(MonitorState *s, const cJSON *obj, FrameMessage *msg) {
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(obj, "schema");
    if (!schema) return reject(s, "missing \"schema\"");
    if (!cJSON_IsNumber(schema) || schema->valuedouble != METRICS_SCHEMA)
        return reject(s, "\"schema\" is not %d", METRICS_SCHEMA);
    const char *kind = NULL;
    int64_t rank = 0, seq = 0, dropped = 0;
    if (!get_string(s, obj, "kind", &kind) || !get_string(s, obj, "run", &msg->run) ||
        !get_int(s, obj, "rank", &rank) || !get_string(s, obj, "role", &msg->role) || !get_int(s, obj, "seq", &seq) ||
        !get_number(s, obj, "time", false, &msg->time) || !get_int(s, obj, "dropped", &dropped))
        return false;
    size_t run_len = strlen(msg->run);
    if (run_len == 0 || run_len > METRICS_RUN_MAX) return reject(s, "\"run\" must be 1..%d bytes", METRICS_RUN_MAX);
    if (rank > 0x7fffffff) return reject(s, "\"rank\" is too large");
    if (strcmp(msg->role, "G") != 0 && strcmp(msg->role, "D") != 0 && strcmp(msg->role, "GD") != 0)
        return reject(s, "\"role\" is not G, D or GD");
    msg->rank = (int)rank;
    msg->seq = (uint64_t)seq;
    msg->dropped = (uint64_t)dropped;
    msg->kind = FRAME_KIND_COUNT;
    for (int k = 0; k < FRAME_KIND_COUNT; k++)
        if (strcmp(kind, kind_names[k]) == 0) msg->kind = (FrameKind)k;
    if (msg->kind == FRAME_KIND_COUNT) return reject(s, "unknown kind \"%.40s\"", kind);
    return parse_kind(s, obj, msg);
}

static void copy_text(char *dst, size_t size, const char *src) { snprintf(dst, size, "%s", src ? src : ""); }

static MonitorRun *run_for(MonitorState *s, const char *id) {
    for (int i = 0; i < s->n_runs; i++)
        if (strcmp(s->runs[i].id, id) == 0) return &s->runs[i];
    MonitorRun *run = NULL;
    if (s->n_runs < MONITOR_MAX_RUNS) {
        run = &s->runs[s->n_runs++];
    } else {
        run = &s->runs[0];
        for (int i = 1; i < s->n_runs; i++)
            if (s->runs[i].last_heard < run->last_heard) run = &s->runs[i];
    }
    memset(run, 0, sizeof *run);
    copy_text(run->id, sizeof run->id, id);
    return run;
}

static void track_seq(MonitorRun *run, const FrameMessage *msg) {
    MonitorPublisher *pub = NULL;
    for (int i = 0; i < run->n_pubs && !pub; i++)
        if (run->pubs[i].rank == msg->rank && strcmp(run->pubs[i].role, msg->role) == 0) pub = &run->pubs[i];
    if (!pub) {
        if (run->n_pubs == MONITOR_MAX_PUBLISHERS) return;
        pub = &run->pubs[run->n_pubs++];
        pub->rank = msg->rank;
        copy_text(pub->role, sizeof pub->role, msg->role);
        pub->next_seq = msg->seq;
    }
    if (msg->seq > pub->next_seq) pub->lost += msg->seq - pub->next_seq;
    pub->next_seq = msg->seq + 1;
    if (msg->dropped > pub->dropped || msg->seq == 0) pub->dropped = msg->dropped;
}

/* Append a point, thinning the series by half when it is full (frame.h). */
static void series_add(MonitorSeries *series, const MetricsStep *m) {
    if (series->stride == 0) series->stride = 1;
    if (series->seen++ % series->stride != 0) return;
    if (series->n == MONITOR_SERIES_MAX) {
        for (int i = 0; i < MONITOR_SERIES_MAX / 2; i++) series->points[i] = series->points[2 * i];
        series->n = MONITOR_SERIES_MAX / 2;
        series->stride *= 2;
        series->seen = 1;
    }
    series->points[series->n++] = (MonitorPoint){.step = (double)m->step,
                                                 .loss_d = m->loss_d,
                                                 .loss_g = m->loss_g,
                                                 .d_real = m->d_real,
                                                 .d_fake = m->d_fake,
                                                 .images_per_s = m->images_per_s};
}

static void track_step(MonitorRun *run, const FrameMessage *msg) {
    const MetricsStep *m = &msg->m;
    if (run->have_step && m->step < run->last.step) return; /* an older step from another rank */
    bool new_step = !run->have_step || m->step > run->last.step;
    if (!run->have_step) {
        run->rate_time0 = msg->time;
        run->rate_step0 = m->step;
    }
    run->have_step = true;
    run->last = *m;
    run->last_rank = msg->rank;
    copy_text(run->last_role, sizeof run->last_role, msg->role);
    run->last_time = msg->time;
    run->d_real_gap = msg->d_real_gap;
    run->d_fake_gap = msg->d_fake_gap;
    if (m->steps > 0) run->steps = m->steps;
    if (msg->n_rank_times > 0) {
        memcpy(run->rank_times, msg->rank_times, sizeof run->rank_times[0] * (size_t)msg->n_rank_times);
        run->n_rank_times = msg->n_rank_times;
    }
    if (!new_step) return;
    series_add(&run->series, m);
    int slot = (run->hist_head + run->hist_len) % MONITOR_HISTORY;
    if (run->hist_len == MONITOR_HISTORY) {
        slot = run->hist_head;
        run->hist_head = (run->hist_head + 1) % MONITOR_HISTORY;
    } else {
        run->hist_len++;
    }
    run->hist_d[slot] = (float)m->loss_d;
    run->hist_g[slot] = (float)m->loss_g;
}

static void track_eval(MonitorRun *run, const FrameMessage *msg) {
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(msg->json, "metrics"), *item = NULL;
    size_t used = (size_t)snprintf(run->eval, sizeof run->eval, "step %lld:", (long long)msg->step);
    cJSON_ArrayForEach(item, metrics) {
        if (used >= sizeof run->eval) break;
        int n = snprintf(run->eval + used, sizeof run->eval - used, " %.32s=%.4g", item->string, item->valuedouble);
        if (n < 0) break;
        used += (size_t)n;
    }
}

/* A run (re)started after step `from` (resumed_from; 0 for a fresh start) continues its curves
 * there: what an earlier segment logged past that step is dropped, and the steps that follow
 * are taken as new. */
static void rewind_run(MonitorRun *run, int64_t from) {
    if (!run->have_step || run->last.step <= from) return;
    int kept = 0;
    while (kept < run->series.n && run->series.points[kept].step <= (double)from) kept++;
    run->series.n = kept;
    run->last.step = from;
    while (run->n_sample_history > 0 && run->sample_history_step[run->n_sample_history - 1] > from)
        run->n_sample_history--;
}

static void track(MonitorState *s, const FrameMessage *msg) {
    MonitorRun *run = run_for(s, msg->run);
    run->last_heard = ++s->clock;
    run->messages++;
    track_seq(run, msg);
    switch (msg->kind) {
    case FRAME_KIND_RUN_START:
        copy_text(run->layout, sizeof run->layout, msg->text);
        run->steps = msg->m.steps;
        run->batch = msg->batch;
        run->resumed_from = msg->resumed_from;
        /* a process's first message (seq 0) starts a segment; the run_start a publisher sends
         * again when another monitor joins does not */
        if (msg->seq == 0) rewind_run(run, msg->resumed_from);
        run->ended = false;
        copy_text(run->config, sizeof run->config, msg->config);
        break;
    case FRAME_KIND_STEP: track_step(run, msg); break;
    case FRAME_KIND_SAMPLES:
        run->samples_step = msg->step;
        copy_text(run->samples, sizeof run->samples, msg->text);
        if (run->n_sample_history == MONITOR_SAMPLES_KEPT) {
            memmove(run->sample_history_step, run->sample_history_step + 1,
                    (MONITOR_SAMPLES_KEPT - 1) * sizeof run->sample_history_step[0]);
            memmove(run->sample_history, run->sample_history + 1,
                    (MONITOR_SAMPLES_KEPT - 1) * sizeof run->sample_history[0]);
            run->n_sample_history--;
        }
        run->sample_history_step[run->n_sample_history] = msg->step;
        copy_text(run->sample_history[run->n_sample_history], MONITOR_TEXT_MAX, msg->text);
        run->n_sample_history++;
        break;
    case FRAME_KIND_CHECKPOINT:
        run->checkpoint_step = msg->step;
        copy_text(run->checkpoint, sizeof run->checkpoint, msg->text);
        break;
    case FRAME_KIND_EVAL: track_eval(run, msg); break;
    case FRAME_KIND_WARNING: copy_text(run->warning, sizeof run->warning, msg->text); break;
    case FRAME_KIND_RUN_END:
        run->ended = true;
        run->end_step = msg->step;
        copy_text(run->end_status, sizeof run->end_status, msg->status);
        copy_text(run->end_reason, sizeof run->end_reason, msg->text);
        break;
    case FRAME_KIND_COUNT: break;
    }
}

/* Only JSON whitespace may follow the object. */
static bool only_space(const char *p, const char *end) {
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') return false;
    return true;
}

FrameVerdict frame_handle(MonitorState *s, const void *bytes, size_t len, FrameMessage *out) {
    s->frames++;
    if (len > METRICS_MAX_MESSAGE) {
        s->oversized++;
        reject(s, "%zu bytes, more than the %d allowed", len, METRICS_MAX_MESSAGE);
        return FRAME_OVERSIZED;
    }
    FrameMessage msg;
    memset(&msg, 0, sizeof msg);
    /* cJSON before 1.7.18 can read one byte past a buffer ending in a backslash: parse a
     * NUL-terminated copy. */
    char *text = malloc(len + 1);
    if (!text) {
        s->malformed++;
        reject(s, "out of memory");
        return FRAME_MALFORMED;
    }
    if (len) memcpy(text, bytes, len);
    text[len] = '\0';
    /* A JSON text is UTF-8 (RFC 8259); cJSON passes any byte through, so check first: whatever the
     * monitor writes or serves must stay valid UTF-8 JSON. */
    size_t bad = utf8_invalid_at(text, len);
    const char *end = NULL;
    msg.json = len && bad == len ? cJSON_ParseWithLengthOpts(text, len, &end, 0) : NULL;
    bool ok = false;
    if (bad < len)
        reject(s, "not valid UTF-8 (byte 0x%02x at offset %zu)", (unsigned char)text[bad], bad);
    else if (!msg.json)
        reject(s, "not JSON");
    else if (!only_space(end, text + len))
        reject(s, "bytes after the JSON value");
    else if (!cJSON_IsObject(msg.json))
        reject(s, "not a JSON object");
    else
        ok = parse_message(s, msg.json, &msg);
    free(text);
    if (!ok) {
        s->malformed++;
        frame_message_free(&msg);
        return FRAME_MALFORMED;
    }
    s->accepted++;
    s->kinds[msg.kind]++;
    track(s, &msg);
    if (out)
        *out = msg;
    else
        frame_message_free(&msg);
    return FRAME_ACCEPTED;
}

uint64_t monitor_run_lost(const MonitorRun *run) {
    uint64_t lost = 0;
    for (int i = 0; i < run->n_pubs; i++) lost += run->pubs[i].lost;
    return lost;
}

uint64_t monitor_run_dropped(const MonitorRun *run) {
    uint64_t dropped = 0;
    for (int i = 0; i < run->n_pubs; i++) dropped += run->pubs[i].dropped;
    return dropped;
}

uint64_t monitor_state_lost(const MonitorState *s) {
    uint64_t lost = 0;
    for (int i = 0; i < s->n_runs; i++) lost += monitor_run_lost(&s->runs[i]);
    return lost;
}

uint64_t monitor_state_dropped(const MonitorState *s) {
    uint64_t dropped = 0;
    for (int i = 0; i < s->n_runs; i++) dropped += monitor_run_dropped(&s->runs[i]);
    return dropped;
}

int monitor_run_history(const MonitorRun *run, int which, float *out) {
    const float *src = which == 0 ? run->hist_d : run->hist_g;
    for (int i = 0; i < run->hist_len; i++) out[i] = src[(run->hist_head + i) % MONITOR_HISTORY];
    return run->hist_len;
}
