/* test_noise.c — the generator's input z (src/gan/noise.h), plain and truncated.
 *
 * 1. Keyed by sample index: samples [first, first+n) drawn alone equal the same rows of a larger
 *    draw, for Gaussian, uniform and truncated noise, bit for bit.
 * 2. Truncation keeps every value already inside [-t, t] (the truncated z is the untruncated one
 *    with only its outliers drawn again) and puts every value inside.
 * 3. Its distribution is N(0, 1) truncated to [-t, t]: the Kolmogorov–Smirnov distance of 2^18
 *    values from the closed-form CDF (Phi(x) - Phi(-t)) / (2 Phi(t) - 1) stays below the 0.1%
 *    critical value 1.95 / sqrt(n) = 0.0038, and the variance matches
 *    1 - 2 t phi(t) / (2 Phi(t) - 1) within 4 standard errors. Two wrong samplers fail all
 *    three: clamping to +-t instead of redrawing (KS 0.16 at t = 1, with runs of equal values),
 *    and redrawing from one stream every round, which leaves the unlucky values at the
 *    fall-back 0 (KS 0.05 at t = 1).
 * 4. The parser takes 0.05 to 10 and refuses the rest.
 * The draws are seeded, so each figure is the same on every run; the bounds are what a correct
 * sampler meets with probability 0.999 over seeds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gan/noise.h"

#define LATENT 16
#define ROWS 16384 /* 2^18 values */

static double std_normal_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void test_keyed_by_index(void) {
    float all[64 * LATENT], part[5 * LATENT];
    const char *names[] = {"gaussian", "uniform", "truncated to [-0.7, 0.7]"};
    for (int kind = 0; kind < 3; kind++) {
        if (kind == 2) {
            noise_fill_truncated(7, 0, 64, LATENT, 0.7f, all);
            noise_fill_truncated(7, 37, 5, LATENT, 0.7f, part);
        } else {
            NoiseKind k = kind == 0 ? NOISE_GAUSSIAN : NOISE_UNIFORM;
            noise_fill(k, 7, NOISE_STREAM_FIXED, 0, 64, LATENT, all);
            noise_fill(k, 7, NOISE_STREAM_FIXED, 37, 5, LATENT, part);
        }
        check_true(!memcmp(part, all + 37 * LATENT, sizeof part), "%s: samples 37..41 drawn alone equal rows 37..41",
                   names[kind]);
    }
}

static void test_truncation(double t) {
    size_t n = (size_t)ROWS * LATENT;
    float *plain = malloc(n * sizeof *plain), *cut = malloc(n * sizeof *cut);
    if (!check_true(plain && cut, "t = %g: allocate %zu values", t, n)) {
        free(plain);
        free(cut);
        return;
    }
    noise_fill(NOISE_GAUSSIAN, 3, NOISE_STREAM_FIXED, 0, ROWS, LATENT, plain);
    noise_fill_truncated(3, 0, ROWS, LATENT, (float)t, cut);
    size_t outside = 0, moved_inside = 0, redrawn = 0, repeats = 0;
    double sum = 0.0, sum2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (fabsf(cut[i]) > (float)t) outside++;
        if (fabsf(plain[i]) <= (float)t && cut[i] != plain[i]) moved_inside++;
        if (fabsf(plain[i]) > (float)t) redrawn++;
        if (i > 0 && cut[i] == cut[i - 1]) repeats++;
        sum += cut[i];
        sum2 += (double)cut[i] * cut[i];
    }
    check_true(outside == 0, "t = %g: every value inside [-t, t] (%zu outside)", t, outside);
    check_true(moved_inside == 0, "t = %g: values already inside keep their draw (%zu changed)", t, moved_inside);
    check_true(redrawn > n / 50, "t = %g: the test draws outliers to redraw (%zu of %zu)", t, redrawn, n);
    check_true(repeats < 4, "t = %g: neighbouring values differ (%zu equal pairs)", t, repeats);

    double mass = 2.0 * std_normal_cdf(t) - 1.0, pdf = exp(-0.5 * t * t) / sqrt(2.0 * acos(-1.0));
    double var_want = 1.0 - 2.0 * t * pdf / mass;
    double mean = sum / (double)n, var = sum2 / (double)n - mean * mean;
    /* the standard error of a variance estimate: sqrt((mu4 - var^2) / n); mu4 of the truncated
     * normal is 3 - (2 t^3 + 6 t) phi(t) / mass */
    double mu4 = 3.0 - (2.0 * t * t * t + 6.0 * t) * pdf / mass;
    double se = sqrt((mu4 - var_want * var_want) / (double)n);
    check_true(fabs(var - var_want) < 4.0 * se, "t = %g: variance %.5f, the truncated normal's %.5f (4 se = %.5f)", t,
               var, var_want, 4.0 * se);
    check_true(fabs(mean) < 4.0 * sqrt(var_want / (double)n), "t = %g: mean %.5f, 0 within 4 se", t, mean);

    qsort(cut, n, sizeof *cut, cmp_float);
    double ks = 0.0, base = std_normal_cdf(-t);
    for (size_t i = 0; i < n; i++) {
        double f = (std_normal_cdf(cut[i]) - base) / mass;
        double lo = f - (double)i / (double)n, hi = (double)(i + 1) / (double)n - f;
        if (lo > ks) ks = lo;
        if (hi > ks) ks = hi;
    }
    double critical = 1.95 / sqrt((double)n);
    check_true(ks < critical, "t = %g: Kolmogorov-Smirnov distance %.5f from the truncated normal, below %.5f", t, ks,
               critical);
    free(plain);
    free(cut);
}

static void test_parse(void) {
    const char *good[] = {"0.05", "0.5", "1", "2.5", "10"}, *bad[] = {"0", "0.04", "-1", "10.5", "nan", "1x", ""};
    const double want[] = {0.05, 0.5, 1.0, 2.5, 10.0};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        double t = 0.0;
        check_true(noise_truncation_parse(good[i], &t) && t == want[i], "truncation '%s' parses to %g", good[i],
                   want[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double t = -7.0;
        check_true(!noise_truncation_parse(bad[i], &t) && t == -7.0, "truncation '%s' is refused", bad[i]);
    }
}

int main(void) {
    test_keyed_by_index();
    test_truncation(0.5);
    test_truncation(1.0);
    test_truncation(2.0);
    test_parse();
    return check_finish("noise");
}
