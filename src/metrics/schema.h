/* schema.h — the metrics channel's schema, shared by the publisher (publish/) and the monitor
 * (monitor/), which depend on this folder and never on each other (docs/metrics.md).
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
#ifndef NASH_METRICS_SCHEMA_H
#define NASH_METRICS_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#define METRICS_SCHEMA 1
#define METRICS_MAX_MESSAGE 65536
#define METRICS_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"
#define METRICS_RUN_MAX 255 /* bytes of a run id */
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

/* True for an endpoint on this host only: tcp://127.x.y.z, tcp://localhost, tcp://[::1], ipc://,
 * inproc://. Both sides refuse any other endpoint unless allowed (monitor.allow_remote,
 * --allow-remote): the channel has no authentication or encryption. */
bool metrics_endpoint_is_local(const char *endpoint);

#endif
