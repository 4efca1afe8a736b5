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

/* Every rank contributes what it holds; rank 0 logs the sums (docs/distributed.md). */
NashStatus trainer_log_step(Trainer *t, int64_t step, NashError *err) {
    Layout *lay = &t->lay;
    const StepStats *s = &t->stats;
    double steps = (double)(step - t->steps_logged);
    TimeSplit c = t->clock, p = t->logged;
    double v[16] = {0};
    if (lay->has_d) {
        v[0] = s->loss_d;
        v[1] = s->loss_g;
        v[2] = s->d_real;
        v[3] = s->d_fake;
        v[4] = s->raw_real;
        v[5] = s->raw_fake;
        v[7] = (c.d_compute - p.d_compute) / steps / lay->d_ranks;
        v[8] = (c.d_exchange - p.d_exchange) / steps / lay->d_ranks;
        v[9] = (c.d_allreduce - p.d_allreduce) / steps / lay->d_ranks;
        v[10] = (c.d_data - p.d_data) / steps / lay->d_ranks;
    }
    if (lay->d_index == 0) {
        StreamStats ss;
        stream_stats(t->stream, &ss);
        v[6] = s->grad_norm_d;
        v[11] = (double)ss.epoch;
    }
    if (lay->has_g) {
        v[12] = (c.g_compute - p.g_compute) / steps / lay->g_ranks;
        v[13] = (c.g_exchange - p.g_exchange) / steps / lay->g_ranks;
        v[14] = (c.g_allreduce - p.g_allreduce) / steps / lay->g_ranks;
    }
    if (lay->g_index == 0) v[15] = s->grad_norm_g;
    comm_sum_to_root(v, 16);
    MetricsRankTime ranks[METRICS_MAX_RANK_TIMES];
    gather_rank_times(t, steps, ranks);
    t->logged = t->clock;
    t->steps_logged = step;
    if (lay->rank != 0) return NASH_OK;
    StepStats sum = {.loss_d = v[0],
                     .loss_g = v[1],
                     .d_real = v[2],
                     .d_fake = v[3],
                     .raw_real = v[4],
                     .raw_fake = v[5],
                     .grad_norm_d = v[6],
                     .grad_norm_g = v[15]};
    TimeSplit time = {.d_compute = v[7],
                      .d_exchange = v[8],
                      .d_allreduce = v[9],
                      .d_data = v[10],
                      .g_compute = v[12],
                      .g_exchange = v[13],
                      .g_allreduce = v[14]};
    NashStatus st = run_log(&t->run, step, (int64_t)v[11], &sum, &time, err);
    MetricsStep m = {.step = step,
                     .epoch = (int64_t)v[11],
                     .steps = t->cfg->train.steps,
                     .loss_d = sum.loss_d,
                     .loss_g = sum.loss_g,
                     .d_real = sum.d_real,
                     .d_fake = sum.d_fake,
                     .grad_norm_d = sum.grad_norm_d,
                     .grad_norm_g = sum.grad_norm_g,
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
    char layout[64];
    layout_describe(&t->lay, layout, sizeof layout);
    return run_checkpoint(&t->run, &t->gan, step, step * t->batches_per_step, layout, t->lay.size, path, size, err);
}
