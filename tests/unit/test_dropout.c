/* test_dropout.c — inverted dropout with a counter-based mask (nn/dropout.c): the drop rate, the
 * 1/(1-p) scale, the mask's definition in terms of rng_uniform_at, its independence of how the
 * batch is split, its dependence on the step, backward's reuse of it, and the identity cases. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "nn/dropout.h"

static const Dropout LAYER = {.p = 0.3f, .training = true, .seed = 1234, .stream_base = (uint64_t)3 << 40};

static float *alloc_floats(size_t n) { return malloc(n * sizeof(float)); }

/* Over 4 x 65536 elements: the dropped fraction is within 4 sigma of p, kept values are exactly
 * x * (1/(1-p)) in float, and element e of sample i is dropped iff uniform value
 * (sample_base + i) * numel + e of stream stream_base + step is < p. */
static void test_rate_scale_and_definition(void) {
    const int n = 4;
    const size_t numel = 65536, count = (size_t)n * numel;
    const DropoutKey key = {.step = 17, .sample_base = 40};
    float *x = alloc_floats(count), *y = alloc_floats(count), *u = alloc_floats(count);
    fill_uniform(x, count, 0.5f, 1.5f, 71);
    dropout_forward(&LAYER, x, y, n, numel, key);
    rng_uniform_at(LAYER.seed, LAYER.stream_base + key.step, key.sample_base * numel, u, count);

    const float scale = 1.0f / (1.0f - LAYER.p);
    size_t dropped = 0, bad_scale = 0, bad_mask = 0;
    for (size_t i = 0; i < count; i++) {
        bool is_dropped = y[i] == 0.0f;
        dropped += is_dropped;
        if (!is_dropped && y[i] != x[i] * scale) bad_scale++;
        if (is_dropped != (u[i] < LAYER.p)) bad_mask++;
    }
    double expected = (double)count * LAYER.p;
    double sigma = sqrt((double)count * LAYER.p * (1.0 - LAYER.p));
    check_true(fabs((double)dropped - expected) <= 4.0 * sigma, "dropout: dropped %zu of %zu, expected %.0f +- %.0f",
               dropped, count, expected, 4.0 * sigma);
    check_true(bad_scale == 0, "dropout: kept values are x * 1/(1-p) exactly (%zu differ)", bad_scale);
    check_true(bad_mask == 0, "dropout: mask is u < p on the keyed Philox stream (%zu differ)", bad_mask);
    free(x);
    free(y);
    free(u);
}

/* The same key gives the same output; sample i of a batch at sample_base b equals sample 0 of a
 * batch at b + i; another step, or another layer's stream, gives another mask. */
static void test_keying(void) {
    const int n = 5;
    const size_t numel = 1000, count = (size_t)n * numel;
    const DropoutKey key = {.step = 3, .sample_base = 100};
    float *x = alloc_floats(count), *y = alloc_floats(count), *y2 = alloc_floats(count), *one = alloc_floats(numel);
    fill_uniform(x, count, 0.5f, 1.5f, 72);
    dropout_forward(&LAYER, x, y, n, numel, key);
    dropout_forward(&LAYER, x, y2, n, numel, key);
    check_true(memcmp(y, y2, count * sizeof(float)) == 0, "dropout: the same key gives the same mask");

    bool split_ok = true;
    for (int i = 0; i < n; i++) {
        DropoutKey single = {.step = key.step, .sample_base = key.sample_base + (uint64_t)i};
        dropout_forward(&LAYER, x + (size_t)i * numel, one, 1, numel, single);
        split_ok &= memcmp(one, y + (size_t)i * numel, numel * sizeof(float)) == 0;
    }
    check_true(split_ok, "dropout: sample i at sample_base b equals sample 0 at sample_base b+i");

    DropoutKey next = {.step = key.step + 1, .sample_base = key.sample_base};
    dropout_forward(&LAYER, x, y2, n, numel, next);
    size_t differ = 0;
    for (size_t i = 0; i < count; i++) differ += (y[i] == 0.0f) != (y2[i] == 0.0f);
    /* Independent masks disagree on 2 p (1 - p) = 42% of elements. */
    check_true(differ > count / 4, "dropout: the next step gives a different mask (%zu of %zu differ)", differ, count);

    Dropout other = LAYER;
    other.stream_base = (uint64_t)4 << 40;
    dropout_forward(&other, x, y2, n, numel, key);
    differ = 0;
    for (size_t i = 0; i < count; i++) differ += (y[i] == 0.0f) != (y2[i] == 0.0f);
    check_true(differ > count / 4, "dropout: another layer's stream gives a different mask (%zu of %zu differ)", differ,
               count);
    free(x);
    free(y);
    free(y2);
    free(one);
}

/* Backward applies the forward's mask and scale: with dy = x it reproduces y, and with dy = 1 it
 * is 1/(1-p) exactly where y is kept. In place (dx == dy) too. */
static void test_backward_mask(void) {
    const int n = 3;
    const size_t numel = 777, count = (size_t)n * numel;
    const DropoutKey key = {.step = 9, .sample_base = 12};
    float *x = alloc_floats(count), *y = alloc_floats(count), *dx = alloc_floats(count);
    fill_uniform(x, count, 0.5f, 1.5f, 73);
    dropout_forward(&LAYER, x, y, n, numel, key);
    dropout_backward(&LAYER, x, dx, n, numel, key);
    check_true(memcmp(dx, y, count * sizeof(float)) == 0, "dropout: backward with dy = x reproduces y");

    const float scale = 1.0f / (1.0f - LAYER.p);
    for (size_t i = 0; i < count; i++) dx[i] = 1.0f;
    dropout_backward(&LAYER, dx, dx, n, numel, key);
    size_t bad = 0, kept = 0;
    for (size_t i = 0; i < count; i++) {
        float want = y[i] == 0.0f ? 0.0f : scale;
        bad += dx[i] != want;
        kept += y[i] != 0.0f;
    }
    check_true(bad == 0 && kept > 0 && kept < count, "dropout: in-place backward uses the forward mask (%zu differ)",
               bad);
    free(x);
    free(y);
    free(dx);
}

/* Eval mode and p = 0 copy, out of place and in place, in both directions. */
static void test_identity(void) {
    const int n = 2;
    const size_t numel = 300, count = (size_t)n * numel;
    const DropoutKey key = {.step = 1, .sample_base = 0};
    Dropout eval = LAYER, zero = LAYER;
    eval.training = false;
    zero.p = 0.0f;
    const Dropout *cases[2] = {&eval, &zero};
    const char *names[2] = {"eval", "p=0"};
    float *x = alloc_floats(count), *y = alloc_floats(count), *buf = alloc_floats(count);
    fill_uniform(x, count, -1.0f, 1.0f, 74);
    for (int c = 0; c < 2; c++) {
        memset(y, 0xff, count * sizeof(float));
        dropout_forward(cases[c], x, y, n, numel, key);
        check_true(memcmp(x, y, count * sizeof(float)) == 0, "dropout %s: forward is the identity", names[c]);
        memcpy(buf, x, count * sizeof(float));
        dropout_forward(cases[c], buf, buf, n, numel, key);
        check_true(memcmp(x, buf, count * sizeof(float)) == 0, "dropout %s: in-place forward is the identity",
                   names[c]);
        memset(y, 0xff, count * sizeof(float));
        dropout_backward(cases[c], x, y, n, numel, key);
        check_true(memcmp(x, y, count * sizeof(float)) == 0, "dropout %s: backward is the identity", names[c]);
        dropout_backward(cases[c], buf, buf, n, numel, key);
        check_true(memcmp(x, buf, count * sizeof(float)) == 0, "dropout %s: in-place backward is the identity",
                   names[c]);
    }
    free(x);
    free(y);
    free(buf);
}

int main(void) {
    test_rate_scale_and_definition();
    test_keying();
    test_backward_mask();
    test_identity();
    return check_finish("dropout");
}
