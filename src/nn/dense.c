/* dense.c — fully connected layer y = x W^T + b (torch.nn.Linear), see dense.h.
 *
 * Fast path: one cblas_sgemm per product (row-major):
 *   forward   y  = x W^T (+ b broadcast over rows)
 *   backward  dW += dy^T x,   db += sum_n dy,   dx = dy W
 * The *_naive twins compute the same with plain loops, accumulating in double.
 */
#include "nn/dense.h"

#include <cblas.h>
#include <string.h>

/* x (N,in)  y (N,out) */
void dense_forward(const Dense *l, const float *x, float *y, int n) {
    if (n <= 0) return;
    float beta = 0.0f;
    if (l->has_bias) {
        for (int i = 0; i < n; i++) memcpy(y + (size_t)i * l->out, l->bias, (size_t)l->out * sizeof(float));
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, l->out, l->in, 1.0f, x, l->in, l->weight, l->in, beta, y,
                l->out);
}

/* x (N,in)  dy (N,out)  dx (N,in) or NULL */
void dense_backward(const Dense *l, const float *x, const float *dy, float *dx, int n, bool param_grads) {
    if (n <= 0) {
        return;
    }
    if (param_grads) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l->out, l->in, n, 1.0f, dy, l->out, x, l->in, 1.0f,
                    l->dweight, l->in);
        if (l->has_bias) {
            for (int i = 0; i < n; i++) {
                const float *row = dy + (size_t)i * l->out;
                for (int o = 0; o < l->out; o++) l->dbias[o] += row[o];
            }
        }
    }
    if (dx) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, l->in, l->out, 1.0f, dy, l->out, l->weight, l->in,
                    0.0f, dx, l->in);
    }
}

/* x (N,in)  y (N,out) */
void dense_forward_naive(const Dense *l, const float *x, float *y, int n) {
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * l->in;
        for (int o = 0; o < l->out; o++) {
            const float *wo = l->weight + (size_t)o * l->in;
            double acc = l->has_bias ? l->bias[o] : 0.0;
            for (int k = 0; k < l->in; k++) acc += (double)xi[k] * wo[k];
            y[(size_t)i * l->out + o] = (float)acc;
        }
    }
}

/* x (N,in)  dy (N,out)  dx (N,in) or NULL */
void dense_backward_naive(const Dense *l, const float *x, const float *dy, float *dx, int n, bool param_grads) {
    if (param_grads) {
        for (int o = 0; o < l->out; o++) {
            for (int k = 0; k < l->in; k++) {
                double acc = 0.0;
                for (int i = 0; i < n; i++) acc += (double)dy[(size_t)i * l->out + o] * x[(size_t)i * l->in + k];
                l->dweight[(size_t)o * l->in + k] += (float)acc;
            }
            if (l->has_bias) {
                double acc = 0.0;
                for (int i = 0; i < n; i++) acc += dy[(size_t)i * l->out + o];
                l->dbias[o] += (float)acc;
            }
        }
    }
    if (dx) {
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < l->in; k++) {
                double acc = 0.0;
                for (int o = 0; o < l->out; o++)
                    acc += (double)dy[(size_t)i * l->out + o] * l->weight[(size_t)o * l->in + k];
                dx[(size_t)i * l->in + k] = (float)acc;
            }
        }
    }
}
