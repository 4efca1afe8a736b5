/* frame.h — the monitor's side of the metrics schema: check one received frame and track runs.
 *
 * No sockets here: frame_handle() takes the bytes of one ZeroMQ message, so the parser can be
 * tested and fuzzed directly (tests/unit/test_monitor_frames.c). Every frame gets one verdict:
 *   FRAME_OVERSIZED  more than METRICS_MAX_MESSAGE bytes: skipped unread
 *   FRAME_MALFORMED  not one JSON object (bad JSON, trailing bytes, a NUL, nesting deeper than
 *                    cJSON's limit), "schema" != METRICS_SCHEMA, an unknown "kind", a missing
 *                    or wrong-typed field of the schema in publish.h: skipped
 *   FRAME_ACCEPTED   a message of the schema: it updates the run it names
 * Types are checked strictly: integers ("rank", "seq", "dropped", "step", "epoch", "steps",
 * "batch", "resumed_from") must be whole, non-negative numbers below 2^53; strings must be
 * strings; "role" one of G, D, GD; run_end's "status" one of done, checkpointed, failed; a run id
 * is 1..METRICS_RUN_MAX bytes. The measured floats of a step message (losses, D outputs, gaps,
 * gradient norms, images/s, time split) may also be null: that is how cJSON writes NaN and Inf,
 * and a diverging run must still be seen, so null reads as NaN.
 *
 * Runs are tracked by run id (at most MONITOR_MAX_RUNS; a new run evicts the one heard from
 * least recently). Per run: the newest step message (highest step), a history of the last
 * MONITOR_HISTORY loss_d/loss_g values for sparklines, the last samples and checkpoint paths,
 * the last eval and warning, how the run ended, and per publisher (rank, role) the expected next
 * "seq": a jump forward counts the skipped messages as lost (the first message heard sets the
 * baseline, so messages sent before the monitor started are not counted; a jump backwards is a
 * restarted publisher and resets it) and the publisher's own "dropped" count. For the web
 * dashboard also: the resolved config text, the newest per-rank time split, and curves over the
 * whole run (MonitorSeries: at most MONITOR_SERIES_MAX points; when full, every other point is
 * dropped and only every 2nd, 4th, ... new step is kept, so the curve always spans the run). The
 * run id is the run directory's, so a resumed run (run_start with resumed_from = R) continues the
 * same run, its curves cut back to step R (a fresh start in the directory: back to 0).
 */
#ifndef NASH_MONITOR_FRAME_H
#define NASH_MONITOR_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/schema.h"

#define MONITOR_MAX_RUNS 8
#define MONITOR_SAMPLES_KEPT 32 /* sample pictures remembered per run, for the page's slider */
#define MONITOR_MAX_PUBLISHERS 64
#define MONITOR_HISTORY 200
#define MONITOR_TEXT_MAX 256     /* paths, reasons, warnings are kept up to this many bytes */
#define MONITOR_SERIES_MAX 1024  /* points of the full-run curves (thinned as the run grows) */
#define MONITOR_CONFIG_MAX 16384 /* bytes of the run_start config kept (longer is cut) */

typedef enum { FRAME_ACCEPTED, FRAME_OVERSIZED, FRAME_MALFORMED } FrameVerdict;

typedef enum {
    FRAME_KIND_RUN_START,
    FRAME_KIND_STEP,
    FRAME_KIND_SAMPLES,
    FRAME_KIND_CHECKPOINT,
    FRAME_KIND_EVAL,
    FRAME_KIND_WARNING,
    FRAME_KIND_RUN_END,
    FRAME_KIND_COUNT,
} FrameKind;

/* One accepted message. Strings point into `json`, which frame_message_free releases. */
typedef struct {
    struct cJSON *json;
    FrameKind kind;
    const char *run, *role;
    int rank;
    uint64_t seq, dropped;
    double time;
    int64_t step, batch, resumed_from; /* step: step, samples, checkpoint, eval, run_end */
    MetricsStep m;                     /* step messages (m.step == step) */
    double d_real_gap, d_fake_gap;
    const char *text;                                   /* layout, path, warning text, run_end reason; NULL otherwise */
    const char *status;                                 /* run_end */
    const char *config;                                 /* run_start */
    MetricsRankTime rank_times[METRICS_MAX_RANK_TIMES]; /* step messages with "ranks" */
    int n_rank_times;
} FrameMessage;

/* One curve point per kept step. */
typedef struct {
    double step, loss_d, loss_g, d_real, d_fake, images_per_s;
} MonitorPoint;

typedef struct {
    MonitorPoint points[MONITOR_SERIES_MAX];
    int n;
    int64_t stride, seen; /* keep every stride-th new step; new steps seen so far */
} MonitorSeries;

typedef struct {
    int rank;
    char role[3];
    uint64_t next_seq, lost, dropped;
} MonitorPublisher;

typedef struct {
    char id[METRICS_RUN_MAX + 1];
    uint64_t last_heard; /* MonitorState.clock when the run was last heard from */
    uint64_t messages;
    char layout[64];
    int64_t steps, batch, resumed_from;
    bool have_step;
    MetricsStep last; /* newest step message */
    int last_rank;
    char last_role[3];
    double last_time, d_real_gap, d_fake_gap;
    double rate_time0; /* the first step message heard: for a step rate when batch is unknown */
    int64_t rate_step0;
    float hist_d[MONITOR_HISTORY], hist_g[MONITOR_HISTORY]; /* ring buffers, oldest at hist_head */
    int hist_len, hist_head;
    int64_t samples_step, checkpoint_step;
    int n_sample_history; /* the last MONITOR_SAMPLES_KEPT sample pictures, oldest first */
    int64_t sample_history_step[MONITOR_SAMPLES_KEPT];
    char sample_history[MONITOR_SAMPLES_KEPT][MONITOR_TEXT_MAX];
    char samples[MONITOR_TEXT_MAX], checkpoint[MONITOR_TEXT_MAX], eval[MONITOR_TEXT_MAX], warning[MONITOR_TEXT_MAX];
    bool ended;
    char end_status[16], end_reason[MONITOR_TEXT_MAX];
    int64_t end_step;
    MonitorPublisher pubs[MONITOR_MAX_PUBLISHERS];
    int n_pubs;
    MetricsRankTime rank_times[METRICS_MAX_RANK_TIMES]; /* from the newest step message with them */
    int n_rank_times;
    MonitorSeries series;
    char config[MONITOR_CONFIG_MAX];
} MonitorRun;

typedef struct {
    MonitorRun runs[MONITOR_MAX_RUNS];
    int n_runs;
    uint64_t clock; /* counts accepted messages: the order runs were heard in */
    uint64_t frames, accepted, oversized, malformed;
    uint64_t kinds[FRAME_KIND_COUNT];
    char last_error[128]; /* why the last frame was skipped */
} MonitorState;

void frame_state_init(MonitorState *s);

/* Check one frame of `len` bytes and, when accepted, update its run. With `msg` non-NULL an
 * accepted message is handed back (free it with frame_message_free); otherwise it is released.
 * On a skipped frame `s->last_error` says why. Never fails otherwise: any bytes are fine. */
FrameVerdict frame_handle(MonitorState *s, const void *bytes, size_t len, FrameMessage *msg);
void frame_message_free(FrameMessage *msg);

const char *frame_kind_name(FrameKind kind);

/* Lost messages (seq gaps) and dropped messages (as the publishers report) over a run, and over
 * every run. */
uint64_t monitor_run_lost(const MonitorRun *run);
uint64_t monitor_run_dropped(const MonitorRun *run);
uint64_t monitor_state_lost(const MonitorState *s);
uint64_t monitor_state_dropped(const MonitorState *s);

/* Loss history in time order: out[i] for i < run->hist_len (loss_d when which == 0, else loss_g). */
int monitor_run_history(const MonitorRun *run, int which, float *out);

#endif
