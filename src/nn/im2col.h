/* im2col.h — unfold image patches into columns and fold them back (the GEMM form of
 * convolution; Chellapilla et al. 2006, as in Caffe). One sample, NCHW, dilation 1.
 *
 *   col[(c*kh + p)*kw + q][i*wo + j] = im[c][i*sh - ph + p][j*sw - pw + q]   (0 outside)
 *
 * col2im is the adjoint: it ADDS every column entry back to its pixel (im must be zeroed or
 * hold what the caller wants to accumulate onto).
 *
 * `ld` is the distance between two rows of col (≥ Ho*Wo): the layers unfold a chunk of samples
 * side by side, sample j's columns starting at col + j*Ho*Wo with ld = chunk*Ho*Wo, so that one
 * GEMM covers the chunk.
 */
#ifndef NASH_NN_IM2COL_H
#define NASH_NN_IM2COL_H

#include <stdbool.h>
#include <stddef.h>

/* im (C,H,W)  col (C*kh*kw, Ho*Wo) with rows ld apart  phases: scratch of
 * im2col_phase_floats(C, H, W, sh, sw) floats (none without a stride) */
void im2col(const float *im, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo,
            float *col, size_t ld, float *phases);
size_t im2col_phase_floats(int c, int h, int w, int sh, int sw);
/* col (C*kh*kw, Ho*Wo) with rows ld apart  im (C,H,W), accumulated */
void col2im(const float *col, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo,
            size_t ld, float *im);

/* Samples per GEMM in conv2d and deconv2d. One sample's products are thin (N = Ho*Wo = 49 for
 * the reference DCGAN's 7x7 layers) and a weight-gradient product with K = 49 reads and writes
 * all of dW for little work; 4 to 16 samples side by side took OpenBLAS from 71-81 to 90-100
 * GFLOP/s at those shapes (1 core), and 4 keeps the unfolded chunk at 0.8 MB for a 1024-row column
 * matrix at 7x7. Layers whose column matrix has fewer than IM2COL_MIN_ROWS rows (the DCGAN's
 * first convolution and last transposed one, 16 rows) gain nothing and stay one sample a time. */
enum { IM2COL_CHUNK = 4, IM2COL_MIN_ROWS = 64 };

/* The workspace of a layer that multiplies chunks of samples: the column matrix (rows x
 * chunk*pixels), then, when chunk > 1, the chunk's channel-major matrix (mat_rows x chunk*pixels),
 * then im2col's phases. chunk is IM2COL_CHUNK, or 1 when the column matrix is thin (fewer than
 * IM2COL_MIN_ROWS rows: side by side the samples gain nothing and would cost the copies), and
 * at most the batch. */
typedef struct {
    size_t rows, mat_rows, pixels, phase_floats;
    int chunk;
} ChunkLayout;

ChunkLayout chunk_layout(size_t rows, size_t mat_rows, size_t pixels, size_t phase_floats, int max_batch);
size_t chunk_work_floats(ChunkLayout c);
float *chunk_mat(ChunkLayout c, float *work);
float *chunk_phases(ChunkLayout c, float *work);
/* Samples in the chunk starting at sample s of n. */
int chunk_count(ChunkLayout c, int s, int n);
/* Samples [s, s+count) of t (N, channels, pixels) as one (channels, count*pixels) matrix: t's
 * own rows for one sample, else gathered into the chunk's matrix in work. */
const float *chunk_rows(ChunkLayout c, const float *t, int s, int count, int channels, float *work);

/* Between `count` samples (count, C, P) and one matrix (C, count*P) whose row ch holds channel
 * ch of every sample side by side, as the chunked GEMMs read and write them. For count = 1 the
 * two layouts are the same, and the layers use the tensor in place. */
void chunk_gather(const float *t, int count, int c, size_t pixels, float *mat);
/* db += dy summed over its pixels, for `count` samples of (c, pixels): sample by sample, each
 * channel's sum over the sample's pixels (in 8 lanes, then the lanes) added onto db[ch] in turn
 * (the order every
 * convolution path sums its bias gradient in, so that both paths and any split of a batch
 * across ranks group the sum alike). */
void conv_bias_grad(const float *dy, int count, int c, size_t pixels, float *db);
/* The same from channels-last dy (count, pixels, c): still sample by sample, each sample's sums
 * taken in double pixel by pixel (so not bit for bit conv_bias_grad's). */
void conv_bias_grad_nhwc(const float *dy, int count, int c, size_t pixels, float *db);
void chunk_scatter(const float *mat, int count, int c, size_t pixels, float *t);
/* y[s, c, :] += b[c] for n samples of (c, pixels), or of (pixels, c) when nhwc: the bias after the
 * sum, rounded once, as oneDNN adds it. */
void conv_add_bias(float *y, const float *b, int n, int c, size_t pixels, bool nhwc);

#endif
