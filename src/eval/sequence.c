/* sequence.c — dominant frequency of sequences by DFT, and the W1 of its distributions (see
 * sequence.h for the formula). */
#include "eval/sequence.h"

#include <math.h>
#include <stdlib.h>

#include "eval/wasserstein.h"

/* P(f) of the mean-removed sequence d (len). */
static double periodogram(const double *d, int len, double f) {
    const double two_pi = 6.28318530717958647692;
    double re = 0.0, im = 0.0, w = two_pi * f / len;
    for (int t = 0; t < len; t++) {
        re += d[t] * cos(w * t);
        im -= d[t] * sin(w * t);
    }
    return re * re + im * im;
}

static float dominant(const float *x, int len, double *d) {
    double mean = 0.0;
    for (int t = 0; t < len; t++) mean += x[t];
    mean /= len;
    for (int t = 0; t < len; t++) d[t] = x[t] - mean;
    int best_k = 0;
    double best = 0.0;
    for (int k = 1; k <= len / 2; k++) {
        double p = periodogram(d, len, k);
        if (p > best) {
            best = p;
            best_k = k;
        }
    }
    if (best_k == 0) return 0.0f; /* a constant sequence */
    double best_f = best_k;
    for (int s = -SEQ_FREQ_REFINE; s <= SEQ_FREQ_REFINE; s++) {
        double f = best_k + (double)s / SEQ_FREQ_REFINE;
        if (f <= 0.0 || f > len / 2.0) continue;
        double p = periodogram(d, len, f);
        if (p > best) {
            best = p;
            best_f = f;
        }
    }
    return (float)best_f;
}

void seq_dominant_freq(const float *x, int64_t n, int len, float *freq) {
    double *d = malloc((size_t)len * sizeof *d);
    for (int64_t i = 0; i < n; i++) freq[i] = d ? dominant(x + (size_t)i * len, len, d) : NAN;
    free(d);
}

NashStatus seq_freq_w1(const float *a, int64_t n, const float *b, int64_t m, int len, double *out, NashError *err) {
    if (n <= 0 || m <= 0 || len < 2)
        return nash_fail(err, NASH_ERR_INVALID, "frequency W1 needs sequences on both sides (n=%lld, m=%lld, T=%d)",
                         (long long)n, (long long)m, len);
    float *fa = malloc((size_t)n * sizeof *fa), *fb = malloc((size_t)m * sizeof *fb);
    NashStatus st;
    if (!fa || !fb) {
        st = nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the frequencies of %lld and %lld sequences", (long long)n,
                       (long long)m);
    } else {
        seq_dominant_freq(a, n, len, fa);
        seq_dominant_freq(b, m, len, fb);
        st = w1_1d(fa, n, fb, m, out, err);
    }
    free(fa);
    free(fb);
    return st;
}
