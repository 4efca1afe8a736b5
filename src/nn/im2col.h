/* im2col.h — unfold image patches into columns and fold them back (the GEMM form of
 * convolution; Chellapilla et al. 2006, as in Caffe). One sample, NCHW, dilation 1.
 *
 *   col[(c*kh + p)*kw + q][i*wo + j] = im[c][i*sh - ph + p][j*sw - pw + q]   (0 outside)
 *
 * col2im is the adjoint: it ADDS every column entry back to its pixel (im must be zeroed or
 * hold what the caller wants to accumulate onto).
 */
#ifndef NASH_NN_IM2COL_H
#define NASH_NN_IM2COL_H

/* im (C,H,W)  col (C*kh*kw, Ho*Wo) */
void im2col(const float *im, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo,
            float *col);
/* col (C*kh*kw, Ho*Wo)  im (C,H,W), accumulated */
void col2im(const float *col, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo,
            float *im);

#endif
