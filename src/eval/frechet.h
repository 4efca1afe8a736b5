/* frechet.h — the Fréchet distance between Gaussians fitted to two sets of feature vectors.
 *
 *   d^2 = |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^1/2 S_b S_a^1/2)^1/2)
 *
 * (Fréchet 1957; Dowson & Landau 1982 for Gaussians; the FID of Heusel et al. 2017 is this on
 * Inception features — nash uses its own local classifier's features, see docs/distances.md.)
 * tr((S_a S_b)^1/2) is computed as the sum of the square roots of the eigenvalues of the
 * symmetric S_a^1/2 S_b S_a^1/2, with symmetric eigendecompositions by the cyclic Jacobi method
 * in double precision (Golub & Van Loan, Matrix Computations, §8.5); eigenvalues below zero from
 * rounding are taken as zero. Covariances are unbiased (divide by n - 1), as numpy.cov.
 */
#ifndef NASH_EVAL_FRECHET_H
#define NASH_EVAL_FRECHET_H

#include <stdint.h>

#include "core/status.h"

typedef struct {
    int dim;
    int64_t n;
    double *mean; /* (dim) */
    double *cov;  /* (dim, dim) */
} FeatureStats;

/* Mean and covariance of x (n, dim) float32; needs n >= 2. */
NashStatus frechet_stats(const float *x, int64_t n, int dim, FeatureStats *out, NashError *err);
void frechet_stats_free(FeatureStats *s);

/* The squared Fréchet distance d^2 (what FID reports) between two fits of the same dimension. */
NashStatus frechet_distance(const FeatureStats *a, const FeatureStats *b, double *out, NashError *err);

/* Eigenvalues (ascending) and eigenvectors (columns of v, row-major n x n) of the symmetric a
 * (n, n), which is overwritten. Exposed for its test. */
NashStatus frechet_symmetric_eigen(double *a, int n, double *eigenvalues, double *v, NashError *err);

#endif
