/* gan.h — the two players and the pieces of a training step.
 *
 * A step is n_critic discriminator steps, then one generator step (Goodfellow et al. 2014,
 * Algorithm 1). The pieces below are pure functions of the networks, a batch slice, the step
 * and the seed: noise comes from noise.h keyed by (seed, step, phase, global sample index), and
 * every loss term is scaled by norm = 1/(global batch), so a slice's contributions summed over
 * ranks (train/, comm/) equal the single-process numbers. How the pieces are composed — who holds G and
 * D, where fakes and their gradients travel, where gradients are summed — is train/'s business:
 *
 *   D step (phase k):  fakes = gan_fakes(step, k)                          on G's holder
 *                      gan_d_real(x_r), gan_d_fake(fakes)                   on D's holder
 *                      [gan_d_penalty(x_r, fakes) when gan_penalty_due]
 *                      [sum D's gradients over D's ranks]  gan_d_update    (wgan: clip)
 *   G step:            fakes = gan_fakes(step, G)
 *                      gan_g_input_grad(fakes) -> dfakes: through D to its input only
 *                      gan_g_backward(dfakes)  [sum G's gradients]  gan_g_update  (EMA)
 * Real and fake batches go through D separately, so batch norm in D sees each on its own (as
 * in the PyTorch DCGAN example).
 *
 * Augmentation ([augment] policy, gan/augment.h): D's three entry points augment the images they
 * are given before D sees them, keyed by the DropoutKey (step stream, first global sample), and
 * gan_g_input_grad returns the gradient for the fakes before augmentation. The penalty is taken
 * at what D saw: interpolates of the augmented real and fake, or the augmented reals.
 *
 * Class-conditional GANs (a cbatchnorm or projection layer in G or D): the fakes of gan_fakes get
 * classes drawn from the data's frequencies (gan/classes.h, gan_set_class_prior), G builds them
 * for those classes, and D judges every batch with its labels: the reals' own, the fakes' drawn
 * ones (gan_fake_labels; in the split layout they travel with the fakes).
 */
#ifndef NASH_GAN_GAN_H
#define NASH_GAN_GAN_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/status.h"
#include "gan/augment.h"
#include "gan/classes.h"
#include "gan/loss.h"
#include "gan/noise.h"
#include "gan/penalty.h"
#include "nn/net.h"
#include "nn/optim.h"

typedef struct {
    bool has_g, has_d; /* which players this process holds */
    Net g, d;
    char *g_layers, *d_layers; /* the layer lines each net was built from ('\n'-separated) */
    Shape sample;              /* one data sample: D's input, G's output */
    int latent;                /* values of z per sample: latent (times latent_steps for a sequence) */
    NoiseKind noise;
    LossKind loss;
    double clip;
    PenaltyKind penalty;
    double penalty_weight;
    int penalty_every;
    int n_critic;
    int batch; /* largest slice a piece takes */
    uint64_t seed;
    Optimizer opt_g, opt_d;
    double ema_decay;
    float *ema;                              /* EMA of G's parameters (g.param_floats), NULL when off */
    float *z, *dlogit, *dfake;               /* scratch: (batch, latent), (batch), (batch, sample) */
    int classes;                             /* K of the conditional layers of G and D, 0: unconditional */
    ClassPrior prior;                        /* the data's class frequencies (gan_set_class_prior) */
    int32_t *fake_labels;                    /* (batch): the classes of the last gan_fakes / gan_generate */
    float *pen_x, *pen_g, *pen_v, *pen_ones; /* penalty scratch: (batch, sample) x3, (batch) ones */
    bool augmenting;                         /* [augment] policy set: D sees augmented images */
    Augment aug;
    AugmentDraw *aug_draws;     /* (batch): the last augmentation's draws */
    float *aug_real, *aug_fake; /* (batch, sample): what D saw last of each */
    float *aug_grad;            /* (batch, sample): G step, D's gradient at the augmented fakes */
    float *aug_scratch;         /* (sample): one image, for the translation */
    /* cluster.schedule = pipelined (gan_pipeline_swap): a second generator for the fakes in flight,
     * with its own activations, z and classes, kept for their backward while G makes the next */
    bool pipelined;
    Net g_twin;
    float *z_twin;
    int32_t *labels_twin;
    float *lag_buffers; /* g's buffers before its last gan_pipeline_mark (the twin's, after a swap) */
} Gan;

/* What a step measured, as sums over this process's samples scaled by norm = 1/(global
 * batch): summed over the ranks that hold the samples they are batch means. loss_* are the
 * losses, d_real/d_fake the means of sigma(D(.)), raw_* the means of D's raw outputs, all from
 * the last D step (loss_g from the G step). The gradient norms are L2 over each network's whole
 * (summed) gradient, set by whoever updates. */
typedef struct {
    double loss_d, loss_g;
    double d_real, d_fake;
    double raw_real, raw_fake;
    double grad_norm_d, grad_norm_g;
    double penalty, input_grad_norm; /* the last penalty computed, weighted, and the mean |grad_x D| it saw */
} StepStats;

/* Build the players this process holds from the config, for data samples of `sample` shape and
 * slices of up to `batch` samples: D takes `sample`, G takes z — (latent), or (latent_steps, latent)
 * when generator.latent_steps > 0 — and must produce `sample`
 * — an error names both shapes (and the config line of a layer that does not fit). Parameters
 * are initialised from train.seed, so every rank holding a player starts from the same values.
 * Both players are always built to check shapes; the ones not held are freed again. */
NashStatus gan_init(Gan *gan, const Config *cfg, Shape sample, int batch, bool has_g, bool has_d, NashError *err);
/* Hand G's and D's activation and workspace pages back to the system between steps (before a
 * file is assembled in memory); the next forward rewrites them. */
void gan_release_workspace(Gan *gan);
void gan_free(Gan *gan);
/* D's initial parameters and buffers for discriminator group `group` (cluster.discriminator_groups):
 * group 0 keeps gan_init's, drawn with seed 2*train.seed + 1; group k > 0 draws with that seed
 * plus k * 2^48, so the groups' discriminators start apart. */
void gan_init_discriminator_group(Gan *gan, const Config *cfg, int group);

/* Conditional GANs: the class frequencies fakes are drawn from, those of the data's labels (n);
 * `what` (the data file) names it in errors. */
NashStatus gan_set_class_prior(Gan *gan, const uint8_t *labels, int64_t n, const char *what, NashError *err);

/* G: fakes for global samples [first, first+n) of the noise of (step, phase); returns G's
 * output (n, sample), valid until G runs again. G is in training mode. Conditional: their
 * classes are drawn first (gan_fake_labels). */
const float *gan_fakes(Gan *gan, uint64_t step, unsigned phase, int64_t first, int n);

/* D: zero D's gradients (once per D step, before the first accumulation). */
void gan_d_zero(Gan *gan);
/* D: forward real (n, sample) and add the real half of the D loss's gradient. `key` keys
 * dropout (step stream and global index of the first sample). */
void gan_d_real(Gan *gan, const float *real, const int32_t *labels, int n, double norm, DropoutKey key,
                StepStats *stats);
/* D: forward fakes and add the fake half of the D loss's gradient. labels (n) for a
 * conditional D, else NULL (here and below). */
void gan_d_fake(Gan *gan, const float *fake, const int32_t *labels, int n, double norm, DropoutKey key,
                StepStats *stats);
/* Is the gradient penalty due in D step `phase` of `step` (penalty.h)? */
bool gan_penalty_due(const Gan *gan, uint64_t step, unsigned phase);
/* D: add the penalty's gradient (penalty.h) for the n samples of the D step that gan_d_real and
 * gan_d_fake just judged with `key` (its step stream keys the interpolates, its sample_base is
 * the global index of the first): at interpolates of real and fake (gp) or at real (r1, fake
 * unused). labels: the reals' classes for a conditional D, else NULL. Sets stats->penalty and
 * input_grad_norm. */
void gan_d_penalty(Gan *gan, const float *real, const float *fake, const int32_t *labels, int n, double norm,
                   DropoutKey key, StepStats *stats);
/* D: the optimizer step on the (already summed) gradient; wgan without a penalty clips D's
 * parameters. */
void gan_d_update(Gan *gan, StepStats *stats);

/* D: forward fakes, the G loss, and backward to D's input only (no D weight gradients):
 * dfake (n, sample) written. */
void gan_g_input_grad(Gan *gan, const float *fake, const int32_t *labels, int n, double norm, DropoutKey key,
                      float *dfake, StepStats *stats);
/* G: zero G's gradients and backpropagate dfake through the activations of the last
 * gan_fakes (same n). */
void gan_g_backward(Gan *gan, const float *dfake, int n);
/* G: the optimizer step on the (already summed) gradient, then the EMA. Pipelined: the step
 * starts from the twin's parameters and buffers (gan_pipeline_swap). */
void gan_g_update(Gan *gan, StepStats *stats);

/* The pipelined schedule (docs/distributed.md, "Pipelined"). G makes step s+1's fakes with the
 * newest parameters while D trains on step s's, whose activations the twin keeps; then
 *     gan_pipeline_swap: G becomes the generator that made step s's fakes, the twin the newest;
 *     gan_g_backward(dfakes of step s): the gradient at the parameters that made them;
 *     gan_g_update: applied to the newest parameters (the twin's, copied in with its buffers).
 * gan_pipeline_mark, before a step's first gan_fakes, keeps G's buffers (batch-norm statistics,
 * spectral-norm vectors) in lag_buffers: with the twin's parameters they are what a checkpoint
 * needs to make the fakes in flight again. gan_init builds the twin when cluster.schedule =
 * pipelined and this process holds G. */
void gan_pipeline_mark(Gan *gan);
void gan_pipeline_swap(Gan *gan);
/* G takes the twin's buffers: after the first fakes of a run are made on the twin. */
void gan_pipeline_adopt_buffers(Gan *gan);

/* Generate samples [first, first+n) of noise `stream` (eval mode: batch norm with running
 * statistics), using the EMA weights when `use_ema` and EMA is on. out (n, sample); n <= batch.
 * With NOISE_STREAM_FIXED these are the samples `nash sample --seed train.seed` draws. A
 * conditional G makes sample i of class i mod K. */
void gan_generate(Gan *gan, uint64_t stream, int64_t first, int n, bool use_ema, float *out);

/* The EMA's decay after G's `steps`-th update: min(decay, (1 + steps) / (10 + steps)), ramped up
 * as TensorFlow's ExponentialMovingAverage(num_updates) does, so that early samples follow the
 * generator instead of showing its initial noise (with decay 0.999 the average of step 50 would
 * still be 95% the untrained generator; ramped, its window is the last ~7 steps). */
double gan_ema_decay(double decay, int64_t steps);
/* Samples [0, n) of the fixed noise stream, any n, a batch at a time: malloc'd (n, sample), NULL
 * when out of memory. */
float *gan_generate_fixed(Gan *gan, int n, bool use_ema);

#endif
