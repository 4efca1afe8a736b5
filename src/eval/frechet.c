/* frechet.c — Gaussian fits of feature sets and the Fréchet distance between them (frechet.h). */
#include "eval/frechet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JACOBI_MAX_SWEEPS 100

void frechet_stats_free(FeatureStats *s) {
    free(s->mean);
    free(s->cov);
    memset(s, 0, sizeof *s);
}

NashStatus frechet_stats(const float *x, int64_t n, int dim, FeatureStats *out, NashError *err) {
    memset(out, 0, sizeof *out);
    if (n < 2 || dim < 1)
        return nash_fail(err, NASH_ERR_INVALID,
                         "a Gaussian fit needs at least 2 vectors of dimension >= 1 (got %lld of %d)", (long long)n,
                         dim);
    out->dim = dim;
    out->n = n;
    out->mean = calloc((size_t)dim, sizeof *out->mean);
    out->cov = calloc((size_t)dim * (size_t)dim, sizeof *out->cov);
    double *centred = malloc((size_t)dim * sizeof *centred);
    if (!out->mean || !out->cov || !centred) {
        free(centred);
        frechet_stats_free(out);
        return nash_fail(err, NASH_ERR_NOMEM, "out of memory for a %d-dimensional Gaussian fit", dim);
    }
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < dim; j++) out->mean[j] += x[i * dim + j];
    for (int j = 0; j < dim; j++) out->mean[j] /= (double)n;
    for (int64_t i = 0; i < n; i++) {
        for (int j = 0; j < dim; j++) centred[j] = x[i * dim + j] - out->mean[j];
        for (int j = 0; j < dim; j++)
            for (int k = j; k < dim; k++) out->cov[j * dim + k] += centred[j] * centred[k];
    }
    for (int j = 0; j < dim; j++)
        for (int k = j; k < dim; k++) {
            out->cov[j * dim + k] /= (double)(n - 1);
            out->cov[k * dim + j] = out->cov[j * dim + k];
        }
    free(centred);
    return NASH_OK;
}

/* One Jacobi rotation zeroing a[p][q] (Golub & Van Loan, Algorithm 8.5.2), applied to a and v. */
static void jacobi_rotate(double *a, double *v, int n, int p, int q) {
    double apq = a[p * n + q];
    double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
    double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
    double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
    for (int k = 0; k < n; k++) { /* columns p, q */
        double akp = a[k * n + p], akq = a[k * n + q];
        a[k * n + p] = c * akp - s * akq;
        a[k * n + q] = s * akp + c * akq;
    }
    for (int k = 0; k < n; k++) { /* rows p, q */
        double apk = a[p * n + k], aqk = a[q * n + k];
        a[p * n + k] = c * apk - s * aqk;
        a[q * n + k] = s * apk + c * aqk;
    }
    for (int k = 0; k < n; k++) {
        double vkp = v[k * n + p], vkq = v[k * n + q];
        v[k * n + p] = c * vkp - s * vkq;
        v[k * n + q] = s * vkp + c * vkq;
    }
}

NashStatus frechet_symmetric_eigen(double *a, int n, double *eigenvalues, double *v, NashError *err) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) v[i * n + j] = i == j ? 1.0 : 0.0;
    double total = 0.0;
    for (int i = 0; i < n * n; i++) total += a[i] * a[i];
    int sweep = 0;
    for (; sweep < JACOBI_MAX_SWEEPS; sweep++) {
        double off = 0.0;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
        if (off <= 1e-30 * total || off == 0.0) break;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++)
                if (a[p * n + q] != 0.0) jacobi_rotate(a, v, n, p, q);
    }
    if (sweep == JACOBI_MAX_SWEEPS)
        return nash_fail(err, NASH_ERR_DATA, "the Jacobi eigensolver did not converge in %d sweeps (n = %d)",
                         JACOBI_MAX_SWEEPS, n);
    for (int i = 0; i < n; i++) eigenvalues[i] = a[i * n + i];
    /* ascending order, eigenvectors along (selection sort: n is small) */
    for (int i = 0; i < n; i++) {
        int m = i;
        for (int j = i + 1; j < n; j++)
            if (eigenvalues[j] < eigenvalues[m]) m = j;
        if (m == i) continue;
        double t = eigenvalues[i];
        eigenvalues[i] = eigenvalues[m];
        eigenvalues[m] = t;
        for (int k = 0; k < n; k++) {
            t = v[k * n + i];
            v[k * n + i] = v[k * n + m];
            v[k * n + m] = t;
        }
    }
    return NASH_OK;
}

NashStatus frechet_distance(const FeatureStats *a, const FeatureStats *b, double *out, NashError *err) {
    if (a->dim != b->dim)
        return nash_fail(err, NASH_ERR_INVALID, "Fréchet distance between fits of different dimensions (%d and %d)",
                         a->dim, b->dim);
    int n = a->dim;
    size_t nn = (size_t)n * (size_t)n;
    double *work = malloc(nn * sizeof *work), *v = malloc(nn * sizeof *v), *root = malloc(nn * sizeof *root);
    double *tmp = malloc(nn * sizeof *tmp), *eig = malloc((size_t)n * sizeof *eig);
    NashStatus st = NASH_OK;
    if (!work || !v || !root || !tmp || !eig) {
        st = nash_fail(err, NASH_ERR_NOMEM, "out of memory for a %d x %d Fréchet distance", n, n);
        goto done;
    }
    /* root = S_a^1/2 = V diag(sqrt(l)) V^T */
    memcpy(work, a->cov, nn * sizeof *work);
    if ((st = frechet_symmetric_eigen(work, n, eig, v, err)) != NASH_OK) goto done;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double sum = 0.0;
            for (int k = 0; k < n; k++) sum += v[i * n + k] * sqrt(eig[k] > 0.0 ? eig[k] : 0.0) * v[j * n + k];
            root[i * n + j] = sum;
        }
    /* work = root S_b root, symmetrised against rounding */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double sum = 0.0;
            for (int k = 0; k < n; k++) sum += root[i * n + k] * b->cov[k * n + j];
            tmp[i * n + j] = sum;
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double sum = 0.0;
            for (int k = 0; k < n; k++) sum += tmp[i * n + k] * root[k * n + j];
            work[i * n + j] = sum;
        }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) work[i * n + j] = work[j * n + i] = 0.5 * (work[i * n + j] + work[j * n + i]);
    if ((st = frechet_symmetric_eigen(work, n, eig, v, err)) != NASH_OK) goto done;
    double trace_root = 0.0, diff = 0.0, trace = 0.0;
    for (int i = 0; i < n; i++) {
        trace_root += sqrt(eig[i] > 0.0 ? eig[i] : 0.0);
        double d = a->mean[i] - b->mean[i];
        diff += d * d;
        trace += a->cov[i * n + i] + b->cov[i * n + i];
    }
    *out = diff + trace - 2.0 * trace_root;
done:
    free(work);
    free(v);
    free(root);
    free(tmp);
    free(eig);
    return st;
}
