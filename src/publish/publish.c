/* publish.c — the trainer's side of the metrics channel (publish.h, schema in docs/metrics.md).
 *
 * One ZeroMQ context and one PUB socket per publisher, connected (never bound) to the monitor's
 * endpoint. Every message takes the next "seq", sent or not, so a dropped message shows up as a
 * gap at the monitor; a send that fails for any reason (EAGAIN from a full queue, a message over
 * METRICS_MAX_MESSAGE, out of memory) only increments the dropped counter.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "publish/publish.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "core/clock.h"

#include "metrics/json.h"

#define PUBLISH_SNDHWM 1000
#define PUBLISH_JOIN_WAIT_MS 250 /* metrics_open waits this long for a listening monitor */

struct MetricsPublisher {
    void *ctx, *sock;
    char run[METRICS_RUN_MAX + 1];
    char role[3];
    int rank;
    uint64_t seq, dropped, joins;
    /* the run_start fields, sent again to every monitor that joins later: a join makes it due,
     * and it stays due until a send of it is queued (a joining monitor may find the queue still
     * full of what was kept for the one before it, and a dropped run_start would leave the new
     * monitor without one) */
    bool started, restarting, run_start_due;
    char *config, layout[64];
    int64_t steps, resumed_from;
    int batch;
};

static void resend_run_start(MetricsPublisher *p);
static const char *text_or_empty(const char *text) { return text ? text : ""; }

const char *metrics_zmq_version(char *buf, size_t size) {
    int major = 0, minor = 0, patch = 0;
    zmq_version(&major, &minor, &patch);
    snprintf(buf, size, "%d.%d.%d", major, minor, patch);
    return buf;
}

/* Read the subscription messages XPUB queued (one per monitor that connected, thanks to
 * ZMQ_XPUB_VERBOSE); true when a monitor joined since the last call. */
static bool monitor_joined(MetricsPublisher *p) {
    bool joined = false;
    unsigned char sub[8];
    int n;
    while ((n = zmq_recv(p->sock, sub, sizeof sub, ZMQ_DONTWAIT)) >= 1)
        if (sub[0] == 1) joined = true;
    if (joined) p->joins++;
    return joined;
}

static NashStatus set_int_option(MetricsPublisher *p, int option, int value, const char *name, const char *endpoint,
                                 NashError *err) {
    if (zmq_setsockopt(p->sock, option, &value, sizeof value) == 0) return NASH_OK;
    return nash_fail(err, NASH_ERR_IO, "metrics publisher for %s: cannot set %s: %s", endpoint, name,
                     zmq_strerror(zmq_errno()));
}

NashStatus metrics_open(MetricsPublisher **out, const char *endpoint, bool allow_remote, const char *run_id, int rank,
                        const char *role, NashError *err) {
    *out = NULL;
    if (!endpoint || !*endpoint) endpoint = METRICS_DEFAULT_ENDPOINT;
    if (!allow_remote && !metrics_endpoint_is_local(endpoint))
        return nash_fail(err, NASH_ERR_CONFIG,
                         "refusing to publish metrics to %s: not a loopback address (tcp://127.0.0.1:PORT, "
                         "tcp://localhost:PORT, tcp://[::1]:PORT, ipc://PATH); the metrics channel has no "
                         "authentication, set monitor.allow_remote = true to send to another host",
                         endpoint);
    size_t run_len = run_id ? strlen(run_id) : 0;
    if (run_len == 0 || run_len > METRICS_RUN_MAX)
        return nash_fail(err, NASH_ERR_INVALID, "metrics run id must be 1..%d bytes (got %zu)", METRICS_RUN_MAX,
                         run_len);
    if (rank < 0) return nash_fail(err, NASH_ERR_INVALID, "metrics rank must be >= 0 (got %d)", rank);
    if (!role || (strcmp(role, "G") != 0 && strcmp(role, "D") != 0 && strcmp(role, "GD") != 0))
        return nash_fail(err, NASH_ERR_INVALID, "metrics role must be G, D or GD (got '%s')", role ? role : "(null)");

    MetricsPublisher *p = calloc(1, sizeof *p);
    if (!p) return nash_fail(err, NASH_ERR_NOMEM, "out of memory for the metrics publisher");
    memcpy(p->run, run_id, run_len + 1);
    memcpy(p->role, role, strlen(role) + 1);
    p->rank = rank;
    NashStatus st = NASH_OK;
    p->ctx = zmq_ctx_new();
    if (!p->ctx) {
        st = nash_fail(err, NASH_ERR_IO, "metrics publisher: cannot create a ZeroMQ context: %s",
                       zmq_strerror(zmq_errno()));
        goto fail;
    }
    p->sock = zmq_socket(p->ctx, ZMQ_XPUB);
    if (!p->sock) {
        st = nash_fail(err, NASH_ERR_IO, "metrics publisher: cannot create a ZeroMQ XPUB socket: %s",
                       zmq_strerror(zmq_errno()));
        goto fail;
    }
    if ((st = set_int_option(p, ZMQ_LINGER, 0, "ZMQ_LINGER", endpoint, err)) != NASH_OK ||
        (st = set_int_option(p, ZMQ_SNDHWM, PUBLISH_SNDHWM, "ZMQ_SNDHWM", endpoint, err)) != NASH_OK ||
        (st = set_int_option(p, ZMQ_XPUB_NODROP, 1, "ZMQ_XPUB_NODROP", endpoint, err)) != NASH_OK ||
        (st = set_int_option(p, ZMQ_XPUB_VERBOSE, 1, "ZMQ_XPUB_VERBOSE", endpoint, err)) != NASH_OK)
        goto fail;
    if (zmq_connect(p->sock, endpoint) != 0) {
        st = nash_fail(err, NASH_ERR_CONFIG,
                       "metrics publisher cannot connect to %s: %s (check monitor.endpoint, e.g. "
                       "tcp://127.0.0.1:5555)",
                       endpoint, zmq_strerror(zmq_errno()));
        goto fail;
    }
    /* A monitor already listening subscribes within milliseconds; waiting for it here keeps the
     * first messages (run_start above all) from being discarded before it is known. */
    zmq_pollitem_t item = {.socket = p->sock, .events = ZMQ_POLLIN};
    if (zmq_poll(&item, 1, PUBLISH_JOIN_WAIT_MS) > 0) monitor_joined(p);
    *out = p;
    return NASH_OK;
fail:
    metrics_close(p);
    return st;
}

void metrics_close(MetricsPublisher *p) {
    if (!p) return;
    free(p->config);
    if (p->sock) zmq_close(p->sock);
    if (p->ctx) zmq_ctx_term(p->ctx);
    free(p);
}

uint64_t metrics_dropped(const MetricsPublisher *p) { return p ? p->dropped : 0; }

uint64_t metrics_messages(const MetricsPublisher *p) { return p ? p->seq : 0; }

uint64_t metrics_joins(const MetricsPublisher *p) { return p ? p->joins : 0; }

/* A message with the common fields; NULL when out of memory. Takes the next seq. A monitor that
 * joined first gets run_start again, retried before every message until one is queued. */
static cJSON *message_new(MetricsPublisher *p, const char *kind) {
    if (monitor_joined(p) && p->started) p->run_start_due = true;
    if (p->run_start_due && !p->restarting) resend_run_start(p);
    cJSON *obj = cJSON_CreateObject();
    if (obj) {
        cJSON_AddNumberToObject(obj, "schema", METRICS_SCHEMA);
        cJSON_AddStringToObject(obj, "kind", kind);
        cJSON_AddStringToObject(obj, "run", p->run);
        cJSON_AddNumberToObject(obj, "rank", p->rank);
        cJSON_AddStringToObject(obj, "role", p->role);
        cJSON_AddNumberToObject(obj, "seq", (double)p->seq);
        cJSON_AddNumberToObject(obj, "time", clock_wall_s());
        cJSON_AddNumberToObject(obj, "dropped", (double)p->dropped);
    }
    p->seq++;
    return obj;
}

/* The JSON text of obj when it fits in METRICS_MAX_MESSAGE bytes (caller frees), else NULL. */
static char *message_print(const cJSON *obj, size_t *len) {
    char *text = cJSON_PrintUnformatted(obj);
    if (!text) return NULL;
    *len = strlen(text);
    if (*len <= METRICS_MAX_MESSAGE) return text;
    cJSON_free(text);
    return NULL;
}

/* Send the printed text without blocking; any failure counts as dropped. True when queued. */
static bool message_send(MetricsPublisher *p, char *text, size_t len) {
    bool queued = text && zmq_send(p->sock, text, len, ZMQ_DONTWAIT) == (int)len;
    if (!queued) p->dropped++;
    cJSON_free(text);
    return queued;
}

/* Print, send and free obj (NULL: out of memory, dropped). */
static void message_finish(MetricsPublisher *p, cJSON *obj) {
    size_t len = 0;
    char *text = obj ? message_print(obj, &len) : NULL;
    cJSON_Delete(obj);
    message_send(p, text, len);
}

/* Print obj with its "config" set to the longest prefix of config of at most `keep` bytes that
 * ends on a UTF-8 character boundary (buf holds keep + 1 bytes); NULL when it does not fit. */
static char *print_config_prefix(cJSON *obj, const char *config, size_t keep, char *buf, size_t *len) {
    while (keep > 0 && ((unsigned char)config[keep] & 0xC0) == 0x80) keep--;
    memcpy(buf, config, keep);
    buf[keep] = '\0';
    cJSON *item = cJSON_CreateString(buf);
    if (!item || !cJSON_ReplaceItemInObjectCaseSensitive(obj, "config", item)) {
        cJSON_Delete(item);
        return NULL;
    }
    return message_print(obj, len);
}

static void resend_run_start(MetricsPublisher *p) {
    p->restarting = true;
    metrics_run_start(p, p->config, p->layout, p->steps, p->batch, p->resumed_from);
    p->restarting = false;
}

void metrics_run_start(MetricsPublisher *p, const char *config_text, const char *layout, int64_t steps, int batch,
                       int64_t resumed_from) {
    if (!p) return;
    if (!p->restarting) {
        free(p->config);
        p->config = strdup(text_or_empty(config_text));
        snprintf(p->layout, sizeof p->layout, "%s", text_or_empty(layout));
        p->steps = steps;
        p->batch = batch;
        p->resumed_from = resumed_from;
        p->started = true;
    }
    cJSON *obj = message_new(p, "run_start");
    const char *config = text_or_empty(config_text);
    size_t config_len = strlen(config), len = 0;
    char *text = NULL;
    if (obj) {
        cJSON_AddStringToObject(obj, "layout", text_or_empty(layout));
        cJSON_AddNumberToObject(obj, "steps", (double)steps);
        cJSON_AddNumberToObject(obj, "batch", batch);
        cJSON_AddNumberToObject(obj, "resumed_from", (double)resumed_from);
        cJSON_AddStringToObject(obj, "config", config);
        text = message_print(obj, &len);
    }
    if (obj && !text && config_len > 0) {
        /* Too big: binary search for the longest config prefix that fits (a shorter prefix never
         * prints longer). Every config byte prints as at least one byte, so no prefix longer than
         * METRICS_MAX_MESSAGE fits. */
        cJSON_AddTrueToObject(obj, "config_truncated");
        size_t lo = 0, hi = config_len < METRICS_MAX_MESSAGE ? config_len : METRICS_MAX_MESSAGE + 1;
        char *buf = malloc(hi + 1);
        while (buf && hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            char *fits = print_config_prefix(obj, config, mid, buf, &len);
            if (fits)
                lo = mid;
            else
                hi = mid;
            cJSON_free(fits);
        }
        if (buf) text = print_config_prefix(obj, config, lo, buf, &len);
        free(buf);
    }
    cJSON_Delete(obj);
    if (message_send(p, text, len)) p->run_start_due = false;
}

void metrics_step(MetricsPublisher *p, const MetricsStep *m) {
    if (!p || !m) return;
    cJSON *obj = message_new(p, "step");
    if (obj) {
        cJSON_AddNumberToObject(obj, "step", (double)m->step);
        cJSON_AddNumberToObject(obj, "epoch", (double)m->epoch);
        cJSON_AddNumberToObject(obj, "steps", (double)m->steps);
        cJSON_AddNumberToObject(obj, "loss_d", m->loss_d);
        cJSON_AddNumberToObject(obj, "loss_g", m->loss_g);
        cJSON_AddNumberToObject(obj, "d_real", m->d_real);
        cJSON_AddNumberToObject(obj, "d_fake", m->d_fake);
        cJSON_AddNumberToObject(obj, "d_real_gap", fabs(m->d_real - 0.5));
        cJSON_AddNumberToObject(obj, "d_fake_gap", fabs(m->d_fake - 0.5));
        cJSON_AddNumberToObject(obj, "grad_norm_d", m->grad_norm_d);
        cJSON_AddNumberToObject(obj, "grad_norm_g", m->grad_norm_g);
        cJSON_AddNumberToObject(obj, "images_per_s", m->images_per_s);
        cJSON *split = cJSON_AddObjectToObject(obj, "time_split");
        if (split) {
            cJSON_AddNumberToObject(split, "g_compute", m->g_compute);
            cJSON_AddNumberToObject(split, "g_exchange", m->g_exchange);
            cJSON_AddNumberToObject(split, "g_allreduce", m->g_allreduce);
            cJSON_AddNumberToObject(split, "d_compute", m->d_compute);
            cJSON_AddNumberToObject(split, "d_exchange", m->d_exchange);
            cJSON_AddNumberToObject(split, "d_allreduce", m->d_allreduce);
            cJSON_AddNumberToObject(split, "d_data", m->d_data);
        }
        if (m->ranks && m->n_ranks > 0 && m->n_ranks <= METRICS_MAX_RANK_TIMES)
            metrics_json_rank_times(obj, m->ranks, m->n_ranks);
    }
    message_finish(p, obj);
}

/* The path is sent absolute (when it exists), so a monitor started in another directory finds it. */
static void step_and_path(MetricsPublisher *p, const char *kind, int64_t step, const char *path) {
    if (!p) return;
    cJSON *obj = message_new(p, kind);
    char *absolute = path ? realpath(path, NULL) : NULL;
    if (obj) {
        cJSON_AddNumberToObject(obj, "step", (double)step);
        cJSON_AddStringToObject(obj, "path", absolute ? absolute : text_or_empty(path));
    }
    free(absolute);
    message_finish(p, obj);
}

void metrics_samples(MetricsPublisher *p, int64_t step, const char *path) { step_and_path(p, "samples", step, path); }

void metrics_checkpoint(MetricsPublisher *p, int64_t step, const char *path) {
    step_and_path(p, "checkpoint", step, path);
}

/* Non-finite values are left out: "metrics" holds numbers only (JSON has no NaN or Inf). */
void metrics_eval(MetricsPublisher *p, int64_t step, const char *const *names, const double *values, int n) {
    if (!p) return;
    cJSON *obj = message_new(p, "eval");
    if (obj) {
        cJSON_AddNumberToObject(obj, "step", (double)step);
        cJSON *metrics = cJSON_AddObjectToObject(obj, "metrics");
        for (int i = 0; metrics && names && values && i < n; i++)
            if (names[i] && isfinite(values[i])) cJSON_AddNumberToObject(metrics, names[i], values[i]);
    }
    message_finish(p, obj);
}

void metrics_warning(MetricsPublisher *p, const char *text) {
    if (!p) return;
    cJSON *obj = message_new(p, "warning");
    if (obj) cJSON_AddStringToObject(obj, "text", text_or_empty(text));
    message_finish(p, obj);
}

void metrics_run_end(MetricsPublisher *p, const char *status, const char *reason, int64_t step) {
    if (!p) return;
    cJSON *obj = message_new(p, "run_end");
    if (obj) {
        cJSON_AddStringToObject(obj, "status", status ? status : "failed");
        cJSON_AddStringToObject(obj, "reason", text_or_empty(reason));
        cJSON_AddNumberToObject(obj, "step", (double)step);
    }
    message_finish(p, obj);
}
