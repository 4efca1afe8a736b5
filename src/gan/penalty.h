/* penalty.h — gradient penalties on the discriminator, by double backprop (nn/net.h).
 *
 * Per sample, with g = grad_x D(x) the gradient of D's raw output at its input x:
 *   gp   weight * (|g| - 1)^2 at x^ = a x_real + (1 - a) x_fake, a ~ U[0, 1) per sample
 *        (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Algorithm 1)
 *   r1   weight / 2 * |g|^2 at x = x_real (Mescheder et al. 2018, "Which Training Methods for
 *        GANs do actually Converge?", eq. 9)
 * Lazy regularisation (Karras et al. 2020, "Analyzing and Improving the Image Quality of
 * StyleGAN", sec. 3.1): with every = k the penalty is added on every k-th D step only, weighted k,
 * so its expected gradient is unchanged. D steps are counted from 1 over the run: D step j of
 * training step s is number (s - 1) * n_critic + j + 1, whatever the layout (the simultaneous
 * schedule's one D step is j = 0; its draws use the step's stream, phase 255, as its fakes).
 *
 * A conditional D judges an interpolate with the real sample's class. The a of global sample i
 * of D step (s, j) is value i of Philox stream (train.seed, PENALTY_STREAM + the noise stream of
 * that D step's fakes, noise_stream(s, j)) (docs/rng.md), so every layout draws the same
 * interpolates. As every loss term, the penalty is
 * scaled by norm = 1/(global batch): summed over D's ranks it is the batch mean.
 */
#ifndef NASH_GAN_PENALTY_H
#define NASH_GAN_PENALTY_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h" /* PenaltyKind and its words */

#define PENALTY_STREAM 0x9e00000000000000ull /* + the noise stream of the D step (docs/rng.md) */

/* Is the penalty due in D step `phase` (0 .. n_critic-1) of training step `step` (from 1)? */
bool penalty_due(PenaltyKind kind, int every, int n_critic, uint64_t step, unsigned phase);

/* The interpolates: x^_i = a_i real_i + (1 - a_i) fake_i for samples [first, first+n) of the D
 * step's stream, each `width` floats. */
void penalty_interpolate(uint64_t seed, uint64_t stream, int64_t first, const float *real, const float *fake, int n,
                         size_t width, float *out);

/* From the input gradients g (n, width): v (n, width) = scale * dP/dg, the direction that
 * double backprop takes to add scale * dP/dtheta; returns the sum of the samples' P (without
 * scale) and adds their |g| to *sum_norm. */
double penalty_direction(PenaltyKind kind, double weight, const float *g, int n, size_t width, double scale, float *v,
                         double *sum_norm);

#endif
