/* lstm.h — long short-term memory layer (Hochreiter & Schmidhuber 1997, with the forget gate of
 * Gers et al. 2000), torch.nn.LSTM semantics: one layer, batch_first=True.
 *
 *   [i f g o]_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh        (4H values, in this order)
 *   i = sigmoid(i), f = sigmoid(f), g = tanh(g), o = sigmoid(o)
 *   c_t = f * c_{t-1} + i * g,    h_t = o * tanh(c_t)               (h_{-1} = h0, c_{-1} = c0, or 0)
 *
 * Parameters in PyTorch's layout and names: weight_ih_l0 (4H,I), weight_hh_l0 (4H,H), bias_ih_l0
 * (4H), bias_hh_l0 (4H); rows [0,H) belong to gate i, [H,2H) to f, [2H,3H) to g, [3H,4H) to o.
 * The output is every h_t (N,T,H) when `seq`, else the last one h_{T-1} (N,H) (PyTorch's h_n).
 *
 * Forward keeps the activated gates, every c_t and every h_t in `cache` (lstm_cache_floats) for
 * backpropagation through time. Fast path: the input projection of all T steps is one
 * cblas_sgemm over the N*T rows of x, then one sgemm per step for the recurrence; backward runs
 * the steps in reverse, one sgemm per step for the gradient carried to h_{t-1}, then one sgemm
 * each for dx, dW_ih and dW_hh over all N*T rows. Layer conventions: see dense.h (backward ADDS
 * into the parameter gradients, WRITES dx).
 */
#ifndef NASH_NN_LSTM_H
#define NASH_NN_LSTM_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int in, hidden, steps; /* I, H, T */
    bool seq;              /* output (N,T,H) when true, the last state (N,H) when false */
    bool has_bias;
    float *weight_ih, *weight_hh, *bias_ih, *bias_hh;     /* (4H,I) (4H,H) (4H) (4H) */
    float *dweight_ih, *dweight_hh, *dbias_ih, *dbias_hh; /* same shapes */
    float *cache; /* gates (N,T,4H) after their nonlinearity, then c (N,T,H), then h (N,T,H) */
} Lstm;

/* Floats of `cache` the layer keeps between forward and backward for a batch of n. */
size_t lstm_cache_floats(const Lstm *l, int n);
/* Floats of scratch backward needs for a batch of n (forward needs none). */
size_t lstm_work_floats(const Lstm *l, int n);

/* x (N,T,I)  h0, c0 (N,H) or NULL (zeros)  y (N,T,H) if seq else (N,H) */
void lstm_forward(const Lstm *l, const float *x, const float *h0, const float *c0, float *y, int n);
/* x, h0, c0: as given to the last forward.  dy: like y.  dx (N,T,I) or NULL.  dh0, dc0 (N,H) or
 * NULL: the gradients with respect to the initial states (written).  work: lstm_work_floats. */
void lstm_backward(const Lstm *l, const float *x, const float *h0, const float *c0, const float *dy, float *dx,
                   float *dh0, float *dc0, int n, bool param_grads, float *work);

/* The same with plain per-step loops (accumulating in double): the reference of the tests. */
void lstm_forward_naive(const Lstm *l, const float *x, const float *h0, const float *c0, float *y, int n);
void lstm_backward_naive(const Lstm *l, const float *x, const float *h0, const float *c0, const float *dy, float *dx,
                         float *dh0, float *dc0, int n, bool param_grads, float *work);

#endif
