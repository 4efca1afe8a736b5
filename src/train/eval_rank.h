/* eval_rank.h — evaluation on a rank of its own (cluster.eval_ranks = 1). (private to train/)
 *
 * The world's last rank leaves the training world (comm_reserve_eval_ranks) and serves rank 0:
 *   set-up   it builds G from the config, and for images the scorer of score/score.h (the local
 *            classifier, trained and stored on first use, and set A's features: the first
 *            eval.samples images of data.path), for toy mixtures the reference samples; then
 *            it replies with its status, which rank 0 reads at the first evaluation point;
 *   orders   at each evaluation point rank 0 sends the step and G's parameters and buffers
 *            without waiting; the evaluation rank generates eval.samples samples of the fixed
 *            noise stream (as rank 0 would itself, gan_generate_fixed), scores them and replies
 *            with the values of eval.csv's columns;
 *   replies  rank 0 tests for the reply after every step and writes the row (eval.csv, the
 *            progress line, the monitor) when it has come. It waits only when the next
 *            evaluation point, a checkpoint or the end comes first: a checkpoint never leaves
 *            an evaluation of an earlier step unwritten, so a resumed eval.csv has every row.
 * A failure on the evaluation rank comes back as its reply and fails the run on rank 0, naming
 * the rank. train_run opens the link before anything can fail and closes it on every way out,
 * telling the evaluation rank to stop.
 */
#ifndef NASH_TRAIN_EVAL_RANK_H
#define NASH_TRAIN_EVAL_RANK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "comm/comm.h"
#include "core/status.h"
#include "nn/net.h"
#include "publish/publish.h"
#include "train/evaluate.h"
#include "train/options.h"

typedef struct {
    int64_t step;   /* the step scored; 0: the set-up reply */
    int32_t status; /* NashStatus */
    int32_t count;  /* values */
    double values[EVAL_MAX_METRICS];
    char message[NASH_ERROR_MSG_MAX];
} EvalReply;

/* Rank 0's end of the link. */
typedef struct {
    bool on;          /* this is rank 0 of a run with an evaluation rank */
    int to;           /* the evaluation rank (world) */
    bool ready;       /* its set-up reply has come */
    bool pending;     /* a step is being scored */
    int64_t order[2]; /* {step, 1: weights follow; 0: stop} */
    float *weights;   /* G's parameters then buffers, as sent */
    size_t n_weights;
    MPI_Request order_request, weights_request, reply_request;
    EvalReply reply;
    double value_measured; /* the pending step's V(D, G), filled in on rank 0 */
    int64_t waits;         /* evaluation points, checkpoints or ends that had to wait for a reply */
    double waited;         /* seconds waited so */
    double sent_at;        /* when the pending step was sent (clock_monotonic_s) */
    int64_t scored;        /* replies written */
    double latency;        /* their seconds from order to reply, summed */
} EvalLink;

/* Rank 0, first thing in a run: listen for the evaluation rank's set-up reply (nothing when
 * there is none, or on other ranks). Whatever happens next, eval_link_close tells it to stop. */
void eval_link_open(EvalLink *link);
/* Rank 0: write the reply if it has come; with `wait`, wait for a step's scores in flight first
 * (never for the set-up reply, which eval_link_order waits for). NULL or off: nothing. */
NashStatus eval_link_collect(EvalLink *link, Evaluator *ev, const Run *run, MetricsPublisher *pub, bool wait,
                             NashError *err);
/* Rank 0: send G at `step` to be scored (after collecting the previous reply, waiting if need be). */
NashStatus eval_link_order(EvalLink *link, Evaluator *ev, const Run *run, MetricsPublisher *pub, const Net *g,
                           int64_t step, double value_measured, NashError *err);
/* Rank 0, at the end: one line on `out` (if not NULL) saying how long the evaluations took and
 * how long training waited for them. */
void eval_link_report(const EvalLink *link, FILE *out);
/* Rank 0: receive the reply in flight, if any, and tell the evaluation rank to stop; frees the
 * link. */
void eval_link_close(EvalLink *link);

/* The evaluation rank: set up, reply, and score G for rank 0 until it says stop. */
NashStatus eval_rank_serve(const Config *cfg, const TrainOptions *opt, NashError *err);

#endif
