/* specnorm.h — spectral normalisation of a weight (Miyato et al. 2018), with the semantics of
 * torch.nn.utils.spectral_norm (n_power_iterations = 1, eps = 1e-12, dim = 0).
 *
 * The weight W_orig (rows, cols) is read as a matrix: (out, in) for dense, (Cout, Cin*kh*kw) for
 * conv2d, (K, C) for an embedding. u (rows) and v (cols) are buffers, kept in checkpoints.
 *   training forward:  v = normalize(W_orig^T u),  u = normalize(W_orig v)   (one power iteration)
 *   every forward:     sigma = u . (W_orig v),     W = W_orig / sigma
 * normalize(a) = a / max(||a||, eps). u and v are constants to the gradient, so with G = dL/dW:
 *   dL/dW_orig = (G - <G, W> u v^T) / sigma
 * The layer runs its kernels on W and their weight gradient lands in `dw`; specnorm_backward adds
 * the chain rule above into the real parameter gradient. Products are accumulated in double.
 */
#ifndef NASH_NN_SPECNORM_H
#define NASH_NN_SPECNORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int rows, cols;
    bool training;
    float *w_orig, *dw_orig; /* the parameter and its gradient (rows, cols) */
    float *u, *v;            /* buffers (rows) (cols) */
    float *w, *dw;           /* state (rows, cols): W = W_orig / sigma, and the kernels' dL/dW */
    double *work;            /* state (rows + cols) */
    double sigma;            /* of the last forward */
} SpecNorm;

/* Floats of state a SpecNorm of rows x cols needs: W, dW and rows + cols doubles. */
size_t specnorm_state_floats(int rows, int cols);
/* Point w and dw into `state` (specnorm_state_floats long). */
void specnorm_bind_state(SpecNorm *sn, float *state);
/* u and v as torch draws them at registration, normalize(N(0, 1)), from Philox (seed, stream). */
void specnorm_init_vectors(SpecNorm *sn, uint64_t seed, uint64_t stream);
/* One power iteration when training, then sigma and W. dw is zero here: the arena starts zeroed
 * and specnorm_backward zeroes it after use. */
void specnorm_forward(SpecNorm *sn);
/* dw_orig += (dw - <dw, W> u v^T) / sigma, then dw = 0 (gradients of one forward's several
 * backwards add, as every layer's do). */
void specnorm_backward(const SpecNorm *sn);

#endif
