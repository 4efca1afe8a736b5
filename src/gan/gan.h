/* gan.h — the two players and one training step, in one process.
 *
 * A step is n_critic discriminator steps, then one generator step (Goodfellow et al. 2014,
 * Algorithm 1). Each is a pure function of the networks, the real batch, the step number and
 * the seed: noise comes from noise.h keyed by (seed, step, phase, global sample index), so the
 * distributed trainer (dist/) can split the same computation across ranks and get the same
 * numbers.
 *
 *   D step (phase k):  z = noise(step, k);  x_f = G(z)            G in training mode
 *                      t_r = D(x_r): loss_d_real, backward into D's gradients
 *                      t_f = D(x_f): loss_d_fake, backward into D's gradients
 *                      D optimizer step; wgan: clip D's parameters to [-clip, clip]
 *   G step:            z = noise(step, G);  x_f = G(z);  t = D(x_f)
 *                      loss_g; backward through D to x_f only (no D weight gradients);
 *                      backward through G; G optimizer step; EMA of G's parameters
 * Real and fake batches go through D separately, so batch norm in D sees each on its own (as
 * in the PyTorch DCGAN example).
 */
#ifndef NASH_GAN_GAN_H
#define NASH_GAN_GAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "gan/loss.h"
#include "gan/noise.h"
#include "gan/optim.h"
#include "io/config.h"
#include "nn/net.h"

typedef struct {
    Net g, d;
    char *g_layers, *d_layers; /* the layer lines each net was built from ('\n'-separated) */
    int latent;
    NoiseKind noise;
    LossKind loss;
    double clip;
    int n_critic;
    int batch; /* largest batch a step takes */
    uint64_t seed;
    Optimizer opt_g, opt_d;
    double ema_decay;
    float *ema;                /* EMA of G's parameters (g.param_floats), NULL when off */
    float *z, *dlogit, *dfake; /* scratch: (batch, latent), (batch), (batch, sample) */
} Gan;

/* What one step measured. Losses are batch means; d_real/d_fake are mean sigma(D(.)) and
 * raw_real/raw_fake mean raw outputs, from the last D step. Gradient norms are L2 over the
 * whole flat gradient of each network. */
typedef struct {
    double loss_d, loss_g;
    double d_real, d_fake;
    double raw_real, raw_fake;
    double grad_norm_d, grad_norm_g;
} StepStats;

/* Build both networks from the config for data samples of `sample` shape: D takes `sample`, G
 * takes (latent) and must produce `sample` — an error names both shapes (and the config lines
 * of a layer that does not fit). Parameters are initialised from train.seed. */
NashStatus gan_init(Gan *gan, const Config *cfg, Shape sample, NashError *err);
void gan_free(Gan *gan);

/* One D step on real (n, sample), phase in 0..n_critic-1. sample_base is the global index of
 * the first sample (keys the noise). */
void gan_d_step(Gan *gan, const float *real, int n, uint64_t step, unsigned phase, int64_t sample_base,
                StepStats *stats);
/* One G step on a batch of n fakes. */
void gan_g_step(Gan *gan, int n, uint64_t step, int64_t sample_base, StepStats *stats);

/* Generate samples [first, first+n) of noise `stream` (eval mode: batch norm with running
 * statistics), using the EMA weights when `use_ema` and EMA is on. out (n, sample); n <= batch.
 * With NOISE_STREAM_FIXED these are the samples `nash sample --seed train.seed` draws. */
void gan_generate(Gan *gan, uint64_t stream, int64_t first, int n, bool use_ema, float *out);

/* L2 norm of n floats, accumulated in double. */
double gan_l2(const float *x, size_t n);

#endif
