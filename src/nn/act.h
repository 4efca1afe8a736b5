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

#endif
