/* toy.h — the classic toy distributions of the GAN literature, as Gaussian mixtures.
 *
 *   ring8   8 Gaussians evenly spaced on a circle of radius 2, std 0.05 each, equal weights
 *           (Metz et al. 2017, "Unrolled GANs", use radius 2 and std 0.02)
 *   grid25  25 Gaussians on the grid {-4,-2,0,2,4}^2, std 0.05, equal weights
 *           (Srivastava et al. 2017, VEEGAN; Lin et al. 2018, PacGAN)
 *   gauss1d a 1-D mixture: weights (0.3, 0.5, 0.2), means (-2, 0.5, 3), stds (0.4, 0.6, 0.3)
 *   sines   sequences, not a mixture: x_t = a sin(2 pi f t / T + phi), t = 0..T-1, shape (T,1),
 *           with f uniform in [1, 5] cycles per sequence, phi uniform in [0, 2 pi), a uniform in
 *           [0.3, 1] (toy_sines_*; the sequence GAN of configs/sines-lstm.ini)
 * Sample i is drawn from Philox keyed by (seed, i): component from a uniform, offset from two
 * normals, so the data set is reproducible and any range can be generated independently.
 * The parameters are stored as attributes of /x (weights, means, stds, dim) so evaluation can
 * use the exact mixture.
 */
#ifndef NASH_DATA_TOY_H
#define NASH_DATA_TOY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

#define TOY_MAX_COMPONENTS 32

typedef struct {
    char name[16];
    int dim; /* 1 or 2 */
    int k;   /* components */
    double weights[TOY_MAX_COMPONENTS];
    double means[TOY_MAX_COMPONENTS][2];
    double stds[TOY_MAX_COMPONENTS];
} ToyMixture;

/* "ring8", "grid25", "gauss1d"; an error lists the known names. */
NashStatus toy_mixture(const char *name, ToyMixture *m, NashError *err);
/* x (n, dim): samples [first, first+n) of the mixture for a seed. A mixture that toy_mixture or
 * toy_read would not produce (k or dim out of range, negative weights) gives NaN. */
void toy_sample(const ToyMixture *m, uint64_t seed, int64_t first, int64_t n, float *x);
/* Write n samples to an HDF5 vectors file with the mixture's parameters as attributes. */
NashStatus toy_write(const char *path, const ToyMixture *m, int64_t n, uint64_t seed, NashError *err);
/* Read the mixture back from a file written by toy_write. */
NashStatus toy_read(const char *path, ToyMixture *m, NashError *err);
/* The density of the mixture at x (dim values). */
double toy_density(const ToyMixture *m, const double *x);

/* ---- sines ------------------------------------------------------------------------------------
 * Sample i draws u0, u1, u2 = rng_uniform_at(seed, stream 2, values 3i, 3i+1, 3i+2) and sets
 * freq = 1 + 4 u0 (cycles per sequence), phase = 2 pi u1, amplitude = 0.3 + 0.7 u2. The file holds
 * /x float32 (N,T,1) with kind "sines" and the ranges as attributes of /x (freq_range,
 * phase_range, amplitude_range: two values each; len: T), and each sample's parameters as float64
 * datasets /freq, /phase, /amplitude (N) (docs/data.md). */
#define TOY_SINES_FREQ_MIN 1.0
#define TOY_SINES_FREQ_MAX 5.0
#define TOY_SINES_AMP_MIN 0.3
#define TOY_SINES_AMP_MAX 1.0
#define TOY_SINES_MAX_LEN 4096

/* x (n, len) and, unless NULL, freq, phase, amplitude (n): samples [first, first+n). */
void toy_sines_sample(uint64_t seed, int64_t first, int64_t n, int len, float *x, double *freq, double *phase,
                      double *amplitude);
/* Write n sequences of len steps (2 to TOY_SINES_MAX_LEN). */
NashStatus toy_sines_write(const char *path, int64_t n, int len, uint64_t seed, NashError *err);
/* Whether a data file is a sines file (kind "sines", /x (N,T,1)); *len receives T. */
bool toy_sines_detect(const char *path, int *len);

#endif
