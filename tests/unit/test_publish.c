/* test_publish.c — the metrics publisher (publish/publish.h) over real ZeroMQ sockets on loopback.
 *
 * A SUB socket bound in the test on tcp://127.0.0.1:<a port the kernel picks> receives one message
 * of each kind; each is parsed with cJSON and its common and kind fields and the seq order are
 * checked. Also: a run_start whose config is over METRICS_MAX_MESSAGE arrives cut to fit and
 * marked "config_truncated"; an oversized warning is dropped (a seq gap, counted); a subscriber
 * that stops reading makes the queue fill and messages drop without blocking, and the drop count,
 * seq gaps and received messages add up; with no subscriber at all 5000 sends return and close is
 * immediate; a monitor that joins while the queue is still full of what was kept for a dead one
 * still gets run_start; non-loopback endpoints are refused unless allow_remote. Every message received must
 * also pass the monitor's frame handler (monitor/frame.h). Every receive has a timeout.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "check.h"
#include "monitor/frame.h"
#include "publish/publish.h"

#define RUN_ID "test-run"

static MonitorState monitor_state; /* every received message also goes through the monitor's parser */
#define SYNC_TRIES 200             /* x 25 ms: give the subscription 5 s to reach the publisher */

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A SUB socket subscribed to everything, bound to a kernel-chosen loopback port; its endpoint is
 * written to `endpoint`. rcvhwm/rcvbuf <= 0 leave ZeroMQ's defaults. */
static void *sub_open(void *ctx, char *endpoint, size_t size, int rcvhwm, int rcvbuf) {
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    int linger = 0;
    zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger);
    if (rcvhwm > 0) zmq_setsockopt(sub, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
    if (rcvbuf > 0) zmq_setsockopt(sub, ZMQ_RCVBUF, &rcvbuf, sizeof rcvbuf);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    if (!check_true(zmq_bind(sub, "tcp://127.0.0.1:*") == 0, "bind SUB on tcp://127.0.0.1:*: %s",
                    zmq_strerror(zmq_errno())))
        exit(1);
    zmq_getsockopt(sub, ZMQ_LAST_ENDPOINT, endpoint, &size);
    return sub;
}

/* One message parsed, or NULL after timeout_ms without one (or if it is not JSON). *len gets its size. */
static cJSON *recv_json(void *sub, int timeout_ms, size_t *len) {
    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    cJSON *obj = NULL;
    if (zmq_msg_recv(&msg, sub, 0) >= 0) {
        if (len) *len = zmq_msg_size(&msg);
        obj = cJSON_ParseWithLength(zmq_msg_data(&msg), zmq_msg_size(&msg));
        check_true(obj != NULL, "received message is JSON");
        check_true(frame_handle(&monitor_state, zmq_msg_data(&msg), zmq_msg_size(&msg), NULL) == FRAME_ACCEPTED,
                   "the monitor's frame handler accepts it: %s", monitor_state.last_error);
    }
    zmq_msg_close(&msg);
    return obj;
}

/* Receive and discard until `quiet_ms` pass without a message; returns how many. */
static int drain(void *sub, int quiet_ms) {
    int n = 0;
    cJSON *obj = NULL;
    while ((obj = recv_json(sub, quiet_ms, NULL)) != NULL) {
        cJSON_Delete(obj);
        n++;
    }
    return n;
}

/* Send warnings until the subscriber gets one (the subscription has reached the publisher), then
 * drain stragglers. Returns the number of messages the publisher sent. */
static uint64_t sync_subscriber(MetricsPublisher *p, void *sub) {
    bool got = false;
    uint64_t sent = 0;
    for (int i = 0; i < SYNC_TRIES && !got; i++) {
        metrics_warning(p, "sync");
        sent++;
        cJSON *obj = recv_json(sub, 25, NULL);
        got = obj != NULL;
        cJSON_Delete(obj);
    }
    if (!check_true(got, "subscriber connected within %d ms", SYNC_TRIES * 25)) exit(1);
    drain(sub, 200);
    return sent;
}

static double num(const cJSON *obj, const char *key) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(item) ? item->valuedouble : NAN;
}

static const char *str(const cJSON *obj, const char *key) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : "";
}

static bool is_null(const cJSON *obj, const char *key) {
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* Receive one message and check the common fields: the kind, seq, this run and publisher. */
static cJSON *expect(void *sub, const char *kind, uint64_t seq, uint64_t dropped) {
    cJSON *obj = recv_json(sub, 2000, NULL);
    if (!check_true(obj != NULL, "%s: received within 2 s", kind)) return NULL;
    check_true(num(obj, "schema") == METRICS_SCHEMA, "%s: schema %d", kind, METRICS_SCHEMA);
    check_true(strcmp(str(obj, "kind"), kind) == 0, "%s: kind (got '%s')", kind, str(obj, "kind"));
    check_true(strcmp(str(obj, "run"), RUN_ID) == 0, "%s: run", kind);
    check_true(num(obj, "rank") == 3, "%s: rank", kind);
    check_true(strcmp(str(obj, "role"), "D") == 0, "%s: role", kind);
    check_true(num(obj, "seq") == (double)seq, "%s: seq %llu (got %.0f)", kind, (unsigned long long)seq,
               num(obj, "seq"));
    check_true(num(obj, "dropped") == (double)dropped, "%s: dropped %llu (got %.0f)", kind, (unsigned long long)dropped,
               num(obj, "dropped"));
    double age = (double)time(NULL) - num(obj, "time");
    check_true(age > -5 && age < 60, "%s: time is now (off by %.1f s)", kind, age);
    return obj;
}

static MetricsPublisher *open_ok(const char *endpoint) {
    MetricsPublisher *p = NULL;
    NashError err = {0};
    NashStatus st = metrics_open(&p, endpoint, false, RUN_ID, 3, "D", &err);
    if (!check_true(st == NASH_OK && p, "metrics_open %s: %s", endpoint, err.msg)) exit(1);
    return p;
}

static void test_kinds(void *ctx) {
    char endpoint[256];
    void *sub = sub_open(ctx, endpoint, sizeof endpoint, 0, 0);
    MetricsPublisher *p = open_ok(endpoint);
    uint64_t seq = sync_subscriber(p, sub);

    metrics_run_start(p, "[train]\nsteps = 100\nname = \"caf\xc3\xa9\"\n", "split 1G+2D", 100, 64, 20);
    MetricsStep m = {.step = 21,
                     .epoch = 2,
                     .steps = 100,
                     .loss_d = 1.25,
                     .loss_g = NAN,
                     .d_real = 0.75,
                     .d_fake = 0.125,
                     .grad_norm_d = 3.5,
                     .grad_norm_g = INFINITY,
                     .images_per_s = 1000.5,
                     .g_compute = 0.01,
                     .g_exchange = 0.02,
                     .g_allreduce = 0.03,
                     .d_compute = 0.04,
                     .d_exchange = 0.05,
                     .d_allreduce = 0.06,
                     .d_data = 0.07};
    metrics_step(p, &m);
    metrics_samples(p, 30, "run/samples/step_000030.png");
    metrics_checkpoint(p, 40, "run/ckpt/step_000040.h5");
    const char *names[] = {"mode_coverage", "hq_fraction", "bad"};
    const double values[] = {7, 0.5, NAN};
    metrics_eval(p, 50, names, values, 3);
    metrics_warning(p, "D(real) near 1 for 100 steps");
    metrics_run_end(p, "done", "finished 100 steps", 100);

    cJSON *obj = expect(sub, "run_start", seq++, 0);
    if (obj) {
        check_true(strcmp(str(obj, "config"), "[train]\nsteps = 100\nname = \"caf\xc3\xa9\"\n") == 0,
                   "run_start: config text round-trips");
        check_true(strcmp(str(obj, "layout"), "split 1G+2D") == 0, "run_start: layout");
        check_true(num(obj, "steps") == 100 && num(obj, "batch") == 64 && num(obj, "resumed_from") == 20,
                   "run_start: steps, batch, resumed_from");
        check_true(!cJSON_GetObjectItemCaseSensitive(obj, "config_truncated"), "run_start: not truncated");
    }
    cJSON_Delete(obj);
    obj = expect(sub, "step", seq++, 0);
    if (obj) {
        check_true(num(obj, "step") == 21 && num(obj, "epoch") == 2 && num(obj, "steps") == 100,
                   "step: step, epoch, steps");
        check_true(num(obj, "loss_d") == 1.25 && is_null(obj, "loss_g"), "step: loss_d, loss_g NaN as null");
        check_true(num(obj, "d_real") == 0.75 && num(obj, "d_fake") == 0.125, "step: d_real, d_fake");
        check_true(num(obj, "d_real_gap") == 0.25 && num(obj, "d_fake_gap") == 0.375, "step: |D - 1/2| gaps");
        check_true(num(obj, "grad_norm_d") == 3.5 && is_null(obj, "grad_norm_g"), "step: grad norms, Inf as null");
        check_true(num(obj, "images_per_s") == 1000.5, "step: images_per_s");
        const cJSON *split = cJSON_GetObjectItemCaseSensitive(obj, "time_split");
        check_true(cJSON_IsObject(split) && num(split, "g_compute") == 0.01 && num(split, "g_exchange") == 0.02 &&
                       num(split, "g_allreduce") == 0.03 && num(split, "d_compute") == 0.04 &&
                       num(split, "d_exchange") == 0.05 && num(split, "d_allreduce") == 0.06 &&
                       num(split, "d_data") == 0.07,
                   "step: time_split");
    }
    cJSON_Delete(obj);
    obj = expect(sub, "samples", seq++, 0);
    if (obj)
        check_true(num(obj, "step") == 30 && strcmp(str(obj, "path"), "run/samples/step_000030.png") == 0,
                   "samples: step, path");
    cJSON_Delete(obj);
    obj = expect(sub, "checkpoint", seq++, 0);
    if (obj)
        check_true(num(obj, "step") == 40 && strcmp(str(obj, "path"), "run/ckpt/step_000040.h5") == 0,
                   "checkpoint: step, path");
    cJSON_Delete(obj);
    obj = expect(sub, "eval", seq++, 0);
    if (obj) {
        const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(obj, "metrics");
        check_true(num(obj, "step") == 50 && cJSON_IsObject(metrics), "eval: step, metrics");
        check_true(num(metrics, "mode_coverage") == 7 && num(metrics, "hq_fraction") == 0.5 &&
                       cJSON_GetArraySize(metrics) == 2,
                   "eval: finite metrics kept, NaN left out");
    }
    cJSON_Delete(obj);
    obj = expect(sub, "warning", seq++, 0);
    if (obj) check_true(strcmp(str(obj, "text"), "D(real) near 1 for 100 steps") == 0, "warning: text");
    cJSON_Delete(obj);
    obj = expect(sub, "run_end", seq++, 0);
    if (obj)
        check_true(strcmp(str(obj, "status"), "done") == 0 && strcmp(str(obj, "reason"), "finished 100 steps") == 0 &&
                       num(obj, "step") == 100,
                   "run_end: status, reason, step");
    cJSON_Delete(obj);

    /* A config over METRICS_MAX_MESSAGE (with escapes and 2-byte characters) is cut to fit. */
    size_t big = 3 * METRICS_MAX_MESSAGE;
    char *config = malloc(big + 1);
    for (size_t i = 0; i < big; i += 4) memcpy(config + i, i % 64 == 0 ? "\n\"\t " : "\xc3\xa9-z", 4);
    config[big] = '\0';
    metrics_run_start(p, config, "split 1G+2D", 100, 64, 0);
    size_t len = 0;
    obj = recv_json(sub, 2000, &len);
    check_true(obj != NULL, "truncated run_start: received");
    if (obj) {
        const char *got = str(obj, "config");
        size_t got_len = strlen(got);
        check_true(num(obj, "seq") == (double)seq, "truncated run_start: seq");
        check_true(len <= METRICS_MAX_MESSAGE && len > METRICS_MAX_MESSAGE - 64,
                   "truncated run_start: %zu bytes, just under %d", len, METRICS_MAX_MESSAGE);
        check_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "config_truncated")),
                   "truncated run_start: config_truncated is true");
        check_true(got_len > 1000 && got_len < big && memcmp(got, config, got_len) == 0 &&
                       (config[got_len] & 0xC0) != 0x80,
                   "truncated run_start: a prefix of the config (%zu bytes) ending on a character", got_len);
        check_true(strcmp(str(obj, "layout"), "split 1G+2D") == 0, "truncated run_start: other fields kept");
    }
    cJSON_Delete(obj);
    seq++;

    /* Any other message over the limit is dropped: counted, and a seq gap. */
    config[METRICS_MAX_MESSAGE] = '\0';
    metrics_warning(p, config);
    seq++;
    check_true(metrics_dropped(p) == 1, "oversized warning counted as dropped (%llu)",
               (unsigned long long)metrics_dropped(p));
    metrics_warning(p, "after");
    obj = expect(sub, "warning", seq++, 1);
    cJSON_Delete(obj);
    free(config);
    metrics_close(p);
    zmq_close(sub);
}

/* A subscriber that stops reading: the queue fills, sends answer at once and are counted. */
static void test_stalled(void *ctx) {
    char endpoint[256];
    void *sub = sub_open(ctx, endpoint, sizeof endpoint, 10, 4096);
    MetricsPublisher *p = open_ok(endpoint);
    uint64_t first = sync_subscriber(p, sub);
    char *text = malloc(16384 + 1);
    memset(text, 'w', 16384);
    text[16384] = '\0';
    int sent = 0;
    double worst = 0;
    while (metrics_dropped(p) < 100 && sent < 100000) {
        double t0 = now_seconds();
        metrics_warning(p, text);
        double dt = now_seconds() - t0;
        worst = dt > worst ? dt : worst;
        sent++;
    }
    uint64_t dropped = metrics_dropped(p);
    printf("stalled subscriber: %d sends, %llu dropped, slowest send %.3f ms\n", sent, (unsigned long long)dropped,
           1e3 * worst);
    check_true(dropped >= 100, "stalled subscriber: sends are dropped once the queue is full (%llu of %d)",
               (unsigned long long)dropped, sent);

    /* Read everything queued: what arrived plus what was dropped is what was sent, and the seq
     * gaps add up to the drops. */
    uint64_t received = 0, gaps = 0, next = first;
    cJSON *obj = NULL;
    while ((obj = recv_json(sub, 500, NULL)) != NULL) {
        uint64_t seq = (uint64_t)num(obj, "seq");
        if (seq > next) gaps += seq - next;
        next = seq + 1;
        received++;
        cJSON_Delete(obj);
    }
    check_true(received + dropped == (uint64_t)sent, "stalled subscriber: %llu received + %llu dropped == %d sent",
               (unsigned long long)received, (unsigned long long)dropped, sent);
    uint64_t trailing = first + (uint64_t)sent - next; /* dropped after the last one received */
    check_true(gaps + trailing == dropped, "stalled subscriber: seq gaps (%llu + %llu at the end) match the drops",
               (unsigned long long)gaps, (unsigned long long)trailing);
    metrics_run_end(p, "done", "", 1);
    obj = expect(sub, "run_end", first + (uint64_t)sent, dropped);
    cJSON_Delete(obj);

    /* Fill the queue again and close: LINGER 0 discards it at once. */
    for (int i = 0; i < 2000; i++) metrics_warning(p, text);
    double t0 = now_seconds();
    metrics_close(p);
    double dt = now_seconds() - t0;
    check_true(dt < 1.0, "close with a full queue returns at once (%.3f s)", dt);
    free(text);
    zmq_close(sub);
}

/* A monitor joins while the queue is still full of what was kept for the one before it: the
 * run_start sent again for it must still arrive. The first SUB is closed (the monitor died), the
 * queue is filled with 16 KiB warnings (more than the kernel's socket buffers hold), and a second
 * SUB that reads nothing yet (receive HWM 1, 4 KiB buffer) binds the same endpoint; a second of
 * steps later it starts reading while steps go on. (ZeroMQ hands its subscription to the
 * publisher only once it drains, when the queue is still nearly full.) It must get run_start, and
 * every message from that second on is either received by it or counted as dropped. */
static void test_late_monitor(void *ctx) {
    char endpoint[256];
    void *sub = sub_open(ctx, endpoint, sizeof endpoint, 0, 0);
    MetricsPublisher *p = open_ok(endpoint);
    metrics_run_start(p, "[train]\nsteps = 9\n", "colocated", 9, 64, 0);
    sync_subscriber(p, sub);
    zmq_close(sub);
    char *text = malloc(16384 + 1);
    memset(text, 'w', 16384);
    text[16384] = '\0';
    for (int i = 0; i < 1500; i++) metrics_warning(p, text);
    free(text);
    uint64_t dropped_alone = metrics_dropped(p);

    void *late = zmq_socket(ctx, ZMQ_SUB);
    int linger = 0, hwm = 1, rcvbuf = 4096;
    zmq_setsockopt(late, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(late, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(late, ZMQ_RCVBUF, &rcvbuf, sizeof rcvbuf);
    zmq_setsockopt(late, ZMQ_SUBSCRIBE, "", 0);
    if (!check_true(zmq_bind(late, endpoint) == 0, "late monitor binds %s again: %s", endpoint,
                    zmq_strerror(zmq_errno()))) {
        zmq_close(late);
        metrics_close(p);
        return;
    }
    MetricsStep m = {.step = 0, .steps = 9, .loss_d = 1, .loss_g = 1};
    struct timespec pause = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 100; i++) {
        metrics_step(p, &m);
        nanosleep(&pause, NULL);
    }
    uint64_t join_seq = metrics_messages(p), dropped_at_join = metrics_dropped(p);

    /* Now it reads; the run goes on a step every few milliseconds, then ends. */
    bool got_run_start = false, got_run_end = false;
    uint64_t run_start_seq = 0, gaps = 0, last = join_seq - 1;
    double t0 = now_seconds();
    for (int step = 1; !got_run_end && now_seconds() - t0 < 30; step++) {
        if (step < 400) {
            m.step = step;
            metrics_step(p, &m);
        } else if (step == 400) {
            metrics_run_end(p, "done", "", 400);
        }
        cJSON *obj;
        while ((obj = recv_json(late, step < 400 ? 2 : 200, NULL)) != NULL) {
            uint64_t seq = (uint64_t)num(obj, "seq");
            if (seq >= join_seq) {
                gaps += seq - last - 1;
                last = seq;
            }
            if (strcmp(str(obj, "kind"), "run_start") == 0 && !got_run_start) {
                got_run_start = true;
                run_start_seq = seq;
            }
            got_run_end = got_run_end || strcmp(str(obj, "kind"), "run_end") == 0;
            cJSON_Delete(obj);
        }
    }
    uint64_t dropped_after = metrics_dropped(p) - dropped_at_join;
    printf("late monitor: %llu dropped while alone, %llu more before it read; run_start %s (seq %llu, "
           "reading from %llu); %llu seq gaps since, %llu dropped\n",
           (unsigned long long)dropped_alone, (unsigned long long)(dropped_at_join - dropped_alone),
           got_run_start ? "received" : "NOT received", (unsigned long long)run_start_seq, (unsigned long long)join_seq,
           (unsigned long long)gaps, (unsigned long long)dropped_after);
    check_true(dropped_alone > 0, "the queue filled while no monitor listened");
    check_true(metrics_joins(p) == 2, "the late monitor joined (%llu joins)", (unsigned long long)metrics_joins(p));
    check_true(got_run_start, "the late monitor received run_start");
    check_true(run_start_seq >= join_seq, "run_start was sent for it (seq %llu)", (unsigned long long)run_start_seq);
    check_true(gaps == dropped_after, "every message since is received or counted dropped (%llu gaps, %llu drops)",
               (unsigned long long)gaps, (unsigned long long)dropped_after);
    check_true(got_run_end, "the late monitor received run_end");
    metrics_close(p);
    zmq_close(late);
}

/* Nobody bound at the endpoint: PUB discards (no subscription), every call returns. */
static void test_no_subscriber(void *ctx) {
    char endpoint[256];
    void *sub = sub_open(ctx, endpoint, sizeof endpoint, 0, 0);
    zmq_close(sub); /* a port nobody listens on now */
    MetricsPublisher *p = open_ok(endpoint);
    MetricsStep m = {.step = 1, .steps = 5000, .loss_d = 1, .loss_g = 1};
    double t0 = now_seconds();
    int calls = 0;
    for (int i = 0; i < 5000; i++, calls++) {
        m.step = i;
        metrics_step(p, &m);
    }
    double sends = now_seconds() - t0;
    printf("no subscriber: 5000 sends in %.3f s, %llu dropped\n", sends, (unsigned long long)metrics_dropped(p));
    check_true(calls == 5000, "no subscriber: all 5000 sends returned");
    t0 = now_seconds();
    metrics_close(p);
    double dt = now_seconds() - t0;
    check_true(dt < 1.0, "no subscriber: close returns at once (%.3f s)", dt);
}

static void test_endpoints(void) {
    NashError err = {0};
    MetricsPublisher *p = (MetricsPublisher *)(uintptr_t)1; /* must be reset to NULL on failure */
    NashStatus st = metrics_open(&p, "tcp://10.1.2.3:5555", false, RUN_ID, 0, "GD", &err);
    check_true(st != NASH_OK && p == NULL, "tcp://10.1.2.3:5555 refused without allow_remote");
    check_true(strstr(err.msg, "tcp://10.1.2.3:5555") && strstr(err.msg, "monitor.allow_remote"),
               "refusal names the endpoint and monitor.allow_remote: %s", err.msg);
    const char *refused[] = {"tcp://0.0.0.0:5555", "tcp://*:5555", "tcp://127.0.0.1.example.com:5555",
                             "tcp://localhostx:5555", "pgm://127.0.0.1;239.1.1.1:5555"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        st = metrics_open(&p, refused[i], false, RUN_ID, 0, "GD", &err);
        check_true(st != NASH_OK && p == NULL, "%s refused without allow_remote", refused[i]);
    }
    const char *accepted[] = {"tcp://127.0.0.1:5555",
                              "tcp://127.1.2.3:5555",
                              "tcp://localhost:5555",
                              "tcp://[::1]:5555",
                              "ipc:///tmp/nash-test-publish.sock",
                              "inproc://nash-metrics"};
    for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++) {
        st = metrics_open(&p, accepted[i], false, RUN_ID, 0, "GD", &err);
        check_true(st == NASH_OK && p != NULL, "%s accepted: %s", accepted[i], st == NASH_OK ? "" : err.msg);
        metrics_close(p);
    }
    st = metrics_open(&p, "tcp://10.1.2.3:5555", true, RUN_ID, 0, "GD", &err);
    check_true(st == NASH_OK && p != NULL, "tcp://10.1.2.3:5555 accepted with allow_remote");
    metrics_close(p);
    st = metrics_open(&p, "tcp://10.1.2.3", true, RUN_ID, 0, "GD", &err);
    check_true(st != NASH_OK && p == NULL && strstr(err.msg, "monitor.endpoint"),
               "an endpoint without a port is refused naming monitor.endpoint: %s", err.msg);
    st = metrics_open(&p, NULL, false, "", 0, "GD", &err);
    check_true(st == NASH_ERR_INVALID && p == NULL, "empty run id refused");
    st = metrics_open(&p, NULL, false, RUN_ID, 0, "X", &err);
    check_true(st == NASH_ERR_INVALID && p == NULL, "role X refused");

    /* NULL publishers are ignored. */
    metrics_run_start(NULL, "", "", 0, 0, 0);
    metrics_step(NULL, NULL);
    metrics_samples(NULL, 0, "");
    metrics_checkpoint(NULL, 0, "");
    metrics_eval(NULL, 0, NULL, NULL, 0);
    metrics_warning(NULL, "");
    metrics_run_end(NULL, "done", "", 0);
    check_true(metrics_dropped(NULL) == 0, "NULL publisher: nothing dropped");
    metrics_close(NULL);
}

int main(void) {
    void *ctx = zmq_ctx_new();
    test_endpoints();
    test_kinds(ctx);
    test_stalled(ctx);
    test_late_monitor(ctx);
    test_no_subscriber(ctx);
    zmq_ctx_term(ctx);
    return check_finish("publish");
}
