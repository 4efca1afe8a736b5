/* game.h — the value of the GAN minimax game on a 1-D Gaussian-mixture toy, by integration.
 *
 * Goodfellow et al. 2014, "Generative Adversarial Nets":
 *   V(D, G) = E_{x ~ p_data}[log D(x)] + E_{x ~ p_g}[log(1 - D(x))]
 * For a fixed generator the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x))
 * (their Proposition 1), and then V(D*, G) = 2 JS(p_data, p_g) - log 4 (Theorem 1): -log 4 =
 * -1.386 exactly when p_g = p_data, the Nash equilibrium, and at most 0 (disjoint supports).
 * V(D, G) <= V(D*, G) for every D, so a trained discriminator's value (gan_value_with_d or
 * gan_value_with_logit) below the theory says how far D is from optimal.
 *
 * Both expectations are integrals over the real line with the mixtures' densities, computed
 * like the divergences (eval/quad1d.h: composite 10-point Gauss–Legendre over both mixtures to
 * +-10 std; for D = D* the two forms agree to ~1e-15). A discriminator given as a function is
 * integrated on panels four times finer than the densities need (a network's D can bend
 * faster than the data; its kinks cost accuracy, not correctness).
 *
 * The data mixture is typically toy_mixture("gauss1d"): weights (0.3, 0.5, 0.2), means (-2,
 * 0.5, 3), stds (0.4, 0.6, 0.3) (data/toy.h); p_g is whatever the generator is fitted as.
 */
#ifndef NASH_EVAL_GAME_H
#define NASH_EVAL_GAME_H

#include "core/status.h"
#include "data/toy.h"

/* A discriminator on the real line: D(x) in [0, 1], or its logit l(x) (D = sigmoid(l)). */
typedef double (*GameFunction)(double x, void *ctx);

/* V(D*, G) = 2 JS(p_data, p_g) - log 4. */
NashStatus gan_value_optimal_d(const ToyMixture *p_data, const ToyMixture *p_g, double *out, NashError *err);

/* V(D, G) for D(x) = d(x, ctx). A value outside [0, 1] (or NaN) is refused, naming x; D = 0
 * where p_data > 0 (or D = 1 where p_g > 0) gives -inf, the true value. */
NashStatus gan_value_with_d(const ToyMixture *p_data, const ToyMixture *p_g, GameFunction d, void *ctx, double *out,
                            NashError *err);

/* V(D, G) for D(x) = sigmoid(logit(x, ctx)), with log D = -softplus(-l) and log(1 - D) =
 * -softplus(l) computed stably (what a discriminator network outputs). A NaN logit is refused. */
NashStatus gan_value_with_logit(const ToyMixture *p_data, const ToyMixture *p_g, GameFunction logit, void *ctx,
                                double *out, NashError *err);

/* D*(x) for checked 1-D mixtures: 1 / (1 + p_g(x) / p_data(x)), from log densities; 1/2 where
 * both densities vanish. */
double gan_optimal_d(const ToyMixture *p_data, const ToyMixture *p_g, double x);

#endif
