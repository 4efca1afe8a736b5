/* montecarlo.c — Welford accumulators and Monte-Carlo expectations over N(0, I) (see montecarlo.h). */
#include "eval/montecarlo.h"

#include <math.h>
#include <stdlib.h>

#include "core/rng.h"

#define MC_BLOCK 1024 /* draws per batch of random numbers */

void welford_init(Welford *w) {
    w->n = 0;
    w->mean = 0.0;
    w->m2 = 0.0;
}

void welford_add(Welford *w, double x) {
    w->n++;
    double delta = x - w->mean;
    w->mean += delta / (double)w->n;
    w->m2 += delta * (x - w->mean);
}

void welford_merge(Welford *w, const Welford *other) {
    if (other->n == 0) return;
    if (w->n == 0) {
        *w = *other;
        return;
    }
    double na = (double)w->n, nb = (double)other->n, n = na + nb, delta = other->mean - w->mean;
    w->mean += delta * nb / n;
    w->m2 += other->m2 + delta * delta * na * nb / n;
    w->n += other->n;
}

McEstimate welford_estimate(const Welford *w) {
    McEstimate e = {w->n, w->mean, 0.0, 0.0};
    if (w->n >= 2) {
        e.variance = w->m2 / (double)(w->n - 1);
        e.std_error = sqrt(e.variance / (double)w->n);
    }
    return e;
}

NashStatus mc_expect_normal(McFunction f, void *ctx, int dim, int64_t n, uint64_t seed, uint64_t stream,
                            McEstimate *out, NashError *err) {
    if (!f || dim < 1 || dim > 4096 || n < 2)
        return nash_fail(err, NASH_ERR_INVALID,
                         "Monte-Carlo: need a function, dim in [1, 4096] and at least 2 draws (dim %d, n %lld)", dim,
                         (long long)n);
    float *zf = malloc((size_t)MC_BLOCK * (size_t)dim * sizeof *zf);
    double *z = malloc((size_t)dim * sizeof *z);
    if (!zf || !z) {
        free(zf);
        free(z);
        return nash_fail(err, NASH_ERR_NOMEM, "Monte-Carlo: no memory for %d draws of dimension %d", MC_BLOCK, dim);
    }
    Welford w;
    welford_init(&w);
    NashStatus st = NASH_OK;
    for (int64_t done = 0; done < n && !st; done += MC_BLOCK) {
        int64_t b = n - done < MC_BLOCK ? n - done : MC_BLOCK;
        rng_normal_at(seed, stream, (uint64_t)done * (uint64_t)dim, zf, (size_t)b * (size_t)dim);
        for (int64_t i = 0; i < b; i++) {
            for (int d = 0; d < dim; d++) z[d] = zf[(size_t)i * (size_t)dim + (size_t)d];
            double v = f(z, dim, ctx);
            if (!isfinite(v)) {
                st = nash_fail(err, NASH_ERR_INVALID, "Monte-Carlo: f gave %g at draw %lld; it must be finite", v,
                               (long long)(done + i));
                break;
            }
            welford_add(&w, v);
        }
    }
    free(zf);
    free(z);
    if (!st) *out = welford_estimate(&w);
    return st;
}

NashStatus mc_estimate_values(const double *values, int64_t n, McEstimate *out, NashError *err) {
    if (n < 1 || !values) return nash_fail(err, NASH_ERR_INVALID, "Monte-Carlo: no values (%lld)", (long long)n);
    Welford w;
    welford_init(&w);
    for (int64_t i = 0; i < n; i++) {
        if (isnan(values[i])) return nash_fail(err, NASH_ERR_INVALID, "Monte-Carlo: value %lld is NaN", (long long)i);
        welford_add(&w, values[i]);
    }
    *out = welford_estimate(&w);
    return NASH_OK;
}
