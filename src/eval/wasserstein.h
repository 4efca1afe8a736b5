/* wasserstein.h — the Wasserstein-1 (earth mover's) distance between samples.
 *
 *   1-D, exact:  W1(P, Q) = integral over t of |F_P(t) - F_Q(t)| dt, with F the empirical CDFs
 *                (Villani 2009; equal to scipy.stats.wasserstein_distance on unweighted samples).
 *                Computed by sorting both samples and sweeping the merged breakpoints.
 *   sliced:      SW1(P, Q) = mean over directions u of W1(<u, P>, <u, Q>), directions uniform on
 *                the unit sphere (normalised Gaussian vectors from Philox stream (seed, 0x51)),
 *                a Monte-Carlo estimate of the sliced Wasserstein distance (Bonneel et al. 2015).
 */
#ifndef NASH_EVAL_WASSERSTEIN_H
#define NASH_EVAL_WASSERSTEIN_H

#include <stdint.h>

#include "core/status.h"

/* a (n), b (m): exact 1-D W1 of the two empirical distributions. Sorts copies. */
NashStatus w1_1d(const float *a, int64_t n, const float *b, int64_t m, double *out, NashError *err);

/* x (n, dim), y (m, dim): sliced W1 over n_proj random directions. */
NashStatus sliced_w1(const float *x, int64_t n, const float *y, int64_t m, int dim, int n_proj, uint64_t seed,
                     double *out, NashError *err);

#endif
