/* wasserstein.c — exact 1-D and sliced Wasserstein-1 distances (formulas in wasserstein.h). */
#include "eval/wasserstein.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

static int cmp_double(const void *p, const void *q) {
    double a = *(const double *)p, b = *(const double *)q;
    return (a > b) - (a < b);
}

/* W1 of two sorted samples: sweep the merged values, accumulating |F_a - F_b| * gap. */
static double w1_sorted(const double *a, int64_t n, const double *b, int64_t m) {
    int64_t i = 0, j = 0;
    double sum = 0.0, prev = a[0] < b[0] ? a[0] : b[0];
    while (i < n || j < m) {
        double next = (j >= m || (i < n && a[i] <= b[j])) ? a[i] : b[j];
        double fa = (double)i / (double)n, fb = (double)j / (double)m;
        sum += fabs(fa - fb) * (next - prev);
        prev = next;
        while (i < n && a[i] == next) i++;
        while (j < m && b[j] == next) j++;
    }
    return sum;
}

static double *sorted_copy(const float *x, int64_t n, int stride, const double *dir, int dim) {
    double *out = malloc((size_t)n * sizeof *out);
    if (!out) return NULL;
    for (int64_t i = 0; i < n; i++) {
        double v = 0.0;
        for (int d = 0; d < dim; d++) v += (dir ? dir[d] : 1.0) * x[i * stride + d];
        out[i] = v;
    }
    qsort(out, (size_t)n, sizeof *out, cmp_double);
    return out;
}

NashStatus w1_1d(const float *a, int64_t n, const float *b, int64_t m, double *out, NashError *err) {
    if (n <= 0 || m <= 0)
        return nash_fail(err, NASH_ERR_INVALID, "W1 needs samples on both sides (%lld, %lld)", (long long)n,
                         (long long)m);
    double *sa = sorted_copy(a, n, 1, NULL, 1), *sb = sorted_copy(b, m, 1, NULL, 1);
    NashStatus st = NASH_OK;
    if (!sa || !sb)
        st = nash_fail(err, NASH_ERR_NOMEM, "cannot sort %lld + %lld samples", (long long)n, (long long)m);
    else
        *out = w1_sorted(sa, n, sb, m);
    free(sa);
    free(sb);
    return st;
}

NashStatus sliced_w1(const float *x, int64_t n, const float *y, int64_t m, int dim, int n_proj, uint64_t seed,
                     double *out, NashError *err) {
    if (n <= 0 || m <= 0 || dim <= 0 || n_proj <= 0)
        return nash_fail(err, NASH_ERR_INVALID, "sliced W1 needs samples, a dimension and projections");
    double *dir = malloc((size_t)dim * sizeof *dir);
    float *g = malloc((size_t)dim * sizeof *g);
    if (!dir || !g) {
        free(dir);
        free(g);
        return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate a projection of %d dimensions", dim);
    }
    double total = 0.0;
    NashStatus st = NASH_OK;
    for (int p = 0; p < n_proj && !st; p++) {
        rng_normal_at(seed, 0x51, (uint64_t)p * (uint64_t)dim, g, (size_t)dim);
        double norm = 0.0;
        for (int d = 0; d < dim; d++) norm += (double)g[d] * g[d];
        norm = sqrt(norm);
        for (int d = 0; d < dim; d++) dir[d] = norm > 0 ? g[d] / norm : (d == 0);
        double *sx = sorted_copy(x, n, dim, dir, dim), *sy = sorted_copy(y, m, dim, dir, dim);
        if (!sx || !sy)
            st = nash_fail(err, NASH_ERR_NOMEM, "cannot project %lld + %lld samples", (long long)n, (long long)m);
        else
            total += w1_sorted(sx, n, sy, m);
        free(sx);
        free(sy);
    }
    free(dir);
    free(g);
    if (!st) *out = total / n_proj;
    return st;
}
