/* report.c — what a training run tells the world: the logged step (metrics.csv, progress line,
 * the monitor, with every rank's own time split) and checkpoints, for which every D rank 0 does
 * not hold first comes to rank 0 (trainer.h, docs/distributed.md).
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
        sum.stats = (StepStats){.loss_d = trainer_d_share(t, s->loss_d),
                                .loss_g = s->loss_g,
                                .d_real = trainer_d_share(t, s->d_real),
                                .d_fake = trainer_d_share(t, s->d_fake),
                                .raw_real = trainer_d_share(t, s->raw_real),
                                .raw_fake = trainer_d_share(t, s->raw_fake),
                                .penalty = trainer_d_share(t, s->penalty),
                                .input_grad_norm = trainer_d_share(t, s->input_grad_norm)};
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

double trainer_d_share(const Trainer *t, double value) { return value / t->lay.d_groups; }

/* ---- the discriminators' state on rank 0 ---------------------------------------------------- */

/* Where a discriminator's state is, or goes: a D and its optimizer, or a copy. */
typedef struct {
    float *params, *buffers, *m, *v;
    int64_t *steps;
} DiscriminatorState;

static DiscriminatorState own_state(Trainer *t) {
    Optimizer *o = &t->gan.opt_d;
    return (DiscriminatorState){t->gan.d.params, t->gan.d.buffers, o->m, o->v, &o->t};
}

static void send_state(const Trainer *t, DiscriminatorState s, int to) {
    const Net *d = &t->gan.d;
    const Optimizer *o = &t->gan.opt_d;
    comm_send_floats(s.params, d->param_floats, to, COMM_TAG_D_PARAMS);
    comm_send_floats(s.buffers, d->buffer_floats, to, COMM_TAG_D_BUFFERS);
    if (o->m) comm_send_floats(s.m, o->n, to, COMM_TAG_D_MOMENT_M);
    if (o->v) comm_send_floats(s.v, o->n, to, COMM_TAG_D_MOMENT_V);
    comm_send_int64(s.steps, to, COMM_TAG_D_STEPS);
}

static void recv_state(const Trainer *t, DiscriminatorState s, int from) {
    const Net *d = &t->gan.d;
    const Optimizer *o = &t->gan.opt_d;
    comm_recv_floats(s.params, d->param_floats, from, COMM_TAG_D_PARAMS);
    comm_recv_floats(s.buffers, d->buffer_floats, from, COMM_TAG_D_BUFFERS);
    if (o->m) comm_recv_floats(s.m, o->n, from, COMM_TAG_D_MOMENT_M);
    if (o->v) comm_recv_floats(s.v, o->n, from, COMM_TAG_D_MOMENT_V);
    comm_recv_int64(s.steps, from, COMM_TAG_D_STEPS);
}

void trainer_gather_discriminator(Trainer *t) {
    Layout *lay = &t->lay;
    for (int k = 0; k < lay->d_groups; k++) {
        int leader = k * lay->group_size, from = layout_d_world_rank(lay, leader);
        if (from == 0) continue; /* rank 0 holds group 0's D itself (colocated) */
        if (lay->d_index == leader) {
            send_state(t, own_state(t), 0);
        } else if (lay->rank == 0) {
            DiscriminatorCopy *c = k ? &t->d_copies[k - 1] : NULL;
            recv_state(t, c ? (DiscriminatorState){c->params, c->buffers, c->m, c->v, &c->steps} : own_state(t), from);
        }
    }
}

/* rank 0 with discriminator groups: the other groups' Ds as checkpoint players after the first */
static int copy_players(const Trainer *t, CheckpointPlayer *players) {
    const Gan *gan = &t->gan;
    int n = 0;
    for (int k = 1; t->d_copies && k < t->lay.d_groups; k++, n++) {
        const DiscriminatorCopy *c = &t->d_copies[k - 1];
        players[n] = (CheckpointPlayer){.group = c->name,
                                        .net = &gan->d,
                                        .layers = gan->d_layers,
                                        .params = c->params,
                                        .buffers = c->buffers,
                                        .opt_kind = optim_kind_name(gan->opt_d.kind),
                                        .moment1 = c->m,
                                        .moment2 = c->v,
                                        .opt_steps = c->steps};
    }
    return n;
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
    CheckpointPlayer extra[64];
    int n_extra = copy_players(t, extra);
    return run_checkpoint(&t->run, &t->gan, extra, n_extra, step, step * t->batches_per_step, layout, t->lay.size, path,
                          size, err);
}
