/* plot_distances.c — draws docs/img/js-vs-w1.png, the classic experiment of docs/distances.md:
 * two distributions moved apart. p = N(0, s^2), q = N(theta, s^2) for theta in [0, 10] and
 * s = 1 and 0.1. Left: JS(p, q), integrated numerically (eval/divergence.c), saturates at
 * log 2 — and at once when the distributions are narrow (nearly point masses, whose JS jumps
 * from 0 to log 2: Arjovsky, Chintala & Bottou 2017, Example 1). Right: W1, computed exactly
 * from 4000 samples of each (eval/wasserstein.c), keeps growing like theta, so its gradient
 * never vanishes. Also prints the values as a table, and the value of the GAN game at the
 * optimal discriminator, 2 JS - log 4 (eval/game.c), for the gauss1d toy against itself shifted.
 *
 *     build/tests/tools/plot_distances docs/img/js-vs-w1.png
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/rng.h"
#include "draw/plot.h"
#include "eval/divergence.h"
#include "eval/game.h"
#include "eval/wasserstein.h"

enum { STEPS = 101, SAMPLES = 4000, WIDTH = 1200, HEIGHT = 480 };

static const double LOG2 = 0.69314718055994530942;

/* JS and W1 of N(0, s^2) against N(theta, s^2) along the thetas; the samples are s times
 * two fixed sets of Philox normals, the second shifted by theta. Non-zero on failure. */
static int sweep(double s, const double *theta, double *js, double *w1, NashError *err) {
    float *zx = malloc(SAMPLES * sizeof *zx), *zy = malloc(SAMPLES * sizeof *zy);
    float *x = malloc(SAMPLES * sizeof *x), *y = malloc(SAMPLES * sizeof *y);
    int bad = !zx || !zy || !x || !y;
    if (!bad) {
        rng_normal_at(2026, 1, 0, zx, SAMPLES);
        rng_normal_at(2026, 2, 0, zy, SAMPLES);
        for (int k = 0; k < SAMPLES; k++) x[k] = (float)(s * zx[k]);
    }
    for (int i = 0; i < STEPS && !bad; i++) {
        ToyMixture p = mixture1d_gaussian(0.0, s), q = mixture1d_gaussian(theta[i], s);
        for (int k = 0; k < SAMPLES; k++) y[k] = (float)(theta[i] + s * zy[k]);
        bad = js_mixture1d(&p, &q, &js[i], err) != NASH_OK || w1_1d(x, SAMPLES, y, SAMPLES, &w1[i], err) != NASH_OK;
    }
    free(zx);
    free(zy);
    free(x);
    free(y);
    return bad;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: plot_distances OUT.png\n");
        return 2;
    }
    double theta[STEPS], js1[STEPS], w11[STEPS], js01[STEPS], w101[STEPS], flat[2] = {LOG2, LOG2}, ends[2] = {0, 10};
    for (int i = 0; i < STEPS; i++) theta[i] = 10.0 * i / (STEPS - 1);
    NashError err = {0};
    if (sweep(1.0, theta, js1, w11, &err) || sweep(0.1, theta, js01, w101, &err)) {
        fprintf(stderr, "plot_distances: %s\n", err.msg);
        return 1;
    }
    printf("theta    JS(s=1)     JS(s=0.1)   W1(s=1)   W1(s=0.1)\n");
    for (int i = 0; i < STEPS; i += 10)
        printf("%5.1f  %.8f  %.8f  %8.4f  %8.4f\n", theta[i], js1[i], js01[i], w11[i], w101[i]);

    printf("\nshift  JS(gauss1d, gauss1d + shift)  V(D*, G) = 2 JS - log 4\n");
    const double shifts[] = {0, 0.1, 0.25, 0.5, 1, 2, 4, 8};
    for (size_t i = 0; i < sizeof shifts / sizeof shifts[0]; i++) {
        ToyMixture data, moved;
        double js, value;
        toy_mixture("gauss1d", &data, &err);
        moved = data;
        for (int c = 0; c < moved.k; c++) moved.means[c][0] += shifts[i];
        if (js_mixture1d(&data, &moved, &js, &err) || gan_value_optimal_d(&data, &moved, &value, &err)) {
            fprintf(stderr, "plot_distances: %s\n", err.msg);
            return 1;
        }
        printf("%5.2f  %.8f                    %.8f\n", shifts[i], js, value);
    }

    const PlotSeries js_series[3] = {
        {theta, js1, STEPS, {200, 50, 40}, "JS, std 1", false},
        {theta, js01, STEPS, {240, 150, 30}, "JS, std 0.1", false},
        {ends, flat, 2, {110, 110, 110}, "log 2", true},
    };
    const PlotSeries w1_series[2] = {
        {theta, w11, STEPS, {40, 90, 200}, "W1, std 1", false},
        {theta, w101, STEPS, {60, 170, 200}, "W1, std 0.1", true},
    };
    PlotOptions left = {.title = "Jensen-Shannon saturates at log 2",
                        .x_label = "shift θ: p = N(0, std²), q = N(θ, std²)",
                        .y_label = "JS(p, q) in nats",
                        .fix_y = true,
                        .y_min = 0,
                        .y_max = 0.8,
                        .text_scale = 2,
                        .legend = PLOT_LEGEND_BOTTOM_RIGHT};
    PlotOptions right = {.title = "Wasserstein-1 grows with the shift",
                         .x_label = "shift θ",
                         .y_label = "W1(p, q)",
                         .text_scale = 2,
                         .legend = PLOT_LEGEND_TOP_LEFT};
    PlotCanvas canvas;
    NashStatus st = plot_canvas_init(&canvas, WIDTH, HEIGHT, &err);
    if (!st) st = plot_lines_draw(&canvas, 0, 0, WIDTH / 2, HEIGHT, js_series, 3, &left, &err);
    if (!st) st = plot_lines_draw(&canvas, WIDTH / 2, 0, WIDTH / 2, HEIGHT, w1_series, 2, &right, &err);
    if (!st) st = plot_canvas_write_png(&canvas, argv[1], &err);
    plot_canvas_free(&canvas);
    if (st) {
        fprintf(stderr, "plot_distances: %s\n", err.msg);
        return 1;
    }
    printf("wrote %s\n", argv[1]);
    return 0;
}
