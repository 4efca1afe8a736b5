/* init.h — parameter initialisers.
 *
 *   INIT_TORCH    PyTorch's defaults: Linear/Conv/ConvTranspose weight and bias
 *                 U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5));
 *                 fan_in as torch computes it: weight.size(1) * kh * kw (for ConvTranspose2d
 *                 that is Cout*kh*kw). BatchNorm weight 1, bias 0.
 *   INIT_DCGAN    Radford et al. 2016: weights N(0, 0.02), biases 0; BatchNorm weight
 *                 N(1, 0.02), bias 0.
 *   INIT_XAVIER   Glorot & Bengio 2010 uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)); biases 0.
 *   INIT_KAIMING  He et al. 2015 normal for ReLU: N(0, 2 / fan_in); biases 0.
 * Tensor t draws from Philox stream (seed, t), so values do not depend on arena layout.
 */
#ifndef NASH_NN_INIT_H
#define NASH_NN_INIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

typedef enum { INIT_TORCH, INIT_DCGAN, INIT_XAVIER, INIT_KAIMING } InitScheme;
#define INIT_SCHEME_COUNT 4
/* "torch", "dcgan", "xavier", "kaiming": the words of a config's init key, in InitScheme's order. */
extern const char *const init_scheme_words[INIT_SCHEME_COUNT];
const char *init_scheme_name(InitScheme scheme);

/* What a parameter tensor is, which decides how it is initialised. */
typedef enum { PARAM_WEIGHT, PARAM_BIAS, PARAM_BN_WEIGHT, PARAM_BN_BIAS } ParamRole;

/* Fill one tensor of n values for its role under a scheme, from Philox stream (seed, stream).
 * fan_in and fan_out are those of the layer's weight (a bias uses its weight's fan_in). */
void init_fill(float *values, size_t n, InitScheme scheme, ParamRole role, int fan_in, int fan_out, uint64_t seed,
               uint64_t stream);

#endif
