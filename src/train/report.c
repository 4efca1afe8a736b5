/* report.c — what a training run tells the world: the logged step (metrics.csv, progress line,
 * the monitor, with every rank's own time split) and checkpoints, for which the split layout
 * first brings D's state to rank 0 (trainer.h, docs/distributed.md).
 */
#include <string.h>

#include "comm/comm.h"
#include "train/trainer.h"

/* ---- logging -------------------------------------------------------------------------------- */

/* This rank's seconds per step in each phase since the last log, gathered on rank 0 into
 * ranks[] (NULL elsewhere, or past METRICS_MAX_RANK_TIMES ranks: then nothing is gathered). */
static void gather_rank_times(const Trainer *t, double steps, MetricsRankTime *ranks) {
    const Layout *lay = &t->lay;
    if (lay->size > METRICS_MAX_RANK_TIMES) return;
    TimeSplit c = t->clock, p = t->logged;
    double mine[4] = {(c.g_compute - p.g_compute + c.d_compute - p.d_compute) / steps,
                      (c.g_exchange - p.g_exchange + c.d_exchange - p.d_exchange) / steps,
                      (c.g_allreduce - p.g_allreduce + c.d_allreduce - p.d_allreduce) / steps,
                      (c.d_data - p.d_data) / steps};
    double all[4 * METRICS_MAX_RANK_TIMES];
    comm_gather_to_root(mine, 4, all);
    if (lay->rank != 0) return;
    for (int r = 0; r < lay->size; r++) {
        const char *role = !lay->split ? "GD" : r < lay->g_ranks ? "G" : "D";
        ranks[r] = (MetricsRankTime){.rank = r,
                                     .compute = all[4 * r],
                                     .exchange = all[4 * r + 1],
                                     .allreduce = all[4 * r + 2],
                                     .data = all[4 * r + 3]};
        memcpy(ranks[r].role, role, strlen(role) + 1);
    }
}

/* What each rank adds to the logged step; rank 0 receives the sums. Each field is added only by
 * the ranks that hold it, so the sum is its value: the D ranks their shares of the batch means
 * (losses, D outputs) and of their group's time per step, the first D rank D's gradient norm and
 * the epoch, the G ranks their shares of G's time, the first G rank G's gradient norm
 * (docs/distributed.md). Summed as one array of doubles. */
typedef struct {
    StepStats stats;
    TimeSplit time;
    double epoch;
} LoggedSums;
_Static_assert(sizeof(LoggedSums) == 18 * sizeof(double), "LoggedSums is summed as an array of doubles");

NashStatus trainer_log_step(Trainer *t, int64_t step, NashError *err) {
    Layout *lay = &t->lay;
    const StepStats *s = &t->stats;
    double steps = (double)(step - t->steps_logged);
    TimeSplit c = t->clock, p = t->logged;
    LoggedSums sum = {0};
    if (lay->has_d) {
        sum.stats = (StepStats){.loss_d = s->loss_d,
                                .loss_g = s->loss_g,
                                .d_real = s->d_real,
                                .d_fake = s->d_fake,
                                .raw_real = s->raw_real,
                                .raw_fake = s->raw_fake,
                                .penalty = s->penalty,
                                .input_grad_norm = s->input_grad_norm};
        sum.time.d_compute = (c.d_compute - p.d_compute) / steps / lay->d_ranks;
        sum.time.d_exchange = (c.d_exchange - p.d_exchange) / steps / lay->d_ranks;
        sum.time.d_allreduce = (c.d_allreduce - p.d_allreduce) / steps / lay->d_ranks;
        sum.time.d_data = (c.d_data - p.d_data) / steps / lay->d_ranks;
    }
    if (lay->d_index == 0) {
        StreamStats ss;
        stream_stats(t->stream, &ss);
        sum.stats.grad_norm_d = s->grad_norm_d;
        sum.epoch = (double)ss.epoch;
    }
    if (lay->has_g) {
        sum.time.g_compute = (c.g_compute - p.g_compute) / steps / lay->g_ranks;
        sum.time.g_exchange = (c.g_exchange - p.g_exchange) / steps / lay->g_ranks;
        sum.time.g_allreduce = (c.g_allreduce - p.g_allreduce) / steps / lay->g_ranks;
    }
    if (lay->g_index == 0) sum.stats.grad_norm_g = s->grad_norm_g;
    comm_sum_to_root((double *)&sum, (int)(sizeof sum / sizeof(double)));
    MetricsRankTime ranks[METRICS_MAX_RANK_TIMES];
    gather_rank_times(t, steps, ranks);
    t->logged = t->clock;
    t->steps_logged = step;
    if (lay->rank != 0) return NASH_OK;
    const TimeSplit time = sum.time;
    NashStatus st = run_log(&t->run, step, (int64_t)sum.epoch, &sum.stats, &time, err);
    MetricsStep m = {.step = step,
                     .epoch = (int64_t)sum.epoch,
                     .steps = t->cfg->train.steps,
                     .loss_d = sum.stats.loss_d,
                     .loss_g = sum.stats.loss_g,
                     .d_real = sum.stats.d_real,
                     .d_fake = sum.stats.d_fake,
                     .grad_norm_d = sum.stats.grad_norm_d,
                     .grad_norm_g = sum.stats.grad_norm_g,
                     .images_per_s = t->run.images_per_s,
                     .g_compute = time.g_compute,
                     .g_exchange = time.g_exchange,
                     .g_allreduce = time.g_allreduce,
                     .d_compute = time.d_compute,
                     .d_exchange = time.d_exchange,
                     .d_allreduce = time.d_allreduce,
                     .d_data = time.d_data,
                     .ranks = lay->size <= METRICS_MAX_RANK_TIMES ? ranks : NULL,
                     .n_ranks = lay->size};
    metrics_step(t->pub, &m);
    return st;
}

/* Split layout: the first discriminator rank sends D's parameters, buffers and optimizer state
 * to rank 0, which writes checkpoints and weights. */
void trainer_gather_discriminator(Trainer *t) {
    Layout *lay = &t->lay;
    if (!lay->split) return;
    Net *d = &t->gan.d;
    Optimizer *o = &t->gan.opt_d;
    if (lay->d_index == 0) {
        comm_send_floats(d->params, d->param_floats, 0, COMM_TAG_D_PARAMS);
        comm_send_floats(d->buffers, d->buffer_floats, 0, COMM_TAG_D_BUFFERS);
        if (o->m) comm_send_floats(o->m, o->n, 0, COMM_TAG_D_MOMENT_M);
        if (o->v) comm_send_floats(o->v, o->n, 0, COMM_TAG_D_MOMENT_V);
        comm_send_int64(&o->t, 0, COMM_TAG_D_STEPS);
    } else if (lay->rank == 0) {
        int from = lay->g_ranks;
        comm_recv_floats(d->params, d->param_floats, from, COMM_TAG_D_PARAMS);
        comm_recv_floats(d->buffers, d->buffer_floats, from, COMM_TAG_D_BUFFERS);
        if (o->m) comm_recv_floats(o->m, o->n, from, COMM_TAG_D_MOMENT_M);
        if (o->v) comm_recv_floats(o->v, o->n, from, COMM_TAG_D_MOMENT_V);
        comm_recv_int64(&o->t, from, COMM_TAG_D_STEPS);
    }
}

/* A checkpoint of the state after `step` (every rank calls; rank 0 writes). */
NashStatus trainer_save_checkpoint(Trainer *t, int64_t step, char *path, size_t size, NashError *err) {
    trainer_gather_discriminator(t);
    if (t->lay.rank != 0) return NASH_OK;
    /* every evaluation of a step up to this one is in eval.csv before the checkpoint exists */
    NashStatus st = eval_link_collect(t->eval_link, &t->eval, &t->run, t->pub, true, err);
    if (st) return st;
    char layout[64];
    layout_describe(&t->lay, layout, sizeof layout);
    return run_checkpoint(&t->run, &t->gan, step, step * t->batches_per_step, layout, t->lay.size, path, size, err);
}
