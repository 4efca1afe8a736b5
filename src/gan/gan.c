/* gan.c — both players and the single-process training step (see gan.h). */
#include "gan/gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Join a config's layer lines into text, one per line. */
static char *join_layers(const NetConfig *nc) {
    size_t size = 1;
    for (int i = 0; i < nc->n_layers; i++) size += strlen(nc->layers[i]) + 1;
    char *text = malloc(size);
    if (!text) return NULL;
    text[0] = '\0';
    for (int i = 0; i < nc->n_layers; i++) {
        strcat(text, nc->layers[i]);
        strcat(text, "\n");
    }
    return text;
}

/* Build one net, pointing errors at the config: "CONFIG:LINE: [generator] layer 3 ...". */
static NashStatus build_net(Net *net, const Config *cfg, const char *section, const NetConfig *nc, Shape in, int batch,
                            char **layers, NashError *err) {
    *layers = join_layers(nc);
    if (!*layers) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the %s's layer text", section);
    NashStatus st = net_init(net, in, nc->specs, nc->n_layers, batch, err);
    if (st) return nash_fail_context(err, "%s: [%s]: ", cfg->source, section);
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        /* training-mode batch norm needs more than one value per channel (PyTorch refuses too) */
        if (l->spec.kind == LAYER_BATCHNORM && (int64_t)batch * l->u.bn.s < 2)
            return nash_fail(err, NASH_ERR_CONFIG,
                             "%s:%d: [%s] layer = %s: batch norm over one value per channel; use train.batch >= 2",
                             cfg->source, nc->layer_lines[i], section, nc->layers[i]);
    }
    /* G and D draw their initial parameters from different seeds of the run */
    net_init_params(net, nc->init, cfg->train.seed * 2 + (section[0] == 'd'));
    return NASH_OK;
}

void gan_init_discriminator_group(Gan *gan, const Config *cfg, int group) {
    if (group > 0)
        net_init_params(&gan->d, cfg->discriminator.net.init, cfg->train.seed * 2 + 1 + ((uint64_t)group << 48));
}

/* The pipelined schedule's second generator, starting as G: the same parameters and buffers. */
static NashStatus init_twin(Gan *gan, const Config *cfg, Shape z_shape, int batch, NashError *err) {
    char *layers = NULL;
    NashStatus st = build_net(&gan->g_twin, cfg, "generator", &cfg->generator.net, z_shape, batch, &layers, err);
    free(layers);
    if (st) return st;
    gan->pipelined = true;
    memcpy(gan->g_twin.params, gan->g.params, gan->g.param_floats * sizeof(float));
    memcpy(gan->g_twin.buffers, gan->g.buffers, gan->g.buffer_floats * sizeof(float));
    /* the twin never runs at the same time as G or D either: it passes its gradients in the room
     * they share (G's, unless G's was too small for D's and G uses D's) */
    const unsigned char *scratch = (const unsigned char *)gan->g.scratch, *own = gan->g.work_arena.base;
    bool g_in_own = scratch >= own && scratch < own + gan->g.work_arena.bytes;
    net_share_passing(&gan->g_twin, g_in_own ? &gan->g : &gan->d);
    gan->z_twin = nash_alloc_zeroed((size_t)batch * gan->latent * sizeof(float));
    gan->labels_twin = nash_alloc_zeroed((size_t)batch * sizeof(int32_t));
    gan->lag_buffers = nash_alloc_zeroed((gan->g.buffer_floats + 1) * sizeof(float));
    if (!gan->z_twin || !gan->labels_twin || !gan->lag_buffers)
        return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the pipelined generator's buffers for batch %d", batch);
    memcpy(gan->lag_buffers, gan->g.buffers, gan->g.buffer_floats * sizeof(float));
    return NASH_OK;
}

NashStatus gan_init(Gan *gan, const Config *cfg, Shape sample, int batch, bool has_g, bool has_d, NashError *err) {
    memset(gan, 0, sizeof *gan);
    NashStatus st;
    gan->loss = cfg->loss.kind;
    gan->noise = cfg->generator.noise;
    gan->has_g = has_g;
    gan->has_d = has_d;
    gan->sample = sample;
    int z_steps = cfg->generator.latent_steps;
    if ((int64_t)cfg->generator.latent * z_steps > (1 << 24))
        return nash_fail(err, NASH_ERR_CONFIG,
                         "%s: [generator] latent = %d times latent_steps = %d is more than 2^24 values of z per sample",
                         cfg->source, cfg->generator.latent, z_steps);
    gan->latent = cfg->generator.latent * (z_steps > 0 ? z_steps : 1);
    Shape z_shape = z_steps > 0 ? shape_2d(z_steps, cfg->generator.latent) : shape_1d(cfg->generator.latent);
    gan->clip = cfg->loss.clip;
    gan->penalty = cfg->loss.penalty;
    gan->penalty_weight = cfg->loss.penalty_weight;
    gan->penalty_every = cfg->loss.penalty_every;
    gan->n_critic = cfg->train.n_critic;
    gan->batch = batch;
    gan->seed = cfg->train.seed;
    gan->ema_decay = cfg->train.ema;
    if ((st = build_net(&gan->d, cfg, "discriminator", &cfg->discriminator.net, sample, batch, &gan->d_layers, err)) ||
        (st = build_net(&gan->g, cfg, "generator", &cfg->generator.net, z_shape, batch, &gan->g_layers, err)))
        goto fail;
    if (!shape_equal(gan->g.out, sample)) {
        char a[64], b[64];
        st = nash_fail(err, NASH_ERR_CONFIG,
                       "%s: [generator] produces samples of shape %s but the data (and the discriminator's input) "
                       "are %s; change the generator's last layers",
                       cfg->source, shape_format(gan->g.out, a, sizeof a), shape_format(sample, b, sizeof b));
        goto fail;
    }
    if (shape_numel(gan->d.out) != 1) {
        char a[64];
        st = nash_fail(err, NASH_ERR_CONFIG, "%s: [discriminator] must output one value per sample, not %s",
                       cfg->source, shape_format(gan->d.out, a, sizeof a));
        goto fail;
    }
    if (gan->g.classes && gan->d.classes && gan->g.classes != gan->d.classes) {
        st = nash_fail(err, NASH_ERR_CONFIG,
                       "%s: the generator's conditional layers have classes=%d, the "
                       "discriminator's classes=%d; give both the same",
                       cfg->source, gan->g.classes, gan->d.classes);
        goto fail;
    }
    gan->classes = gan->g.classes ? gan->g.classes : gan->d.classes;
    if (gan->penalty != PENALTY_NONE && (st = net_enable_double_backward(&gan->d, err))) {
        nash_fail_context(err, "%s: [discriminator] with [loss] penalty = %s: ", cfg->source,
                          config_penalty_words[gan->penalty]);
        goto fail;
    }
    /* both were built to check the shapes; keep only the players this process holds */
    if (!has_g) net_free(&gan->g);
    if (!has_d) net_free(&gan->d);
    /* G and D take turns within a process: one room for the gradients passed down either
     * (7.4 MB less for the reference DCGAN at a batch of 64). */
    if (has_g && has_d && !net_share_passing(&gan->d, &gan->g)) net_share_passing(&gan->g, &gan->d);
    if ((has_g && (st = optim_init(&gan->opt_g, &cfg->optim_g, gan->g.param_floats, err))) ||
        (has_d && (st = optim_init(&gan->opt_d, &cfg->optim_d, gan->d.param_floats, err))))
        goto fail;
    /* SNGAN's linear decay runs over the training steps; D updates n_critic times a step */
    if (has_g) optim_set_decay(&gan->opt_g, cfg->train.steps, 1);
    if (has_d) optim_set_decay(&gan->opt_d, cfg->train.steps, cfg->train.n_critic);
    size_t n_sample = shape_numel(sample);
    gan->z = nash_alloc_zeroed((size_t)batch * gan->latent * sizeof(float));
    gan->dlogit = nash_alloc_zeroed((size_t)batch * sizeof(float));
    gan->dfake = nash_alloc_zeroed((size_t)batch * n_sample * sizeof(float));
    gan->fake_labels = nash_alloc_zeroed((size_t)batch * sizeof(int32_t));
    if (has_g && gan->ema_decay > 0.0) {
        gan->ema = nash_alloc_zeroed(gan->g.param_floats * sizeof(float));
        if (gan->ema) memcpy(gan->ema, gan->g.params, gan->g.param_floats * sizeof(float));
    }
    if (has_g && cfg->cluster.schedule == SCHEDULE_PIPELINED && (st = init_twin(gan, cfg, z_shape, batch, err)))
        goto fail;
    if (cfg->augment.policy[0]) {
        if (sample.ndim != 3) {
            char a[64];
            st = nash_fail(err, NASH_ERR_CONFIG,
                           "%s: [augment] policy = %s: augmentation works on images (C,H,W), and the samples are %s; "
                           "remove the [augment] policy",
                           cfg->source, cfg->augment.policy, shape_format(sample, a, sizeof a));
            goto fail;
        }
        gan->augmenting = augment_init(&gan->aug, cfg, sample.dim[0], sample.dim[1], sample.dim[2]);
    }
    if (has_d && gan->augmenting) {
        gan->aug_draws = nash_alloc_zeroed((size_t)batch * sizeof *gan->aug_draws);
        gan->aug_real = nash_alloc_zeroed((size_t)batch * n_sample * sizeof(float));
        gan->aug_fake = nash_alloc_zeroed((size_t)batch * n_sample * sizeof(float));
        gan->aug_grad = nash_alloc_zeroed((size_t)batch * n_sample * sizeof(float));
        gan->aug_scratch = nash_alloc_zeroed(n_sample * sizeof(float));
        if (!gan->aug_draws || !gan->aug_real || !gan->aug_fake || !gan->aug_grad || !gan->aug_scratch) {
            st = nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the augmentation buffers for batch %d", batch);
            goto fail;
        }
    }
    bool penalised = has_d && gan->penalty != PENALTY_NONE;
    if (penalised) {
        gan->pen_x = nash_alloc_zeroed((size_t)batch * n_sample * sizeof(float));
        gan->pen_g = nash_alloc_zeroed((size_t)batch * n_sample * sizeof(float));
        gan->pen_v = nash_alloc_zeroed((size_t)batch * n_sample * sizeof(float));
        gan->pen_ones = nash_alloc_zeroed((size_t)batch * sizeof(float));
        if (gan->pen_ones)
            for (int i = 0; i < batch; i++) gan->pen_ones[i] = 1.0f;
    }
    if (!gan->z || !gan->dlogit || !gan->dfake || !gan->fake_labels || (has_g && gan->ema_decay > 0.0 && !gan->ema) ||
        (penalised && (!gan->pen_x || !gan->pen_g || !gan->pen_v || !gan->pen_ones))) {
        st = nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the training buffers for batch %d", batch);
        goto fail;
    }
    return NASH_OK;
fail:
    gan_free(gan);
    return st;
}

void gan_release_workspace(Gan *gan) {
    net_release_workspace(&gan->g);
    net_release_workspace(&gan->d);
}

void gan_free(Gan *gan) {
    net_free(&gan->g);
    if (gan->pipelined) net_free(&gan->g_twin);
    nash_free(gan->z_twin);
    nash_free(gan->labels_twin);
    nash_free(gan->lag_buffers);
    net_free(&gan->d);
    optim_free(&gan->opt_g);
    optim_free(&gan->opt_d);
    free(gan->g_layers);
    free(gan->d_layers);
    nash_free(gan->z);
    nash_free(gan->dlogit);
    nash_free(gan->dfake);
    nash_free(gan->ema);
    nash_free(gan->fake_labels);
    nash_free(gan->pen_x);
    nash_free(gan->pen_g);
    nash_free(gan->pen_v);
    nash_free(gan->pen_ones);
    nash_free(gan->aug_draws);
    nash_free(gan->aug_real);
    nash_free(gan->aug_fake);
    nash_free(gan->aug_grad);
    nash_free(gan->aug_scratch);
    class_prior_free(&gan->prior);
    memset(gan, 0, sizeof *gan);
}

static double sum_of(const float *x, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += x[i];
    return s;
}

static void clip_params(Net *net, float c) {
    for (size_t i = 0; i < net->param_floats; i++) net->params[i] = fminf(c, fmaxf(-c, net->params[i]));
}

NashStatus gan_set_class_prior(Gan *gan, const uint8_t *labels, int64_t n, const char *what, NashError *err) {
    class_prior_free(&gan->prior);
    return class_prior_init(&gan->prior, labels, n, gan->classes, what, err);
}

/* The classes of samples [first, first+n): drawn (training) or in turn (looking at them). */
static void fake_classes(Gan *gan, bool drawn, uint64_t stream, int64_t first, int n) {
    if (!gan->classes) return;
    if (drawn && gan->prior.cdf)
        class_prior_draw(&gan->prior, gan->seed, stream, first, n, gan->fake_labels);
    else
        classes_in_turn(gan->classes, first, n, gan->fake_labels);
    net_set_labels(&gan->g, gan->fake_labels);
}

const float *gan_fakes(Gan *gan, uint64_t step, unsigned phase, int64_t first, int n) {
    const uint64_t stream = noise_stream(step, phase);
    noise_fill(gan->noise, gan->seed, stream, first, n, gan->latent, gan->z);
    fake_classes(gan, true, stream, first, n);
    gan->g.key = (DropoutKey){.step = stream, .sample_base = (uint64_t)first};
    return net_forward(&gan->g, gan->z, n);
}

void gan_d_zero(Gan *gan) { net_zero_grad(&gan->d); }

/* What D sees of x (n, sample): x, or x augmented into `out` with the draws of `base` + key. */
static const float *d_view(Gan *gan, uint64_t base, DropoutKey key, const float *x, int n, float *out) {
    if (!gan->augmenting) return x;
    augment_draw(&gan->aug, gan->seed, base + key.step, (int64_t)key.sample_base, n, gan->aug_draws);
    augment_forward(&gan->aug, gan->aug_draws, x, out, gan->aug_scratch, n);
    return out;
}

void gan_d_real(Gan *gan, const float *real, const int32_t *labels, int n, double norm, DropoutKey key,
                StepStats *stats) {
    real = d_view(gan, AUGMENT_REAL_STREAM, key, real, n, gan->aug_real);
    gan->d.key = key;
    net_set_labels(&gan->d, labels);
    const float *t = net_forward(&gan->d, real, n);
    stats->d_real = norm * n * loss_mean_sigmoid(t, n);
    stats->raw_real = norm * sum_of(t, n);
    stats->loss_d = loss_d_real(gan->loss, t, n, norm, gan->dlogit);
    net_backward(&gan->d, real, gan->dlogit, NULL, n, true);
}

void gan_d_fake(Gan *gan, const float *fake, const int32_t *labels, int n, double norm, DropoutKey key,
                StepStats *stats) {
    fake = d_view(gan, AUGMENT_FAKE_STREAM, key, fake, n, gan->aug_fake);
    gan->d.key = key;
    net_set_labels(&gan->d, labels);
    const float *t = net_forward(&gan->d, fake, n);
    stats->d_fake = norm * n * loss_mean_sigmoid(t, n);
    stats->raw_fake = norm * sum_of(t, n);
    stats->loss_d += loss_d_fake(gan->loss, t, n, norm, gan->dlogit);
    net_backward(&gan->d, fake, gan->dlogit, NULL, n, true);
}

bool gan_penalty_due(const Gan *gan, uint64_t step, unsigned phase) {
    return penalty_due(gan->penalty, gan->penalty_every, gan->n_critic, step, phase);
}

void gan_d_penalty(Gan *gan, const float *real, const float *fake, const int32_t *labels, int n, double norm,
                   DropoutKey key, StepStats *stats) {
    const size_t width = shape_numel(gan->sample);
    if (gan->augmenting) { /* what gan_d_real and gan_d_fake showed D */
        real = gan->aug_real;
        fake = gan->aug_fake;
    }
    const float *x = real;
    if (gan->penalty == PENALTY_GP) {
        penalty_interpolate(gan->seed, key.step, (int64_t)key.sample_base, real, fake, n, width, gan->pen_x);
        x = gan->pen_x;
    }
    gan->d.key = key;
    net_set_labels(&gan->d, labels);
    net_forward(&gan->d, x, n);
    /* g_i = grad of D(x_i) at x_i: backward from dy = 1 per sample, to the input only */
    net_backward(&gan->d, x, gan->pen_ones, gan->pen_g, n, false);
    double sum_norm = 0.0;
    double p = penalty_direction(gan->penalty, gan->penalty_weight, gan->pen_g, n, width, norm * gan->penalty_every,
                                 gan->pen_v, &sum_norm);
    net_double_backward(&gan->d, x, gan->pen_ones, gan->pen_v, n);
    stats->penalty = norm * p;
    stats->input_grad_norm = norm * sum_norm;
}

void gan_d_update(Gan *gan, StepStats *stats) {
    optim_step(&gan->opt_d, gan->d.params, gan->d.grads);
    stats->grad_norm_d = sqrt(gan->opt_d.grad_sq);
    if (gan->loss == LOSS_WGAN && gan->penalty == PENALTY_NONE) clip_params(&gan->d, (float)gan->clip);
}

void gan_g_input_grad(Gan *gan, const float *fake, const int32_t *labels, int n, double norm, DropoutKey key,
                      float *dfake, StepStats *stats) {
    const float *seen = d_view(gan, AUGMENT_FAKE_STREAM, key, fake, n, gan->aug_fake);
    gan->d.key = key;
    net_set_labels(&gan->d, labels);
    const float *t = net_forward(&gan->d, seen, n);
    stats->loss_g = loss_g(gan->loss, t, n, norm, gan->dlogit);
    if (!gan->augmenting) {
        net_backward(&gan->d, fake, gan->dlogit, dfake, n, false);
        return;
    }
    /* the gradient at what D saw, then back through the augmentation (its draws are still there) */
    net_backward(&gan->d, seen, gan->dlogit, gan->aug_grad, n, false);
    augment_backward(&gan->aug, gan->aug_draws, gan->aug_grad, dfake, gan->aug_scratch, n);
}

void gan_g_backward(Gan *gan, const float *dfake, int n) {
    net_zero_grad(&gan->g);
    net_backward(&gan->g, gan->z, dfake, NULL, n, true);
}

double gan_ema_decay(double decay, int64_t steps) {
    double ramp = (1.0 + (double)steps) / (10.0 + (double)steps);
    return ramp < decay ? ramp : decay;
}

void gan_pipeline_mark(Gan *gan) { memcpy(gan->lag_buffers, gan->g.buffers, gan->g.buffer_floats * sizeof(float)); }

void gan_pipeline_swap(Gan *gan) {
    Net net = gan->g;
    gan->g = gan->g_twin;
    gan->g_twin = net;
    float *z = gan->z;
    gan->z = gan->z_twin;
    gan->z_twin = z;
    int32_t *labels = gan->fake_labels;
    gan->fake_labels = gan->labels_twin;
    gan->labels_twin = labels;
}

void gan_pipeline_adopt_buffers(Gan *gan) {
    memcpy(gan->g.buffers, gan->g_twin.buffers, gan->g.buffer_floats * sizeof(float));
}

void gan_g_update(Gan *gan, StepStats *stats) {
    if (gan->pipelined) { /* G's gradient is at the parameters that made the fakes: apply it to the newest */
        memcpy(gan->g.params, gan->g_twin.params, gan->g.param_floats * sizeof(float));
        gan_pipeline_adopt_buffers(gan);
    }
    optim_step(&gan->opt_g, gan->g.params, gan->g.grads);
    stats->grad_norm_g = sqrt(gan->opt_g.grad_sq);
    if (gan->ema) {
        const float a = (float)gan_ema_decay(gan->ema_decay, gan->opt_g.t);
        for (size_t i = 0; i < gan->g.param_floats; i++) gan->ema[i] = a * gan->ema[i] + (1.0f - a) * gan->g.params[i];
    }
}

void gan_generate(Gan *gan, uint64_t stream, int64_t first, int n, bool use_ema, float *out) {
    float *saved = NULL;
    if (use_ema && gan->ema) {
        saved = malloc(gan->g.param_floats * sizeof *saved);
        if (saved) {
            memcpy(saved, gan->g.params, gan->g.param_floats * sizeof *saved);
            memcpy(gan->g.params, gan->ema, gan->g.param_floats * sizeof *saved);
        }
    }
    noise_fill(gan->noise, gan->seed, stream, first, n, gan->latent, gan->z);
    fake_classes(gan, false, stream, first, n);
    net_set_training(&gan->g, false);
    const float *y = net_forward(&gan->g, gan->z, n);
    memcpy(out, y, (size_t)n * shape_numel(gan->g.out) * sizeof *out);
    net_set_training(&gan->g, true);
    if (saved) {
        memcpy(gan->g.params, saved, gan->g.param_floats * sizeof *saved);
        free(saved);
    }
}

float *gan_generate_fixed(Gan *gan, int n, bool use_ema) {
    size_t width = shape_numel(gan->sample);
    float *out = malloc((size_t)n * width * sizeof *out);
    if (!out) return NULL;
    for (int first = 0; first < n; first += gan->batch) {
        int k = n - first < gan->batch ? n - first : gan->batch;
        gan_generate(gan, NOISE_STREAM_FIXED, first, k, use_ema, out + (size_t)first * width);
    }
    return out;
}
