/* act.c — elementwise activations with PyTorch semantics (see act.h).
 *
 *   ReLU       y = max(x, 0)                   dy/dx = [x > 0]             (0 at x = 0)
 *   LeakyReLU  y = x > 0 ? x : slope x         dy/dx = x > 0 ? 1 : slope   (slope at x = 0)
 *   tanh       y = tanh x                      dy/dx = 1 - y^2
 *   sigmoid    y = 1 / (1 + e^-x)              dy/dx = y (1 - y)
 * Sigmoid is evaluated as e^x / (1 + e^x) for x < 0 so that e^(-x) never overflows.
 * Every loop reads element k before writing it, so y may alias x and dx may alias dy. The
 * backward of ReLU and of LeakyReLU with a slope >= 0 reads the sign of y (that of x), so that a
 * network can overwrite x with y; a negative slope flips the sign and reads x.
 */
#include "nn/act.h"

#include <math.h>

#include "core/clones.h"

/* Each iteration of the loops below reads and writes index k alone, so they may run as vectors
 * when y is x. Told nothing, GCC checks the pointers for overlap at run time and takes its scalar
 * loop when they are equal, which is every in-place call. (This file is also compiled with
 * -fno-trapping-math, src/CMakeLists.txt: without it GCC will not compute slope * x for the
 * elements that do not use it, so LeakyReLU keeps a branch and stays scalar.) Before both,
 * LeakyReLU was a compare and a branch per element, mispredicted on about half of them: 8% of a
 * DCGAN step in act_forward and as much again in act_backward (perf, 2026-12-07). */
#if defined(__clang__)
/* A hint, not a demand: builds that do not vectorize (the fuzzing build's -O1) must not warn. */
#pragma clang diagnostic ignored "-Wpass-failed"
#define ELEMENTWISE _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define ELEMENTWISE _Pragma("GCC ivdep")
#else
#define ELEMENTWISE
#endif

static float sigmoid_stable(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

/* act_forward's loops, built per vector width (core/clones.h). x, y (count) */
NASH_CLONES static void forward_loops(const Act *l, const float *x, float *y, size_t count) {
    switch (l->kind) {
    case ACT_RELU:
        ELEMENTWISE
        for (size_t k = 0; k < count; k++) y[k] = x[k] < 0.0f ? 0.0f : x[k];
        break;
    case ACT_LEAKY_RELU: {
        const float slope = l->slope;
        ELEMENTWISE
        for (size_t k = 0; k < count; k++) y[k] = x[k] > 0.0f ? x[k] : slope * x[k];
        break;
    }
    case ACT_TANH:
        for (size_t k = 0; k < count; k++) y[k] = tanhf(x[k]);
        break;
    case ACT_SIGMOID:
        for (size_t k = 0; k < count; k++) y[k] = sigmoid_stable(x[k]);
        break;
    }
}

/* act_backward's loops, built per vector width. */
NASH_CLONES static void backward_loops(const Act *l, const float *x, const float *y, const float *dy, float *dx,
                                       size_t count) {
    switch (l->kind) {
    case ACT_RELU:
        ELEMENTWISE
        for (size_t k = 0; k < count; k++) {
            float g = dy[k];
            dx[k] = y[k] > 0.0f ? g : 0.0f;
        }
        break;
    case ACT_LEAKY_RELU: {
        const float slope = l->slope;
        const float *sign = slope >= 0.0f ? y : x;
        ELEMENTWISE
        for (size_t k = 0; k < count; k++) {
            float g = dy[k];
            dx[k] = sign[k] > 0.0f ? g : slope * g;
        }
        break;
    }
    case ACT_TANH:
        ELEMENTWISE
        for (size_t k = 0; k < count; k++) dx[k] = dy[k] * (1.0f - y[k] * y[k]);
        break;
    case ACT_SIGMOID:
        ELEMENTWISE
        for (size_t k = 0; k < count; k++) dx[k] = dy[k] * y[k] * (1.0f - y[k]);
        break;
    }
}

/* x, y (count) */
void act_forward(const Act *l, const float *x, float *y, size_t count) { forward_loops(l, x, y, count); }

/* x (count) forward input  y (count) forward output  dy, dx (count) */
void act_backward(const Act *l, const float *x, const float *y, const float *dy, float *dx, size_t count) {
    backward_loops(l, x, y, dy, dx, count);
}

/* rx, ry (count) */
void act_tangent(const Act *l, const float *x, const float *y, const float *rx, float *ry, size_t count) {
    act_backward(l, x, y, rx, ry, count); /* f'(x) times a vector, as backward multiplies dy */
}

/* rdx = f''(x) rx dy + f'(x) rdy (count) */
void act_tangent_backward(const Act *l, const float *x, const float *y, const float *rx, const float *dy,
                          const float *rdy, float *rdx, size_t count) {
    switch (l->kind) {
    case ACT_RELU:
    case ACT_LEAKY_RELU: /* piecewise linear: f'' = 0 */ act_backward(l, x, y, rdy, rdx, count); break;
    case ACT_TANH:
        for (size_t k = 0; k < count; k++) {
            float d1 = 1.0f - y[k] * y[k];
            rdx[k] = -2.0f * y[k] * d1 * rx[k] * dy[k] + d1 * rdy[k];
        }
        break;
    case ACT_SIGMOID:
        for (size_t k = 0; k < count; k++) {
            float d1 = y[k] * (1.0f - y[k]);
            rdx[k] = d1 * (1.0f - 2.0f * y[k]) * rx[k] * dy[k] + d1 * rdy[k];
        }
        break;
    }
}
