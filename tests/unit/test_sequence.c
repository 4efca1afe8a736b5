/* test_sequence.c — the sines toy (data/toy.h) and the dominant-frequency evaluation
 * (eval/sequence.h).
 *
 * Sines: the values follow a sin(2 pi f t / T + phi) with the drawn parameters inside their
 * ranges; any range of samples equals the same slice of a bigger draw; the file holds /x (N,T,1)
 * of kind "sines", the ranges as attributes, and /freq, /phase, /amplitude equal to the draw;
 * toy_sines_detect tells it from a mixture file. Dominant frequency: within 0.1 cycle on
 * whole-cycle sines (the rectangular window's leakage from the negative frequency biases the
 * refined peak by a few hundredths), 0 on a constant, and on 4096 sines of 32 steps within 0.05 cycles of the true
 * frequency for the median sequence and 0.2 for the worst; W1 of two independent draws is small and W1 against the same
 * sines one cycle faster is about 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "data/dataset.h"
#include "data/toy.h"
#include "eval/sequence.h"
#include "fixture.h"

#define N 4096
#define T 32
#define PI 3.14159265358979323846

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void check_sines_values(void) {
    float *x = malloc((size_t)N * T * sizeof *x), *part = malloc(100 * T * sizeof *part);
    double *f = malloc(N * sizeof *f), *p = malloc(N * sizeof *p), *a = malloc(N * sizeof *a);
    toy_sines_sample(3, 0, N, T, x, f, p, a);
    double worst = 0.0;
    bool in_range = true;
    for (int i = 0; i < N; i++) {
        in_range &= f[i] >= 1.0 && f[i] <= 5.0 && p[i] >= 0.0 && p[i] < 2 * PI && a[i] >= 0.3 && a[i] <= 1.0;
        for (int t = 0; t < T; t++) worst = fmax(worst, fabs(x[i * T + t] - a[i] * sin(2 * PI * f[i] * t / T + p[i])));
    }
    check_true(in_range, "sines: a parameter is outside its documented range");
    check_true(worst < 1e-6, "sines: values differ from a sin(2 pi f t/T + phi) by %g", worst);
    toy_sines_sample(3, 1000, 100, T, part, NULL, NULL, NULL);
    check_close("sines: samples [1000, 1100) drawn alone", part, x + 1000 * T, 100 * T, 0, 0);

    float *freq = malloc(N * sizeof *freq), *err = malloc(N * sizeof *err);
    seq_dominant_freq(x, N, T, freq);
    for (int i = 0; i < N; i++) err[i] = fabsf(freq[i] - (float)f[i]);
    qsort(err, N, sizeof *err, cmp_float);
    printf("  dominant frequency vs the true one: median error %.4f, 95%% %.4f, worst %.4f cycles\n", err[N / 2],
           err[N * 95 / 100], err[N - 1]);
    check_true(err[N / 2] < 0.05 && err[N - 1] < 0.2, "dominant frequency: median error %g, worst %g cycles",
               err[N / 2], err[N - 1]);

    /* W1 against an independent draw, and against the same sines one cycle faster */
    float *y = malloc((size_t)N * T * sizeof *y);
    toy_sines_sample(4, 0, N, T, y, NULL, NULL, NULL);
    double w_same, w_shift;
    NashError e = {0};
    check_true(seq_freq_w1(x, N, y, N, T, &w_same, &e) == NASH_OK, "seq_freq_w1: %s", e.msg);
    for (int i = 0; i < N; i++)
        for (int t = 0; t < T; t++) y[i * T + t] = (float)(a[i] * sin(2 * PI * (f[i] + 1.0) * t / T + p[i]));
    check_true(seq_freq_w1(x, N, y, N, T, &w_shift, &e) == NASH_OK, "seq_freq_w1: %s", e.msg);
    printf("  W1 of dominant frequencies: independent draws %.4f, one cycle faster %.4f\n", w_same, w_shift);
    check_true(w_same < 0.1, "W1 between two draws of sines is %g, expected < 0.1", w_same);
    check_true(fabs(w_shift - 1.0) < 0.05, "W1 against sines one cycle faster is %g, expected about 1", w_shift);
    check_true(seq_freq_w1(x, 0, y, N, T, &w_shift, &e) != NASH_OK, "seq_freq_w1 accepted zero sequences");
    free(x);
    free(part);
    free(f);
    free(p);
    free(a);
    free(freq);
    free(err);
    free(y);
}

static void check_exact_cases(void) {
    float x[3 * 40], freq[3];
    for (int t = 0; t < 40; t++) {
        x[t] = (float)sin(2 * PI * 3 * t / 40 + 0.4);
        x[40 + t] = 0.7f;
        x[80 + t] = (float)(0.5 * cos(2 * PI * 7 * t / 40) + 0.1 * sin(2 * PI * 2 * t / 40));
    }
    seq_dominant_freq(x, 3, 40, freq);
    check_true(fabsf(freq[0] - 3.0f) < 0.1f, "a whole 3-cycle sine: dominant frequency %g", freq[0]);
    check_true(freq[1] == 0.0f, "a constant: dominant frequency %g, expected 0", freq[1]);
    check_true(fabsf(freq[2] - 7.0f) < 0.1f, "7 cycles plus a weaker 2: dominant frequency %g", freq[2]);
}

static void check_file(void) {
    char dir[] = "/tmp/nash-test-sequence-XXXXXX", path[64], ring[64];
    if (!check_true(mkdtemp(dir) != NULL, "cannot make a temporary directory")) return;
    snprintf(path, sizeof path, "%s/sines.h5", dir);
    snprintf(ring, sizeof ring, "%s/ring8.h5", dir);
    NashError err = {0};
    ToyMixture m;
    check_true(toy_sines_write(path, 300, 16, 9, &err) == NASH_OK, "toy_sines_write: %s", err.msg);
    check_true(toy_sines_write(path, 300, 1, 9, &err) == NASH_ERR_INVALID, "a length of 1 was accepted");
    check_true(toy_mixture("ring8", &m, &err) == NASH_OK && toy_write(ring, &m, 10, 1, &err) == NASH_OK,
               "toy_write: %s", err.msg);
    int len = 0;
    check_true(toy_sines_detect(path, &len) && len == 16, "toy_sines_detect: not detected (len %d)", len);
    check_true(!toy_sines_detect(ring, NULL), "toy_sines_detect: a ring8 file taken for sines");
    float x[300 * 16], ref[300 * 16];
    double f[300], p[300], a[300];
    toy_sines_sample(9, 0, 300, 16, ref, f, p, a);
    DatasetReader *r;
    DatasetInfo info;
    if (check_true(dataset_open(path, &r, &info, &err) == NASH_OK, "dataset_open: %s", err.msg)) {
        check_true(info.n == 300 && info.sample.ndim == 2 && info.sample.dim[0] == 16 && info.sample.dim[1] == 1,
                   "sines file: /x is not (300,16,1)");
        check_true(dataset_read(r, 0, 300, x, &err) == NASH_OK, "dataset_read: %s", err.msg);
        check_close("sines file: /x", x, ref, 300 * 16, 0, 0);
        double range[4];
        int count = 0;
        check_true(dataset_read_attr(r, "freq_range", range, 4, &count, &err) == NASH_OK && count == 2 &&
                       range[0] == 1.0 && range[1] == 5.0,
                   "sines file: freq_range is not (1, 5)");
        dataset_close(r);
    }
    Fixture fx;
    if (fixture_open(&fx, path)) {
        const char *names[3] = {"/freq", "/phase", "/amplitude"};
        const double *want[3] = {f, p, a};
        for (int k = 0; k < 3; k++) {
            size_t count = 0;
            float *v = fixture_read_floats(&fx, names[k], &count, NULL, NULL);
            float w[300];
            for (int i = 0; i < 300; i++) w[i] = (float)want[k][i];
            if (check_true(v && count == 300, "sines file: %s is missing or not 300 values", names[k]))
                check_close(names[k], v, w, 300, 0, 0);
            free(v);
        }
        fixture_close(&fx);
    }
    unlink(path);
    unlink(ring);
    rmdir(dir);
}

int main(void) {
    check_sines_values();
    check_exact_cases();
    check_file();
    return check_finish("sequence");
}
