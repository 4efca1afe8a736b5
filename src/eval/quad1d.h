/* quad1d.h — integrals over the real line for the divergences of 1-D Gaussian mixtures.
 *
 * Composite Gauss–Legendre quadrature: [a, b] is cut into equal panels and each panel gets the
 * 10-point Gauss–Legendre rule (exact for polynomials of degree 19; nodes found by Newton's
 * method on the Legendre polynomial P_10, Abramowitz & Stegun 25.4.29). For mixtures the range
 * covers every component of both mixtures to +-10 standard deviations (the mass left outside is
 * below 2e-23 per component) and the panels are half the smallest standard deviation wide, so a
 * Gaussian bump spans at least 40 panels; the rule's own error is then far below rounding
 * (measured: the closed-form KL of two Gaussians is matched to ~1e-14 relative, tests/unit/
 * test_divergence.c). Densities are handled as logarithms (log-sum-exp), so a density that
 * underflows far from its components still gives a finite log ratio.
 */
#ifndef NASH_EVAL_QUAD1D_H
#define NASH_EVAL_QUAD1D_H

#include "core/status.h"
#include "data/toy.h"

#define QUAD_MAX_PANELS 400000 /* (b - a) / (min std / 2): a spread 200000 times the smallest std */

typedef double (*QuadFunction)(double x, void *ctx);

/* The integral of f over [a, b] by `panels` panels of the 10-point Gauss–Legendre rule. */
double quad_gauss_legendre(QuadFunction f, void *ctx, double a, double b, int panels);

/* A 1-D mixture nash can integrate: dim 1, 1..TOY_MAX_COMPONENTS components, weights >= 0 and
 * finite with a positive sum, stds > 0, finite means. `what` names it in the message. */
NashStatus mixture1d_check(const ToyMixture *m, const char *what, NashError *err);

/* log p(x) of a checked 1-D mixture, weights normalised to sum 1 (-inf only where every
 * component underflows in the log domain, which does not happen for finite x). */
double mixture1d_log_density(const ToyMixture *m, double x);

/* The range [a, b] covering both mixtures to +-10 std and the panel count for it; fails when
 * more than QUAD_MAX_PANELS panels would be needed. q may equal p. */
NashStatus mixture1d_range(const ToyMixture *p, const ToyMixture *q, double *a, double *b, int *panels, NashError *err);

#endif
