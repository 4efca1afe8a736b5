/* act.h — elementwise activations: ReLU, LeakyReLU, tanh, sigmoid (PyTorch semantics:
 * the derivative of ReLU at 0 is 0; LeakyReLU's at 0 is the slope). */
#ifndef NASH_NN_ACT_H
#define NASH_NN_ACT_H

#include <stddef.h>

typedef enum { ACT_RELU, ACT_LEAKY_RELU, ACT_TANH, ACT_SIGMOID } ActKind;

typedef struct {
    ActKind kind;
    float slope; /* LeakyReLU negative slope */
} Act;

/* x, y (count); y may equal x (in place) */
void act_forward(const Act *l, const float *x, float *y, size_t count);
/* x: the forward input, y: the forward output (tanh and sigmoid use y), dy, dx (count);
 * dx may equal dy. */
void act_backward(const Act *l, const float *x, const float *y, const float *dy, float *dx, size_t count);

/* Double backprop (nn/net.h, net_double_backward): the derivatives along an input direction rx.
 *   tangent:   ry = f'(x) rx
 *   backward:  rdx = f''(x) rx dy + f'(x) rdy      (dx itself is act_backward's)
 * with f' and f'' from y (tanh: 1 - y^2 and -2y(1 - y^2); sigmoid: y(1 - y) and
 * y(1 - y)(1 - 2y)) or, for ReLU and LeakyReLU, the sign as act_backward reads it (f'' = 0).
 * ry may equal rx, rdx may equal rdy. */
void act_tangent(const Act *l, const float *x, const float *y, const float *rx, float *ry, size_t count);
void act_tangent_backward(const Act *l, const float *x, const float *y, const float *rx, const float *dy,
                          const float *rdy, float *rdx, size_t count);

#endif
