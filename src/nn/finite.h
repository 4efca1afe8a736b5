/* finite.h — find NaN and infinities in a network's tensors (the divergence guard, train/guard.c).
 *
 * A scan is one pass over the floats (isfinite on each), about 1 ms for the reference DCGAN's
 * two players' parameters and gradients together. The guard scans the buffers every step and the
 * rest only once the optimizer, which tests what it updates (nn/optim.h), has found a bad value.
 */
#ifndef NASH_NN_FINITE_H
#define NASH_NN_FINITE_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/net.h"

/* True when every one of the n floats is finite. */
bool finite_all(const float *x, size_t n);

/* The first parameter tensor of `net` (in layer order) holding a non-finite value in `arena`
 * (net->params, net->grads, or another arena of the same layout such as optimizer moments), or
 * NULL when all are finite. */
const NetTensor *finite_first_bad(const Net *net, const float *arena);

/* The first buffer tensor of `net` (batch norm's running statistics) holding a non-finite value
 * in net->buffers, or NULL. */
const NetTensor *finite_first_bad_buffer(const Net *net);

#endif
