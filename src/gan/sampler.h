/* sampler.h — a trained generator read back from a weights or checkpoint file, drawing samples.
 *
 * z for sample i is sample i of the fixed noise stream of the seed (noise.h, NOISE_STREAM_FIXED),
 * so the same seed always draws the same z however the samples are split into chunks. The noise
 * kind comes from the file's /config ([generator] noise; gaussian if absent). In eval mode batch
 * norm uses its running statistics and samples are made in chunks of at most `chunk`; in train
 * mode the chunk is the whole request, so the statistics are those of all samples at once.
 * The latents can also come from elsewhere (sampler_forward: `nash sample --z`, interpolations).
 * A conditional generator makes sample i of class i mod K (gan/classes.h), or of `fixed_class`
 * when that is set (`nash sample --class K`), or of the classes given to sampler_forward.
 * With a truncation t (sampler_truncate; `--truncation T`) z is the Gaussian truncated to [-t, t]
 * of gan/noise.h instead.
 */
#ifndef NASH_GAN_SAMPLER_H
#define NASH_GAN_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "gan/noise.h"
#include "nn/net.h"

typedef struct {
    Net net;
    NoiseKind noise;
    char noise_name[32];
    int fixed_class;  /* -1: classes in turn */
    float truncation; /* > 0: z truncated to [-truncation, truncation]; 0: none */
    int32_t *labels;  /* (chunk) scratch for a conditional generator */
} Sampler;

/* Build the network of `group` ("generator", "generator_ema") from `path` for batches of up to
 * `chunk` samples and load its parameters; errors name the file and group. */
NashStatus sampler_open(Sampler *s, const char *path, const char *group, int chunk, bool train_mode, NashError *err);
/* Draw z truncated to [-t, t] from now on (t >= NOISE_TRUNCATION_MIN); a generator of uniform
 * noise refuses, naming `path` (the file the sampler was opened from). */
NashStatus sampler_truncate(Sampler *s, const char *path, double t, NashError *err);
/* samples (n, net.out): samples first .. first+n-1 of the seed's fixed stream, in chunks. The
 * same as sampler_noise then sampler_forward, bit for bit. */
NashStatus sampler_generate(Sampler *s, uint64_t seed, int64_t first, int n, float *samples, NashError *err);
/* z (n, net.in): the latents of samples first .. first+n-1 of the seed's fixed stream. */
void sampler_noise(const Sampler *s, uint64_t seed, int64_t first, int n, float *z);
/* The classes of samples first .. first+n-1 (fixed_class, or in turn); nothing for an
 * unconditional generator (net.classes = 0). out (n) */
void sampler_classes(const Sampler *s, int64_t first, int n, int32_t *out);
/* samples (n, net.out) from given latents z (n, net.in) and, for a conditional generator,
 * classes labels (n), in chunks of at most net.max_batch. */
void sampler_forward(Sampler *s, const float *z, const int32_t *labels, int n, float *samples);
void sampler_close(Sampler *s);

#endif
