/* divergence.h — Kullback–Leibler and Jensen–Shannon divergences, in nats (natural logarithm).
 *
 *   KL(P || Q) = sum_i p_i log(p_i / q_i)            (Kullback & Leibler 1951)
 *   JS(P, Q)   = 1/2 KL(P || M) + 1/2 KL(Q || M),  M = (P + Q) / 2    (Lin 1991)
 *
 * Histograms (counts or probabilities over the same bins) are normalised to sum 1 first.
 * Empty bins, the rule:
 *   - a term with p_i = 0 contributes 0 (the limit of x log x), whatever q_i is;
 *   - KL(P || Q) = +inf when some q_i = 0 < p_i (P puts mass where Q has none), returned as
 *     INFINITY with NASH_OK: it is the value, not an error;
 *   - JS needs no smoothing: m_i >= p_i / 2 > 0 wherever p_i > 0, so JS is finite and lies in
 *     [0, log 2], log 2 exactly for disjoint supports. Rounding can leave a sum of -1e-17; it is
 *     clamped to 0.
 * These are the values of scipy.stats.entropy(p, q) and of scipy.spatial.distance.jensenshannon
 * (p, q) squared: scipy's jensenshannon is the Jensen–Shannon *distance*, the square root of JS.
 *
 * Gaussians in closed form:
 *   KL(N(m1, s1^2) || N(m2, s2^2)) = log(s2 / s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2
 *   KL(N(m1, S1) || N(m2, S2))     = 1/2 [tr(S2^-1 S1) + (m2 - m1)^T S2^-1 (m2 - m1) - d
 *                                         + log det S2 - log det S1]
 * the full form through Cholesky factors S = L L^T: tr(S2^-1 S1) = ||L2^-1 L1||_F^2, the
 * quadratic form = ||L2^-1 (m2 - m1)||^2, log det S = 2 sum log L_ii. JS between Gaussians has
 * no closed form: use the mixture integrals below (a Gaussian is a one-component mixture).
 *
 * 1-D Gaussian mixtures by numerical integration (eval/quad1d.h: composite 10-point
 * Gauss–Legendre over both mixtures to +-10 std, in log densities):
 *   KL = integral p(x) (log p(x) - log q(x)) dx,
 *   JS = integral 1/2 p (log p - log m) + 1/2 q (log q - log m) dx, log m = logaddexp(log p, log q) - log 2.
 * Accuracy, measured (tests/unit/test_divergence.c): within 1e-14 relative of the closed-form
 * Gaussian KL and of scipy.integrate.quad at epsrel 1e-13.
 */
#ifndef NASH_EVAL_DIVERGENCE_H
#define NASH_EVAL_DIVERGENCE_H

#include <stdint.h>

#include "core/status.h"
#include "data/toy.h"

/* p (n), q (n): counts or probabilities, >= 0 and finite, each with a positive sum. */
NashStatus kl_histogram(const double *p, const double *q, int64_t n, double *out, NashError *err);
NashStatus js_histogram(const double *p, const double *q, int64_t n, double *out, NashError *err);

/* KL(N(mean_p, std_p^2) || N(mean_q, std_q^2)); stds > 0. */
NashStatus kl_gauss1d(double mean_p, double std_p, double mean_q, double std_q, double *out, NashError *err);

/* Diagonal covariances: mean (dim), var (dim) variances > 0. */
NashStatus kl_gauss_diag(const double *mean_p, const double *var_p, const double *mean_q, const double *var_q, int dim,
                         double *out, NashError *err);

/* Full covariances: mean (dim), cov (dim, dim) symmetric positive definite (only the lower
 * triangle is read). A matrix that is not positive definite is refused, naming it. */
NashStatus kl_gauss_full(const double *mean_p, const double *cov_p, const double *mean_q, const double *cov_q, int dim,
                         double *out, NashError *err);

/* 1-D Gaussian mixtures (ToyMixture with dim 1, e.g. toy_mixture("gauss1d")), by integration. */
NashStatus kl_mixture1d(const ToyMixture *p, const ToyMixture *q, double *out, NashError *err);
NashStatus js_mixture1d(const ToyMixture *p, const ToyMixture *q, double *out, NashError *err);

/* A one-component 1-D mixture N(mean, std^2), to pass single Gaussians to the mixture functions. */
ToyMixture mixture1d_gaussian(double mean, double std);

#endif
