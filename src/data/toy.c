/* toy.c — the Gaussian-mixture toy distributions of the GAN literature (see toy.h).
 *
 * Sampling is keyed by (seed, sample index i), so any range is generated independently:
 *   component  u = rng_uniform_at(seed, stream 0, value i); the first c with u < W_c, where
 *              W_c = (w_0 + ... + w_c) / (w_0 + ... + w_{k-1}) is the cumulative weight
 *   offset     z = rng_normal_at(seed, stream 1, values 2i and 2i+1)  (a 1-D mixture uses 2i)
 *   sample     x_d = mean_c[d] + std_c * z_d
 * The density is the mixture of isotropic normals: p(x) = sum_c w_c prod_d N(x_d; mean_c[d], std_c^2).
 * The sines toy (toy.h) draws three uniforms per sample from stream 2 and evaluates
 *   x_t = amplitude * sin(2 pi freq t / T + phase) in double.
 */
#include "data/toy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "data/dataset.h"

#define TOY_BLOCK 1024 /* samples per batch of random numbers */
#define TOY_STREAM_COMPONENT 0
#define TOY_STREAM_OFFSET 1
#define TOY_STREAM_SINES 2

static const char toy_known[] = "ring8, grid25, gauss1d, sines, shapes";

NashStatus toy_mixture(const char *name, ToyMixture *m, NashError *err) {
    memset(m, 0, sizeof *m);
    if (!name) return nash_fail(err, NASH_ERR_INVALID, "no toy distribution named; known: %s", toy_known);
    if (strcmp(name, "ring8") == 0) {
        const double pi = 3.14159265358979323846;
        m->dim = 2;
        m->k = 8;
        for (int c = 0; c < 8; c++) {
            m->weights[c] = 1.0 / 8;
            m->means[c][0] = 2.0 * cos(2 * pi * c / 8);
            m->means[c][1] = 2.0 * sin(2 * pi * c / 8);
            m->stds[c] = 0.05;
        }
    } else if (strcmp(name, "grid25") == 0) {
        m->dim = 2;
        m->k = 25;
        for (int c = 0; c < 25; c++) {
            m->weights[c] = 1.0 / 25;
            m->means[c][0] = -4.0 + 2.0 * (c / 5);
            m->means[c][1] = -4.0 + 2.0 * (c % 5);
            m->stds[c] = 0.05;
        }
    } else if (strcmp(name, "gauss1d") == 0) {
        static const double w[3] = {0.3, 0.5, 0.2}, mu[3] = {-2.0, 0.5, 3.0}, sd[3] = {0.4, 0.6, 0.3};
        m->dim = 1;
        m->k = 3;
        for (int c = 0; c < 3; c++) {
            m->weights[c] = w[c];
            m->means[c][0] = mu[c];
            m->stds[c] = sd[c];
        }
    } else if (strcmp(name, "sines") == 0) {
        return nash_fail(err, NASH_ERR_INVALID, "sines is a toy of sequences, not a mixture (toy_sines_write)");
    } else if (strcmp(name, "shapes") == 0) {
        return nash_fail(err, NASH_ERR_INVALID, "shapes is a toy of images, not a mixture (toy_shapes_write)");
    } else {
        return nash_fail(err, NASH_ERR_INVALID, "unknown toy distribution '%s'; known: %s", name, toy_known);
    }
    snprintf(m->name, sizeof m->name, "%s", name);
    return NASH_OK;
}

/* A mixture a caller can sample from: dimensions, component count, weights and stds. */
static NashStatus toy_check(const ToyMixture *m, const char *where, NashError *err) {
    if (m->dim != 1 && m->dim != 2)
        return nash_fail(err, NASH_ERR_DATA, "%s: toy mixture dim is %d, expected 1 or 2", where, m->dim);
    if (m->k < 1 || m->k > TOY_MAX_COMPONENTS)
        return nash_fail(err, NASH_ERR_DATA, "%s: toy mixture has %d components, expected 1 to %d", where, m->k,
                         TOY_MAX_COMPONENTS);
    double total = 0;
    for (int c = 0; c < m->k; c++) {
        if (!(m->weights[c] >= 0 && isfinite(m->weights[c])) || !(m->stds[c] > 0 && isfinite(m->stds[c])) ||
            !isfinite(m->means[c][0]) || !isfinite(m->means[c][1]))
            return nash_fail(err, NASH_ERR_DATA,
                             "%s: toy mixture component %d has weight %g, std %g, mean (%g, %g); expected a "
                             "weight >= 0, a std > 0 and finite means",
                             where, c, m->weights[c], m->stds[c], m->means[c][0], m->means[c][1]);
        total += m->weights[c];
    }
    if (!(total > 0)) return nash_fail(err, NASH_ERR_DATA, "%s: toy mixture weights sum to %g", where, total);
    return NASH_OK;
}

/* The component for a uniform u in [0, 1), given the cumulative weights. */
static int toy_component(const double *cum, int k, float u) {
    for (int c = 0; c < k; c++)
        if ((double)u < cum[c]) return c;
    return k - 1;
}

void toy_sample(const ToyMixture *m, uint64_t seed, int64_t first, int64_t n, float *x) {
    if (toy_check(m, "toy_sample", NULL) != NASH_OK) { /* not from toy_mixture/toy_read: make it visible */
        int dim = m->dim == 1 || m->dim == 2 ? m->dim : 0;
        for (int64_t i = 0; i < n * dim; i++) x[i] = NAN;
        return;
    }
    double cum[TOY_MAX_COMPONENTS], total = 0, run = 0;
    int k = m->k;
    for (int c = 0; c < k; c++) total += m->weights[c];
    for (int c = 0; c < k; c++) {
        run += m->weights[c];
        cum[c] = run / total;
    }
    /* The last component with a positive weight takes any u at or above the rounded total. */
    int last = k - 1;
    while (last > 0 && m->weights[last] <= 0) last--;
    cum[last] = 2.0;
    float u[TOY_BLOCK], z[2 * TOY_BLOCK];
    for (int64_t done = 0; done < n;) {
        int64_t b = n - done < TOY_BLOCK ? n - done : TOY_BLOCK;
        uint64_t i0 = (uint64_t)(first + done);
        rng_uniform_at(seed, TOY_STREAM_COMPONENT, i0, u, (size_t)b);
        rng_normal_at(seed, TOY_STREAM_OFFSET, 2 * i0, z, 2 * (size_t)b);
        for (int64_t j = 0; j < b; j++) {
            int c = toy_component(cum, k, u[j]);
            float *out = x + (size_t)(done + j) * (size_t)m->dim;
            for (int d = 0; d < m->dim; d++) out[d] = (float)(m->means[c][d] + m->stds[c] * (double)z[2 * j + d]);
        }
        done += b;
    }
}

NashStatus toy_write(const char *path, const ToyMixture *m, int64_t n, uint64_t seed, NashError *err) {
    NashStatus st = toy_check(m, path, err);
    if (st != NASH_OK) return st;
    if (n <= 0 || (uint64_t)n > SIZE_MAX / sizeof(float) / 2)
        return nash_fail(err, NASH_ERR_INVALID, "%s: cannot write %lld toy samples; give a positive count", path,
                         (long long)n);
    float *x = malloc((size_t)n * (size_t)m->dim * sizeof *x);
    if (!x) return nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory for %lld toy samples", path, (long long)n);
    toy_sample(m, seed, 0, n, x);
    double means[2 * TOY_MAX_COMPONENTS], dim = m->dim;
    for (int c = 0; c < m->k; c++) {
        means[2 * c] = m->means[c][0];
        means[2 * c + 1] = m->means[c][1];
    }
    const DatasetAttr attrs[] = {
        {"weights", m->weights, m->k},
        {"means", means, 2 * m->k},
        {"stds", m->stds, m->k},
        {"dim", &dim, 1},
    };
    st = dataset_write_vectors(path, x, n, shape_1d(m->dim), m->name, attrs, 4, err);
    free(x);
    return st;
}

/* Read attribute `name` of /x, which must hold exactly `want` values. */
static NashStatus toy_read_attr(DatasetReader *r, const char *path, const char *name, double *out, int want,
                                NashError *err) {
    int got = 0;
    NashStatus st = dataset_read_attr(r, name, out, want, &got, err);
    if (st != NASH_OK) return st;
    if (got != want)
        return nash_fail(err, NASH_ERR_DATA, "%s: attribute '%s' of /x has %d values, expected %d", path, name, got,
                         want);
    return NASH_OK;
}

NashStatus toy_read(const char *path, ToyMixture *m, NashError *err) {
    memset(m, 0, sizeof *m);
    DatasetReader *r = NULL;
    DatasetInfo info;
    NashStatus st = dataset_open(path, &r, &info, err);
    if (st != NASH_OK) return st;
    double means[2 * TOY_MAX_COMPONENTS], dim = 0;
    if (info.kind != DATASET_VECTORS || info.sample.ndim != 1 || (info.sample.dim[0] != 1 && info.sample.dim[0] != 2))
        st = nash_fail(err, NASH_ERR_DATA,
                       "%s: not a toy mixture file: expected /x float32 (N,1) or (N,2); make one "
                       "with nash data toy",
                       path);
    if (st == NASH_OK) st = dataset_read_kind(r, m->name, (int)sizeof m->name, err);
    if (st == NASH_OK) st = dataset_read_attr(r, "weights", m->weights, TOY_MAX_COMPONENTS, &m->k, err);
    if (st == NASH_OK) st = toy_read_attr(r, path, "means", means, 2 * m->k, err);
    if (st == NASH_OK) st = toy_read_attr(r, path, "stds", m->stds, m->k, err);
    if (st == NASH_OK) st = toy_read_attr(r, path, "dim", &dim, 1, err);
    dataset_close(r);
    if (st != NASH_OK) return st;
    m->dim = (int)dim;
    if ((double)m->dim != dim || m->dim != info.sample.dim[0])
        return nash_fail(err, NASH_ERR_DATA, "%s: attribute 'dim' of /x is %g but /x holds %d values per sample", path,
                         dim, info.sample.dim[0]);
    for (int c = 0; c < m->k; c++) {
        m->means[c][0] = means[2 * c];
        m->means[c][1] = means[2 * c + 1];
    }
    return toy_check(m, path, err);
}

double toy_density(const ToyMixture *m, const double *x) {
    const double inv_sqrt_2pi = 0.39894228040143267794;
    double total = 0, p = 0;
    for (int c = 0; c < m->k; c++) total += m->weights[c];
    if (!(total > 0)) return 0;
    for (int c = 0; c < m->k; c++) {
        double q = m->weights[c] / total;
        for (int d = 0; d < m->dim; d++) {
            double t = (x[d] - m->means[c][d]) / m->stds[c];
            q *= inv_sqrt_2pi / m->stds[c] * exp(-0.5 * t * t);
        }
        p += q;
    }
    return p;
}

/* ---- sines ---------------------------------------------------------------------------------- */

void toy_sines_sample(uint64_t seed, int64_t first, int64_t n, int len, float *x, double *freq, double *phase,
                      double *amplitude) {
    const double two_pi = 6.28318530717958647692;
    float u[3 * TOY_BLOCK];
    for (int64_t done = 0; done < n;) {
        int64_t b = n - done < TOY_BLOCK ? n - done : TOY_BLOCK;
        rng_uniform_at(seed, TOY_STREAM_SINES, 3 * (uint64_t)(first + done), u, 3 * (size_t)b);
        for (int64_t j = 0; j < b; j++) {
            int64_t i = done + j;
            double f = TOY_SINES_FREQ_MIN + (TOY_SINES_FREQ_MAX - TOY_SINES_FREQ_MIN) * u[3 * j];
            double p = two_pi * u[3 * j + 1];
            double a = TOY_SINES_AMP_MIN + (TOY_SINES_AMP_MAX - TOY_SINES_AMP_MIN) * u[3 * j + 2];
            for (int t = 0; t < len; t++) x[i * len + t] = (float)(a * sin(two_pi * f * t / len + p));
            if (freq) freq[i] = f;
            if (phase) phase[i] = p;
            if (amplitude) amplitude[i] = a;
        }
        done += b;
    }
}

NashStatus toy_sines_write(const char *path, int64_t n, int len, uint64_t seed, NashError *err) {
    if (len < 2 || len > TOY_SINES_MAX_LEN)
        return nash_fail(err, NASH_ERR_INVALID, "%s: sequences of %d steps; give a length from 2 to %d", path, len,
                         TOY_SINES_MAX_LEN);
    if (n <= 0 || (uint64_t)n > SIZE_MAX / sizeof(float) / (size_t)len / 2)
        return nash_fail(err, NASH_ERR_INVALID, "%s: cannot write %lld sequences; give a positive count", path,
                         (long long)n);
    float *x = malloc((size_t)n * (size_t)len * sizeof *x);
    double *params = malloc(3 * (size_t)n * sizeof *params);
    NashStatus st = NASH_OK;
    if (!x || !params) {
        st =
            nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory for %lld sequences of %d steps", path, (long long)n, len);
    } else {
        toy_sines_sample(seed, 0, n, len, x, params, params + n, params + 2 * n);
        const double pi = 3.14159265358979323846, length = len;
        const double freq_range[2] = {TOY_SINES_FREQ_MIN, TOY_SINES_FREQ_MAX}, phase_range[2] = {0.0, 2.0 * pi},
                     amp_range[2] = {TOY_SINES_AMP_MIN, TOY_SINES_AMP_MAX};
        const DatasetAttr attrs[] = {{"freq_range", freq_range, 2},
                                     {"phase_range", phase_range, 2},
                                     {"amplitude_range", amp_range, 2},
                                     {"len", &length, 1}};
        const DatasetColumn columns[] = {{"freq", params}, {"phase", params + n}, {"amplitude", params + 2 * n}};
        st = dataset_write_vectors_columns(path, x, n, shape_2d(len, 1), "sines", attrs, 4, columns, 3, err);
    }
    free(x);
    free(params);
    return st;
}

bool toy_sines_detect(const char *path, int *len) {
    DatasetReader *r = NULL;
    DatasetInfo info;
    NashError ignored = {0};
    if (dataset_open(path, &r, &info, &ignored) != NASH_OK) return false;
    char kind[16] = "";
    bool yes = info.kind == DATASET_VECTORS && info.sample.ndim == 2 && info.sample.dim[1] == 1 &&
               dataset_read_kind(r, kind, (int)sizeof kind, &ignored) == NASH_OK && !strcmp(kind, "sines");
    dataset_close(r);
    if (yes && len) *len = info.sample.dim[0];
    return yes;
}
