/* dense.h — fully connected layer, y = x W^T + b (torch.nn.Linear).
 *
 * Conventions shared by every layer in nn/ (see docs/layers.md):
 *   - float32, batch-first; shape comments give the whole batch, N first;
 *   - parameters are slices of the network's arenas, in PyTorch layout;
 *   - backward ADDS into parameter gradients (zeroing is explicit, once per step) and WRITES dx;
 *     dx may be NULL (no input gradient wanted) and param_grads=false skips the parameter
 *     gradients (the generator step backpropagates through D without D's weight gradients);
 *   - every fast kernel has a plain-loop *_naive twin it is tested against.
 */
#ifndef NASH_NN_DENSE_H
#define NASH_NN_DENSE_H

#include <stdbool.h>

typedef struct {
    int in, out;
    bool has_bias;
    float *weight, *bias;   /* (out,in) (out) */
    float *dweight, *dbias; /* same shapes */
} Dense;

/* x (N,in)  y (N,out) */
void dense_forward(const Dense *l, const float *x, float *y, int n);
/* x (N,in)  dy (N,out)  dx (N,in) or NULL */
void dense_backward(const Dense *l, const float *x, const float *dy, float *dx, int n, bool param_grads);

void dense_forward_naive(const Dense *l, const float *x, float *y, int n);
void dense_backward_naive(const Dense *l, const float *x, const float *dy, float *dx, int n, bool param_grads);

#endif
