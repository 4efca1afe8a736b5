/* test_toy.c — the toy Gaussian mixtures (src/data/toy.h).
 *
 * 1. Parameters: ring8, grid25 and gauss1d as toy.h documents them; an unknown name is refused
 *    with the list of known ones.
 * 2. Statistics on fixed seeds (deterministic, so they cannot flake; the bounds are 5 standard
 *    errors, so a wrong sampler fails): for the 2-D mixtures every sample is assigned to its
 *    nearest mean, and the share of each component, its sample mean and its sample std must
 *    match the weight, mean and std; no sample is further from its mean than the Box–Muller
 *    bound allows. For gauss1d, whose components overlap, the mean and variance of the mixture
 *    and a Kolmogorov–Smirnov test against the exact CDF (alpha = 0.001).
 * 3. Counter semantics: the same seed gives the same samples, another seed different ones, and any
 *    range [first, first+n) equals the same slice of a bigger draw (across the block boundary).
 * 4. Files: toy_write then toy_read returns the same mixture and the samples of toy_sample;
 *    toy_read refuses an images file and a vectors file without the mixture attributes.
 * 5. Density: integrates to 1 (grid sum for 2-D, trapezoid for 1-D), and its value at a mean.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "data/dataset.h"
#include "data/toy.h"

static const double pi = 3.14159265358979323846;
static char dir[64];

static void test_parameters(void) {
    ToyMixture m;
    NashError err = {0};
    check_true(toy_mixture("ring8", &m, &err) == NASH_OK && m.dim == 2 && m.k == 8 && strcmp(m.name, "ring8") == 0,
               "ring8: dim 2, 8 components");
    bool ok = true;
    for (int c = 0; c < 8; c++)
        ok &= fabs(m.weights[c] - 0.125) < 1e-15 && m.stds[c] == 0.05 &&
              fabs(m.means[c][0] - 2 * cos(2 * pi * c / 8)) < 1e-12 &&
              fabs(m.means[c][1] - 2 * sin(2 * pi * c / 8)) < 1e-12 &&
              fabs(hypot(m.means[c][0], m.means[c][1]) - 2) < 1e-12;
    check_true(ok, "ring8: radius 2, std 0.05, equal weights");
    check_true(toy_mixture("grid25", &m, &err) == NASH_OK && m.dim == 2 && m.k == 25, "grid25: dim 2, 25 components");
    ok = true;
    int seen[5][5] = {{0}};
    for (int c = 0; c < 25; c++) {
        double x = m.means[c][0], y = m.means[c][1];
        int i = (int)lround((x + 4) / 2), j = (int)lround((y + 4) / 2);
        ok &= i >= 0 && i < 5 && j >= 0 && j < 5 && x == -4 + 2.0 * i && y == -4 + 2.0 * j && m.stds[c] == 0.05 &&
              fabs(m.weights[c] - 0.04) < 1e-15;
        if (ok) seen[i][j]++;
    }
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) ok &= seen[i][j] == 1;
    check_true(ok, "grid25: means cover {-4,-2,0,2,4}^2 once each, std 0.05, equal weights");
    check_true(toy_mixture("gauss1d", &m, &err) == NASH_OK && m.dim == 1 && m.k == 3 && m.weights[0] == 0.3 &&
                   m.weights[1] == 0.5 && m.weights[2] == 0.2 && m.means[0][0] == -2 && m.means[1][0] == 0.5 &&
                   m.means[2][0] == 3 && m.stds[0] == 0.4 && m.stds[1] == 0.6 && m.stds[2] == 0.3,
               "gauss1d: weights (0.3,0.5,0.2), means (-2,0.5,3), stds (0.4,0.6,0.3)");
    NashStatus st = toy_mixture("ring9", &m, &err);
    check_true(st == NASH_ERR_INVALID && strstr(err.msg, "ring9") && strstr(err.msg, "ring8, grid25, gauss1d"),
               "unknown name refused with the known names: %s", err.msg);
}

/* 2-D mixture: component shares, means and stds within 5 standard errors. */
static void check_mixture_2d(const char *name, int64_t n, uint64_t seed) {
    ToyMixture m;
    NashError err = {0};
    if (!check_true(toy_mixture(name, &m, &err) == NASH_OK, "%s: %s", name, err.msg)) return;
    float *x = malloc((size_t)n * 2 * sizeof *x);
    toy_sample(&m, seed, 0, n, x);
    double count[TOY_MAX_COMPONENTS] = {0}, sum[TOY_MAX_COMPONENTS][2] = {{0}}, sq[TOY_MAX_COMPONENTS] = {0};
    double far = 0;
    for (int64_t i = 0; i < n; i++) {
        int best = 0;
        double bd = INFINITY;
        for (int c = 0; c < m.k; c++) {
            double d = hypot(x[2 * i] - m.means[c][0], x[2 * i + 1] - m.means[c][1]);
            if (d < bd) bd = d, best = c;
        }
        far = fmax(far, bd);
        count[best]++;
        sum[best][0] += x[2 * i];
        sum[best][1] += x[2 * i + 1];
    }
    for (int64_t i = 0; i < n; i++) {
        int best = 0;
        double bd = INFINITY;
        for (int c = 0; c < m.k; c++) {
            double d = hypot(x[2 * i] - m.means[c][0], x[2 * i + 1] - m.means[c][1]);
            if (d < bd) bd = d, best = c;
        }
        for (int d = 0; d < 2; d++) {
            double t = x[2 * i + d] - sum[best][d] / count[best];
            sq[best] += t * t;
        }
    }
    double worst_share = 0, worst_mean = 0, worst_std = 0;
    for (int c = 0; c < m.k; c++) {
        double p = m.weights[c], share = count[c] / (double)n;
        worst_share = fmax(worst_share, fabs(share - p) / sqrt(p * (1 - p) / (double)n));
        for (int d = 0; d < 2; d++)
            worst_mean = fmax(worst_mean, fabs(sum[c][d] / count[c] - m.means[c][d]) / (m.stds[c] / sqrt(count[c])));
        double sd = sqrt(sq[c] / (2 * count[c] - 2));
        worst_std = fmax(worst_std, fabs(sd - m.stds[c]) / (m.stds[c] / sqrt(4 * count[c])));
    }
    check_true(worst_share <= 5, "%s: component shares within 5 SE of the weights (worst %.2f SE)", name, worst_share);
    check_true(worst_mean <= 5, "%s: component means within 5 SE (worst %.2f SE)", name, worst_mean);
    check_true(worst_std <= 5, "%s: component stds within 5 SE (worst %.2f SE)", name, worst_std);
    /* Box–Muller gives |z| <= 6.67 per coordinate (rng.h): every sample is that close to its mean. */
    check_true(far <= 0.05 * 6.67 * sqrt(2.0), "%s: farthest sample %.4f from its mean (bound %.4f)", name, far,
               0.05 * 6.67 * sqrt(2.0));
    free(x);
}

static double mixture_cdf_1d(const ToyMixture *m, double x) {
    double p = 0;
    for (int c = 0; c < m->k; c++) p += m->weights[c] * 0.5 * erfc(-(x - m->means[c][0]) / (m->stds[c] * sqrt(2.0)));
    return p;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void check_mixture_1d(int64_t n, uint64_t seed) {
    ToyMixture m;
    NashError err = {0};
    toy_mixture("gauss1d", &m, &err);
    float *x = malloc((size_t)n * sizeof *x);
    toy_sample(&m, seed, 0, n, x);
    double mean = 0, var = 0, mu = 0, second = 0;
    for (int c = 0; c < m.k; c++) {
        mu += m.weights[c] * m.means[c][0];
        second += m.weights[c] * (m.stds[c] * m.stds[c] + m.means[c][0] * m.means[c][0]);
    }
    double sigma2 = second - mu * mu;
    for (int64_t i = 0; i < n; i++) mean += x[i];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
    var /= (double)(n - 1);
    double se_mean = sqrt(sigma2 / (double)n);
    check_true(fabs(mean - mu) <= 5 * se_mean, "gauss1d: mean %.5f vs %.5f (%.2f SE)", mean, mu,
               fabs(mean - mu) / se_mean);
    /* SE of the sample variance: sqrt((mu4 - sigma^4)/n), with the mixture's central fourth moment
     * mu4 = sum_c w_c (d^4 + 6 d^2 s^2 + 3 s^4), d = mean_c - mu, s = std_c. */
    double mu4 = 0;
    for (int c = 0; c < m.k; c++) {
        double d = m.means[c][0] - mu, s2 = m.stds[c] * m.stds[c];
        mu4 += m.weights[c] * (d * d * d * d + 6 * d * d * s2 + 3 * s2 * s2);
    }
    double se_var = sqrt((mu4 - sigma2 * sigma2) / (double)n);
    check_true(fabs(var - sigma2) <= 5 * se_var, "gauss1d: variance %.5f vs %.5f (%.2f SE)", var, sigma2,
               fabs(var - sigma2) / se_var);
    qsort(x, (size_t)n, sizeof *x, cmp_float);
    double ks = 0;
    for (int64_t i = 0; i < n; i++) {
        double f = mixture_cdf_1d(&m, x[i]);
        ks = fmax(ks, fmax(fabs(f - (double)i / (double)n), fabs(f - (double)(i + 1) / (double)n)));
    }
    double crit = 1.949 / sqrt((double)n); /* alpha = 0.001 */
    check_true(ks <= crit, "gauss1d: Kolmogorov-Smirnov D = %.5f <= %.5f", ks, crit);
    free(x);
}

static void test_ranges(void) {
    ToyMixture m;
    NashError err = {0};
    toy_mixture("grid25", &m, &err);
    enum { N = 5000 };
    float *a = malloc(N * 2 * sizeof *a), *b = malloc(N * 2 * sizeof *b), *part = malloc(N * 2 * sizeof *part);
    toy_sample(&m, 42, 0, N, a);
    toy_sample(&m, 42, 0, N, b);
    check_true(memcmp(a, b, N * 2 * sizeof *a) == 0, "same seed, same samples");
    toy_sample(&m, 43, 0, N, b);
    size_t same = 0;
    for (int i = 0; i < N * 2; i++) same += a[i] == b[i];
    check_true(same < 10, "another seed gives other samples (%zu of %d values equal)", same, N * 2);
    const int64_t ranges[][2] = {{0, 1}, {1, 1}, {3, 7}, {1023, 2}, {1000, 3000}, {4999, 1}, {17, 4983}};
    for (size_t k = 0; k < sizeof ranges / sizeof ranges[0]; k++) {
        int64_t first = ranges[k][0], n = ranges[k][1];
        toy_sample(&m, 42, first, n, part);
        check_true(memcmp(part, a + 2 * first, (size_t)n * 2 * sizeof *a) == 0,
                   "samples [%lld, %lld) equal the slice of a draw of %d", (long long)first, (long long)(first + n), N);
    }
    ToyMixture bad = m;
    bad.k = 0; /* not a mixture: toy_sample must not read outside it, and says so with NaN */
    toy_sample(&bad, 42, 0, 3, part);
    check_true(isnan(part[0]) && isnan(part[5]), "an invalid mixture samples NaN");
    ToyMixture g;
    toy_mixture("gauss1d", &g, &err);
    toy_sample(&g, 9, 0, N, a);
    toy_sample(&g, 9, 2047, 100, part);
    check_true(memcmp(part, a + 2047, 100 * sizeof *a) == 0, "gauss1d: [2047, 2147) equals the slice");
    free(a);
    free(b);
    free(part);
}

static void test_files(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/ring8.h5", dir);
    const char *names[2] = {"ring8", "gauss1d"};
    NashError err = {0};
    for (int t = 0; t < 2; t++) {
        ToyMixture m, back;
        toy_mixture(names[t], &m, &err);
        if (!check_true(toy_write(path, &m, 1000, 7, &err) == NASH_OK, "toy_write %s: %s", names[t], err.msg)) continue;
        if (!check_true(toy_read(path, &back, &err) == NASH_OK, "toy_read %s: %s", names[t], err.msg)) continue;
        check_true(memcmp(&m, &back, sizeof m) == 0, "%s: toy_read returns the mixture written", names[t]);
        DatasetReader *r;
        DatasetInfo info;
        if (check_true(dataset_open(path, &r, &info, &err) == NASH_OK, "open %s: %s", path, err.msg)) {
            float x[2000], ref[2000];
            toy_sample(&m, 7, 0, 1000, ref);
            check_true(info.n == 1000 && info.sample.ndim == 1 && info.sample.dim[0] == m.dim &&
                           dataset_read(r, 0, 1000, x, &err) == NASH_OK &&
                           memcmp(x, ref, 1000 * (size_t)m.dim * sizeof *x) == 0,
                       "%s: the file holds the samples of toy_sample (seed 7)", names[t]);
            dataset_close(r);
        }
    }
    ToyMixture m;
    check_true(toy_write(path, &m, 0, 1, &err) != NASH_OK, "toy_write of 0 samples refused");

    uint8_t img[16] = {0};
    char other[256];
    snprintf(other, sizeof other, "%s/images.h5", dir);
    dataset_write_images(other, img, 1, shape_3d(1, 4, 4), NULL, "", NULL, 0, &err);
    NashStatus st = toy_read(other, &m, &err);
    check_true(st == NASH_ERR_DATA && strstr(err.msg, other) && strstr(err.msg, "not a toy mixture"),
               "toy_read of an images file refused: %s", err.msg);
    float v[4] = {0};
    dataset_write_vectors(other, v, 2, shape_1d(2), "ring8", NULL, 0, &err);
    st = toy_read(other, &m, &err);
    check_true(st == NASH_ERR_DATA && strstr(err.msg, other) && strstr(err.msg, "weights"),
               "toy_read without the mixture attributes refused: %s", err.msg);
    unlink(other);
    unlink(path);
}

static void test_density(void) {
    ToyMixture m;
    NashError err = {0};
    const char *names[2] = {"ring8", "grid25"};
    const double half[2] = {3.0, 5.0};
    for (int t = 0; t < 2; t++) {
        toy_mixture(names[t], &m, &err);
        double h = 0.01, sum = 0; /* h = std/5: the grid sum of a Gaussian is exact to rounding */
        int steps = (int)lround(2 * half[t] / h);
        for (int i = 0; i <= steps; i++)
            for (int j = 0; j <= steps; j++) {
                double x[2] = {-half[t] + i * h, -half[t] + j * h};
                sum += toy_density(&m, x);
            }
        sum *= h * h;
        check_true(fabs(sum - 1) < 1e-6, "%s: density integrates to %.9f over [-%g,%g]^2", names[t], sum, half[t],
                   half[t]);
    }
    toy_mixture("ring8", &m, &err);
    double at[2] = {2, 0}, expect = 0.125 / (2 * pi * 0.05 * 0.05);
    check_true(fabs(toy_density(&m, at) - expect) < 1e-9 * expect, "ring8: density at the mean (2,0) is %.6f (%.6f)",
               toy_density(&m, at), expect);
    toy_mixture("gauss1d", &m, &err);
    double lo = -8, hi = 8, h = 0.001, sum = 0;
    int steps = (int)lround((hi - lo) / h);
    for (int i = 0; i <= steps; i++) {
        double x = lo + i * h;
        sum += (i == 0 || i == steps ? 0.5 : 1.0) * toy_density(&m, &x);
    }
    sum *= h;
    check_true(fabs(sum - 1) < 1e-6, "gauss1d: density integrates to %.9f (trapezoid on [-8, 8])", sum);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/nash_test_toy.XXXXXX");
    if (!check_true(mkdtemp(dir) != NULL, "mkdtemp")) return check_finish("toy");
    test_parameters();
    check_mixture_2d("ring8", 200000, 1);
    check_mixture_2d("grid25", 250000, 2);
    check_mixture_1d(200000, 3);
    test_ranges();
    test_files();
    test_density();
    check_true(rmdir(dir) == 0, "test directory removed");
    return check_finish("toy");
}
