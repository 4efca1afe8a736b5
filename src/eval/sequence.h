/* sequence.h — quality of generated sequences: the distribution of their dominant frequency.
 *
 * The dominant frequency of a sequence x_0..x_{T-1} is the f (in cycles per sequence) that
 * maximises the periodogram of the mean-removed sequence,
 *   P(f) = |sum_t (x_t - mean x) exp(-2 pi i f t / T)|^2,
 * searched first over the DFT bins f = 1..floor(T/2), then refined on a grid of 1/64 cycle within
 * one bin either side of the best (the peak of the DFT of the sequence zero-padded 64 times). On
 * the sines toy (data/toy.h, 4096 sequences of 32 steps) it is off the true frequency by 0.02
 * cycles for the median sequence and 0.17 at worst
 * (tests/unit/test_sequence.c). A sequence with no variation has frequency 0.
 *
 * The figure of merit of a sequence GAN is the Wasserstein-1 distance between the dominant
 * frequencies of generated and of real sequences (exact in 1-D, eval/wasserstein.h).
 */
#ifndef NASH_EVAL_SEQUENCE_H
#define NASH_EVAL_SEQUENCE_H

#include <stdint.h>

#include "core/status.h"

#define SEQ_FREQ_REFINE 64 /* grid steps per DFT bin */

/* x (n, len)  freq (n): the dominant frequency of each sequence, in cycles per sequence. */
void seq_dominant_freq(const float *x, int64_t n, int len, float *freq);

/* a (n, len), b (m, len): W1 between their dominant-frequency distributions. */
NashStatus seq_freq_w1(const float *a, int64_t n, const float *b, int64_t m, int len, double *out, NashError *err);

#endif
