/* rnn.h — Elman recurrent layer with tanh (torch.nn.RNN, one layer, batch_first=True).
 *
 *   h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),   t = 0..T-1,  h_{-1} = h0 (or 0)
 *
 * Parameters in PyTorch's layout and names: weight_ih_l0 (H,I), weight_hh_l0 (H,H), bias_ih_l0
 * (H), bias_hh_l0 (H). The output is the whole sequence of hidden states (N,T,H) when `seq`, else
 * the last one h_{T-1} (N,H) (PyTorch's h_n).
 *
 * Forward keeps every h_t in `cache` (rnn_cache_floats) for backpropagation through time.
 * Fast path: the input projection of all T steps is one cblas_sgemm over the N*T rows of x,
 * then one sgemm per step for the recurrence. Backward runs the steps in reverse
 *   da_t = (dy_t + da_{t+1} W_hh) * (1 - h_t^2)
 * (da: the gradient of the pre-activation) and then needs one sgemm each for dx = da W_ih,
 * dW_ih += da^T x and dW_hh += da^T h_prev over all N*T rows. Layer conventions: see dense.h
 * (backward ADDS into the parameter gradients, WRITES dx).
 */
#ifndef NASH_NN_RNN_H
#define NASH_NN_RNN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int in, hidden, steps; /* I, H, T */
    bool seq;              /* output (N,T,H) when true, the last state (N,H) when false */
    bool has_bias;
    float *weight_ih, *weight_hh, *bias_ih, *bias_hh;     /* (H,I) (H,H) (H) (H) */
    float *dweight_ih, *dweight_hh, *dbias_ih, *dbias_hh; /* same shapes */
    float *cache;                                         /* (N,T,H): h_t of the last forward */
} Rnn;

/* Floats of `cache` the layer keeps between forward and backward for a batch of n. */
size_t rnn_cache_floats(const Rnn *l, int n);
/* Floats of scratch backward needs for a batch of n (forward needs none). */
size_t rnn_work_floats(const Rnn *l, int n);

/* x (N,T,I)  h0 (N,H) or NULL (zeros)  y (N,T,H) if seq else (N,H) */
void rnn_forward(const Rnn *l, const float *x, const float *h0, float *y, int n);
/* x, h0: as given to the last forward.  dy: like y.  dx (N,T,I) or NULL.  dh0 (N,H) or NULL:
 * the gradient with respect to the initial state (written).  work: rnn_work_floats(l, n). */
void rnn_backward(const Rnn *l, const float *x, const float *h0, const float *dy, float *dx, float *dh0, int n,
                  bool param_grads, float *work);

/* The same with plain per-step loops (accumulating in double): the reference of the tests. */
void rnn_forward_naive(const Rnn *l, const float *x, const float *h0, float *y, int n);
void rnn_backward_naive(const Rnn *l, const float *x, const float *h0, const float *dy, float *dx, float *dh0, int n,
                        bool param_grads, float *work);

#endif
