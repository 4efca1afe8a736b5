/* step.c — one training step of each schedule, on the ranks of any layout (see train.h and
 * docs/distributed.md); train.c sets the run up and loops over the steps.
 *
 * Alternating schedule (exactly the single-process computation, up to float reduction order):
 *   D step k:  G ranks make fakes of (step, k) for their positions -> D ranks;
 *              D ranks: real part, fakes, D loss gradients; allreduce over D; update
 *   G step:    G ranks make fakes of (step, G) -> D ranks: G loss, backward to the input only;
 *              input gradients -> G ranks: backward; allreduce over G; update
 * Simultaneous schedule (n_critic = 1): one set of fakes per step; D computes its own gradient
 * and the G loss's input gradient from the same forward pass, so both players step from the
 * same point and G's backward overlaps D's allreduce and update.
 * Pipelined schedule: D's side is the alternating one, on fakes made a step ahead. In step s the
 * G ranks make the fakes of step s+1 (gan_fakes with the newest parameters) while the D ranks
 * train on those of step s; then G takes D's input gradients for step s's fakes and backpropagates
 * them through the twin generator that made them (gan.h, gan_pipeline_swap).
 * Discriminator groups (MD-GAN, layout.h): each group's D judges its own positions of the batch
 * and its own shard's reals, its losses averaged over its group's batch (d_norm) and its
 * gradients summed over its group; the G loss stays the mean over the whole batch (norm), so G
 * learns from the mean of the groups' feedback. Every swap_every steps the Ds move on a group.
 */
#include <string.h>

#include "comm/comm.h"
#include "comm/exchange.h"
#include "comm/layout.h"
#include "comm/reduce.h"
#include "data/stream.h"
#include "train/trainer.h"

/* The next real batch and, for a conditional GAN, its classes (*labels; NULL otherwise). */
static NashStatus next_real(Trainer *t, const float **real, const int32_t **labels, NashError *err) {
    double t0 = comm_wtime();
    const int64_t *index = NULL;
    NashStatus st = stream_next(t->stream, real, &index, err);
    *labels = NULL;
    if (!st && t->labels) {
        for (int i = 0; i < t->lay.d_count; i++) t->real_labels[i] = t->labels[index[i]];
        *labels = t->real_labels;
    }
    t->clock.d_data += comm_wtime() - t0;
    return st;
}

/* An exchange's seconds since t0, to the waiting group's clock. */
static void charge_exchange(Trainer *t, double t0) {
    if (t->lay.has_g)
        t->clock.g_exchange += comm_wtime() - t0;
    else
        t->clock.d_exchange += comm_wtime() - t0;
}

/* Fakes of (step, phase) where D needs them: returns D's view of its fakes (d_slice rows), and
 * for a conditional GAN their classes in *labels (NULL otherwise), sent with them when split. */
static const float *fakes_to_d(Trainer *t, uint64_t step, unsigned phase, int tag, const int32_t **labels) {
    Layout *lay = &t->lay;
    const float *fakes = NULL;
    *labels = t->gan.classes ? t->gan.fake_labels : NULL;
    if (lay->has_g) {
        double t0 = comm_wtime();
        fakes = gan_fakes(&t->gan, step, phase, lay->g_first, lay->g_count);
        t->clock.g_compute += comm_wtime() - t0;
    }
    if (!lay->split) return fakes;
    double t0 = comm_wtime();
    if (lay->has_g) memcpy(t->rows, fakes, (size_t)lay->g_count * t->width * sizeof(float));
    exchange_to_d(lay, t->rows, t->width, tag);
    if (t->gan.classes) {
        /* classes < 2^24 are exact as floats */
        if (lay->has_g)
            for (int i = 0; i < lay->g_count; i++) t->label_rows[i] = (float)t->gan.fake_labels[i];
        exchange_to_d(lay, t->label_rows, 1, tag - COMM_TAG_FAKES + COMM_TAG_LABELS);
        if (lay->has_d)
            for (int i = 0; i < lay->d_count; i++) t->fake_labels[i] = (int32_t)t->label_rows[i];
        *labels = t->fake_labels;
    }
    charge_exchange(t, t0);
    return t->rows;
}

static DropoutKey d_key(const Trainer *t, uint64_t step, unsigned phase) {
    return (DropoutKey){.step = noise_stream(step, phase), .sample_base = (uint64_t)t->lay.d_first};
}

static void d_update(Trainer *t) {
    double t0 = comm_wtime();
    reduce_sum_floats(t->gan.d.grads, t->gan.d.param_floats, t->lay.d_comm);
    double t1 = comm_wtime();
    gan_d_update(&t->gan, &t->stats);
    t->clock.d_allreduce += t1 - t0;
    t->clock.d_compute += comm_wtime() - t1;
}

/* G's input gradients, already in gan.dfake (colocated) or arriving from D (split). */
static void g_backward_update(Trainer *t, const float *dfake) {
    Layout *lay = &t->lay;
    double t0 = comm_wtime();
    gan_g_backward(&t->gan, dfake, lay->g_count);
    double t1 = comm_wtime();
    reduce_sum_floats(t->gan.g.grads, t->gan.g.param_floats, lay->g_comm);
    double t2 = comm_wtime();
    gan_g_update(&t->gan, &t->stats);
    t->clock.g_compute += (t1 - t0) + (comm_wtime() - t2);
    t->clock.g_allreduce += t2 - t1;
}

/* Input gradients from D back to G (split), returning G's view of them. */
static const float *grads_to_g(Trainer *t, const float *dfake) {
    Layout *lay = &t->lay;
    if (!lay->split) return dfake;
    double t0 = comm_wtime();
    if (lay->has_d) memcpy(t->rows, dfake, (size_t)lay->d_count * t->width * sizeof(float));
    exchange_to_g(lay, t->rows, t->width, COMM_TAG_GRADS);
    charge_exchange(t, t0);
    return t->rows;
}

/* A step's penalty readout starts at 0: a step without a penalised D step logs 0. */
static void clear_penalty(Trainer *t) { t->stats.penalty = t->stats.input_grad_norm = 0.0; }

/* D ranks: judge the next real batch and these fakes for D step k of `step` (with its key): D's
 * gradients of the loss and, when due, the penalty; the update is the caller's. */
static NashStatus d_judge(Trainer *t, uint64_t step, unsigned k, DropoutKey key, const float *fakes,
                          const int32_t *fake_labels, NashError *err) {
    Layout *lay = &t->lay;
    const float *real;
    const int32_t *real_labels;
    NashStatus st = next_real(t, &real, &real_labels, err);
    if (st) return st;
    double t0 = comm_wtime();
    gan_d_zero(&t->gan);
    gan_d_real(&t->gan, real, real_labels, lay->d_count, t->d_norm, key, &t->stats);
    gan_d_fake(&t->gan, fakes, fake_labels, lay->d_count, t->d_norm, key, &t->stats);
    if (gan_penalty_due(&t->gan, step, k))
        gan_d_penalty(&t->gan, real, fakes, real_labels, lay->d_count, t->d_norm, key, &t->stats);
    t->clock.d_compute += comm_wtime() - t0;
    return NASH_OK;
}

/* D step k of `step` on these fakes (D ranks), updated. */
static NashStatus d_step(Trainer *t, uint64_t step, unsigned k, const float *fakes, const int32_t *fake_labels,
                         NashError *err) {
    NashStatus st = d_judge(t, step, k, d_key(t, step, k), fakes, fake_labels, err);
    if (!st) d_update(t);
    return st;
}

/* The G loss's input gradient for the G step's fakes, into gan.dfake (D ranks). */
static void d_input_grad(Trainer *t, uint64_t step, const float *fakes, const int32_t *fake_labels) {
    double t0 = comm_wtime();
    gan_g_input_grad(&t->gan, fakes, fake_labels, t->lay.d_count, t->norm, d_key(t, step, NOISE_PHASE_GENERATOR),
                     t->gan.dfake, &t->stats);
    t->clock.d_compute += comm_wtime() - t0;
}

static NashStatus step_alternating(Trainer *t, uint64_t step, NashError *err) {
    Layout *lay = &t->lay;
    const int32_t *fake_labels;
    clear_penalty(t);
    for (int k = 0; k < t->cfg->train.n_critic; k++) {
        const float *fakes = fakes_to_d(t, step, (unsigned)k, COMM_TAG_FAKES + k, &fake_labels);
        NashStatus st = lay->has_d ? d_step(t, step, (unsigned)k, fakes, fake_labels, err) : NASH_OK;
        if (st) return st;
    }
    const float *fakes = fakes_to_d(t, step, NOISE_PHASE_GENERATOR, COMM_TAG_FAKES_G, &fake_labels);
    if (lay->has_d) d_input_grad(t, step, fakes, fake_labels);
    const float *dfake = grads_to_g(t, t->gan.dfake);
    if (lay->has_g) g_backward_update(t, dfake);
    return NASH_OK;
}

/* ---- the pipelined schedule ----------------------------------------------------------------- */

/* t->pipe holds a step's fakes by phase, D steps 0 .. n_critic-1 then the G step's (index
 * n_critic), each in rows of the largest slice: a G rank's own positions, or a D rank's. */
static float *pipe_rows(const Trainer *t, int k) { return t->pipe + (size_t)k * t->lay.max_slice * t->width; }

static unsigned pipe_phase(const Trainer *t, int k) {
    return k < t->cfg->train.n_critic ? (unsigned)k : NOISE_PHASE_GENERATOR;
}

static int pipe_tag(const Trainer *t, int k) {
    return k < t->cfg->train.n_critic ? COMM_TAG_FAKES + k : COMM_TAG_FAKES_G;
}

/* G ranks: every fake of `step`, with G as it is now; the G step's last, so that its
 * activations are the ones G keeps. */
static void pipe_make(Trainer *t, uint64_t step) {
    Layout *lay = &t->lay;
    if (!lay->has_g) return;
    double t0 = comm_wtime();
    gan_pipeline_mark(&t->gan);
    for (int k = 0; k <= t->cfg->train.n_critic; k++) {
        const float *fakes = gan_fakes(&t->gan, step, pipe_phase(t, k), lay->g_first, lay->g_count);
        memcpy(pipe_rows(t, k), fakes, (size_t)lay->g_count * t->width * sizeof(float));
        float *labels = t->pipe_labels + (size_t)k * lay->max_slice;
        for (int i = 0; t->gan.classes && i < lay->g_count; i++) labels[i] = (float)t->gan.fake_labels[i];
    }
    t->clock.g_compute += comm_wtime() - t0;
}

/* The pipe from the G ranks to the D ranks (split; in one layout's rank the rows are already D's). */
static void pipe_ship(Trainer *t) {
    Layout *lay = &t->lay;
    if (!lay->split) return;
    double t0 = comm_wtime();
    for (int k = 0; k <= t->cfg->train.n_critic; k++) {
        exchange_to_d(lay, pipe_rows(t, k), t->width, pipe_tag(t, k));
        if (t->gan.classes)
            exchange_to_d(lay, t->pipe_labels + (size_t)k * lay->max_slice, 1,
                          pipe_tag(t, k) - COMM_TAG_FAKES + COMM_TAG_LABELS);
    }
    charge_exchange(t, t0);
}

/* D ranks: phase k's fakes from the pipe, and their classes (NULL for an unconditional GAN). */
static const float *pipe_fakes(Trainer *t, int k, const int32_t **labels) {
    *labels = NULL;
    if (t->gan.classes) {
        const float *rows = t->pipe_labels + (size_t)k * t->lay.max_slice;
        for (int i = 0; i < t->lay.d_count; i++) t->fake_labels[i] = (int32_t)rows[i];
        *labels = t->fake_labels;
    }
    return pipe_rows(t, k);
}

/* The first step's fakes, before D can start: made on the twin (with the resumed parameters that
 * made them, or the initial ones), whose buffers G then takes (gan.h). */
static void pipe_fill(Trainer *t, uint64_t step) {
    if (t->lay.has_g) gan_pipeline_swap(&t->gan);
    pipe_make(t, step);
    if (t->lay.has_g) {
        gan_pipeline_swap(&t->gan);
        gan_pipeline_adopt_buffers(&t->gan);
    }
    pipe_ship(t);
}

static NashStatus step_pipelined(Trainer *t, uint64_t step, NashError *err) {
    Layout *lay = &t->lay;
    const int32_t *fake_labels;
    clear_penalty(t);
    if ((int64_t)step == t->first_step) pipe_fill(t, step);
    for (int k = 0; lay->has_d && k <= t->cfg->train.n_critic; k++) {
        const float *fakes = pipe_fakes(t, k, &fake_labels);
        if (k == t->cfg->train.n_critic) {
            d_input_grad(t, step, fakes, fake_labels);
            break;
        }
        NashStatus st = d_step(t, step, (unsigned)k, fakes, fake_labels, err);
        if (st) return st;
    }
    /* split: the G ranks make the next step's fakes while the D ranks ran the loop above */
    bool more = (int64_t)step < t->cfg->train.steps;
    if (more)
        pipe_make(t, step + 1);
    else if (lay->has_g) /* the last step: no fakes to make, but a checkpoint resumed to more steps makes them */
        gan_pipeline_mark(&t->gan);
    const float *dfake = grads_to_g(t, t->gan.dfake);
    if (more) pipe_ship(t);
    if (lay->has_g) {
        gan_pipeline_swap(&t->gan);
        g_backward_update(t, dfake);
    }
    return NASH_OK;
}

static NashStatus step_simultaneous(Trainer *t, uint64_t step, NashError *err) {
    Layout *lay = &t->lay;
    const int32_t *fake_labels;
    clear_penalty(t);
    const float *fakes = fakes_to_d(t, step, NOISE_PHASE_GENERATOR, COMM_TAG_FAKES, &fake_labels);
    if (lay->has_d) {
        /* the step's only D step (penalty phase 0), keyed as its G step */
        NashStatus st = d_judge(t, step, 0, d_key(t, step, NOISE_PHASE_GENERATOR), fakes, fake_labels, err);
        if (st) return st;
        /* the G loss's input gradient at the same D parameters, from the same fakes */
        d_input_grad(t, step, fakes, fake_labels);
    }
    if (lay->split) {
        /* D sends G its gradients first, then updates while G runs its backward */
        const float *dfake = grads_to_g(t, t->gan.dfake);
        if (lay->has_d) d_update(t);
        if (lay->has_g) g_backward_update(t, dfake);
    } else {
        d_update(t);
        g_backward_update(t, t->gan.dfake);
    }
    return NASH_OK;
}

/* ---- discriminator groups ------------------------------------------------------------------- */

void trainer_swap_discriminators(Trainer *t, int64_t step) {
    Layout *lay = &t->lay;
    if (lay->d_groups == 1 || !lay->has_d || t->swap_every <= 0 || step % t->swap_every != 0) return;
    double t0 = comm_wtime();
    /* rank i of group k sends to rank i of group k+1 and receives from rank i of group k-1 */
    int d = lay->d_ranks, m = lay->group_size;
    int to = layout_d_world_rank(lay, (lay->d_index + m) % d),
        from = layout_d_world_rank(lay, (lay->d_index - m + d) % d);
    Net *net = &t->gan.d;
    Optimizer *o = &t->gan.opt_d;
    comm_shift_floats(net->params, net->param_floats, to, from, COMM_TAG_D_SWAP);
    comm_shift_floats(net->buffers, net->buffer_floats, to, from, COMM_TAG_D_SWAP);
    if (o->m) comm_shift_floats(o->m, o->n, to, from, COMM_TAG_D_SWAP);
    if (o->v) comm_shift_floats(o->v, o->n, to, from, COMM_TAG_D_SWAP);
    /* the optimizer's non-finite flag goes with what it flagged, so that the divergence guard
     * (guard.c) of the rank that now holds this D names the bad tensor */
    float flag = o->nonfinite ? 1.0f : 0.0f;
    comm_shift_floats(&flag, 1, to, from, COMM_TAG_D_SWAP);
    o->nonfinite = flag != 0.0f;
    t->clock.d_allreduce += comm_wtime() - t0;
}

NashStatus trainer_step(Trainer *t, int64_t step, NashError *err) {
    NashStatus st = t->simultaneous ? step_simultaneous(t, (uint64_t)step, err)
                    : t->pipelined  ? step_pipelined(t, (uint64_t)step, err)
                                    : step_alternating(t, (uint64_t)step, err);
    if (!st) trainer_swap_discriminators(t, step);
    return st;
}
