/* publish.h — the trainer's side of the metrics channel: JSON messages over ZeroMQ PUB.
 *
 * Only metrics/ includes zmq.h. The trainer's XPUB socket CONNECTS to the monitor's endpoint
 * (default tcp://127.0.0.1:5555, where `nash monitor` binds a SUB socket), so a monitor can
 * come and go while the run goes on. XPUB (a PUB that also hears subscriptions, with
 * ZMQ_XPUB_VERBOSE one per subscriber) tells the trainer when a monitor joins: metrics_open
 * waits up to 250 ms for one, and a monitor that joins later (restarted, or started after the
 * run) is sent run_start again, with a fresh seq, before the next message. Sending never blocks: ZMQ_XPUB_NODROP makes
 a full queue
 * (high-water mark 1000 messages) answer EAGAIN to a ZMQ_DONTWAIT send, and that message is
 * counted as dropped instead; ZMQ_LINGER 0 lets the trainer exit at once. Messages are built
 * with cJSON and never exceed METRICS_MAX_MESSAGE bytes.
 *
 * Schema (docs/metrics.md), one JSON object per ZeroMQ message, every message has:
 *   "schema": 1, "kind": "...", "run": run id (string), "rank": int, "role": "G"|"D"|"GD",
 *   "seq": per-publisher sequence number from 0 (a gap tells the monitor messages were lost),
 *   "time": seconds since the Unix epoch (float), "dropped": messages this publisher dropped so far
 * and by kind:
 *   run_start   "config": resolved INI text, "layout": "split 1G+2D", "steps": total steps,
 *               "batch": global batch, "resumed_from": step (0 for a fresh run)
 *   step        "step", "epoch", "steps" (total), "loss_d", "loss_g", "d_real", "d_fake",
 *               "d_real_gap", "d_fake_gap" (|D - 1/2|), "grad_norm_d", "grad_norm_g",
 *               "images_per_s", "time_split": {"g_compute", "g_exchange", "g_allreduce",
 *               "d_compute", "d_exchange", "d_allreduce", "d_data"} (seconds per step, averaged over
               the ranks of each role), optional "ranks": [{"rank", "role", "compute", "exchange",
               "allreduce", "data"}, ...] (each rank's own seconds per step; left out past
               METRICS_MAX_RANK_TIMES ranks)
 *   samples     "step", "path" (a PNG written by the trainer)
 *   checkpoint  "step", "path"
 *   eval        "step", "metrics": {name: number, ...}
 *   warning     "text"
 *   run_end     "status": "done" | "checkpointed" | "failed", "reason": text, "step"
 */
#ifndef NASH_METRICS_PUBLISH_H
#define NASH_METRICS_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* The versions of the libraries behind the channel: ZeroMQ ("4.3.4") into buf, and cJSON. */
const char *metrics_zmq_version(char *buf, size_t size);
const char *metrics_cjson_version(void);

#define METRICS_SCHEMA 1
#define METRICS_MAX_MESSAGE 65536
#define METRICS_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"

typedef struct MetricsPublisher MetricsPublisher;

#define METRICS_MAX_RANK_TIMES 64

/* One rank's seconds per step since the last log, by phase (a colocated rank adds its G and D
 * parts; "data" is the wait for real batches, only discriminator ranks have one). */
typedef struct {
    int rank;
    char role[3]; /* "G", "D" or "GD" */
    double compute, exchange, allreduce, data;
} MetricsRankTime;

typedef struct {
    int64_t step, epoch, steps;
    double loss_d, loss_g, d_real, d_fake, grad_norm_d, grad_norm_g, images_per_s;
    double g_compute, g_exchange, g_allreduce, d_compute, d_exchange, d_allreduce, d_data;
    const MetricsRankTime *ranks; /* n_ranks entries, or NULL: no per-rank times */
    int n_ranks;
} MetricsStep;

/* Connect a publisher; an endpoint that is not tcp://127.x, tcp://localhost, ipc:// or
 * inproc:// is refused unless allow_remote (config monitor.allow_remote). */
NashStatus metrics_open(MetricsPublisher **out, const char *endpoint, bool allow_remote, const char *run_id, int rank,
                        const char *role, NashError *err);
void metrics_close(MetricsPublisher *p); /* NULL is fine */

/* Each call builds one message and sends it without blocking; NULL publishers are ignored. */
void metrics_run_start(MetricsPublisher *p, const char *config_text, const char *layout, int64_t steps, int batch,
                       int64_t resumed_from);
void metrics_step(MetricsPublisher *p, const MetricsStep *m);
void metrics_samples(MetricsPublisher *p, int64_t step, const char *path);
void metrics_checkpoint(MetricsPublisher *p, int64_t step, const char *path);
void metrics_eval(MetricsPublisher *p, int64_t step, const char *const *names, const double *values, int n);
void metrics_warning(MetricsPublisher *p, const char *text);
void metrics_run_end(MetricsPublisher *p, const char *status, const char *reason, int64_t step);

/* Messages this publisher could not queue (the monitor absent, stalled or slow), and all the
 * messages it made (sent or dropped). */
uint64_t metrics_dropped(const MetricsPublisher *p);
uint64_t metrics_messages(const MetricsPublisher *p);
/* Monitors that subscribed so far (each one that joins after run_start gets it again). */
uint64_t metrics_joins(const MetricsPublisher *p);

#endif
