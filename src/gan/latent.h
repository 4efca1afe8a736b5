/* latent.h — walks through the generator's latent space: spherical linear interpolation.
 *
 * slerp (Shoemake 1985; for GAN latents, White 2016, "Sampling Generative Networks") between a
 * and b at t in [0, 1], with omega the angle between them:
 *
 *     omega = acos(clamp(a.b / (|a| |b|), -1, 1))
 *     slerp(a, b, t) = sin((1 - t) omega) / sin(omega) * a  +  sin(t omega) / sin(omega) * b
 *
 * The path stays in the plane of a and b and sweeps the arc between their directions at a
 * constant angular speed; when |a| = |b| it keeps that norm all the way (a straight line cuts
 * the chord, and its midpoint of two orthogonal Gaussian latents has norm |a| / sqrt 2, where a
 * generator has seen no z). When sin(omega) is tiny it falls back to linear interpolation
 * (1 - t) a + t b: for a and b nearly parallel that is the same path to within rounding; for a or
 * b zero, or a and b opposite, there is no one arc between them (an antipodal pair then passes
 * through 0, which random latents of more than a few dimensions never are). Arithmetic is in
 * double; t = 0 gives a and t = 1 gives b exactly.
 */
#ifndef NASH_GAN_LATENT_H
#define NASH_GAN_LATENT_H

#include <stddef.h>

/* Below this sin(omega) (an angle of about 1e-4 rad, or a zero vector) slerp is linear. */
#define LATENT_SLERP_MIN_SIN 1e-4

/* out (dim) = slerp(a, b, t); out may not alias a or b. */
void latent_slerp(const float *a, const float *b, size_t dim, double t, float *out);

/* An interpolation grid: row r of `rows` is slerp from ends[2r] to ends[2r + 1] (ends holds
 * 2 * rows vectors of dim) at t = c / (cols - 1), c = 0 .. cols - 1, so each row starts and ends
 * exactly on its two endpoints. z (rows * cols, dim), row-major. cols >= 2. */
void latent_slerp_grid(const float *ends, int rows, int cols, size_t dim, float *z);

#endif
