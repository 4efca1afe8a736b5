/* loss.h — the GAN objectives, on the discriminator's raw outputs (logits) t.
 *
 * Per sample, with softplus(u) = log(1 + e^u) and sigma the logistic function:
 *   kind      D loss on real r and fake f            G loss on fake f
 *   minimax   softplus(-r) + softplus(f)             -softplus(f) = log(1 - sigma(f))  (Goodfellow et al. 2014,
 * saturating) nonsat    softplus(-r) + softplus(f)             softplus(-f) = -log sigma(f)      (the same paper's
 * practical variant) wgan      f - r                                  -f                                (Arjovsky et
 * al. 2017; D weights clipped) hinge     max(0, 1 - r) + max(0, 1 + f)          -f                                (Lim
 * & Ye 2017; Miyato et al. 2018) lsgan     (r - 1)^2 / 2 + f^2 / 2                (f - 1)^2 / 2 (Mao et al. 2017, a=0
 * b=c=1) The D loss of minimax/nonsat is binary cross-entropy with labels 1 (real) and 0 (fake).
 *
 * Each function returns norm * (sum of the per-sample losses) and writes norm * dloss/dt per
 * sample, where norm = 1 / (global batch size): summed over ranks this gives the batch mean,
 * so a distributed step computes the same value as one process.
 */
#ifndef NASH_GAN_LOSS_H
#define NASH_GAN_LOSS_H

#include "config/config.h" /* LossKind and its words */
#include "core/status.h"

/* A loss by name ("hinge"); NASH_ERR_CONFIG names the word otherwise. */
NashStatus loss_kind_parse(const char *name, LossKind *kind, NashError *err);
const char *loss_kind_name(LossKind kind);

/* The real half of the D loss: t (n) logits of real samples, dt (n) written. */
double loss_d_real(LossKind kind, const float *t, int n, double norm, float *dt);
/* The fake half of the D loss. */
double loss_d_fake(LossKind kind, const float *t, int n, double norm, float *dt);
/* The G loss on D's logits of fakes. */
double loss_g(LossKind kind, const float *t, int n, double norm, float *dt);

/* Mean of sigma(t): D's probability that its input is real (the Nash readout: 1/2 at equilibrium). */
double loss_mean_sigmoid(const float *t, int n);

#endif
