/* shape.h — per-sample tensor shapes.
 *
 * Every activation in nash is batch-first, float32, NCHW: a batch of N samples each of a Shape.
 * A Shape holds the dims of ONE sample (the batch size is passed separately), e.g.
 *   (100)            a latent vector or dense features
 *   (128, 7, 7)      a feature map, channels first
 *   (T, F)           a sequence of T steps of F features
 */
#ifndef NASH_CORE_SHAPE_H
#define NASH_CORE_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHAPE_MAX_DIMS 4

typedef struct {
    int ndim;
    int dim[SHAPE_MAX_DIMS];
} Shape;

Shape shape_1d(int a);
Shape shape_2d(int a, int b);
Shape shape_3d(int c, int h, int w);

/* Number of elements of one sample (product of the dims; 1 for ndim 0). */
size_t shape_numel(Shape s);
bool shape_equal(Shape a, Shape b);
/* "(128,7,7)" into buf; returns buf. */
char *shape_format(Shape s, char *buf, size_t size);

/* Output length of a convolution or pooling window along one axis:
 * floor((in + 2*pad - kernel) / stride) + 1. Returns <= 0 when the window does not fit. */
int conv_out_len(int in, int kernel, int stride, int pad);
/* Output length of a transposed convolution: (in - 1)*stride - 2*pad + kernel + out_pad. */
int deconv_out_len(int in, int kernel, int stride, int pad, int out_pad);

/* Part j of `parts` of n items is [slice_start(n, parts, j), slice_start(n, parts, j + 1)): sizes differ by at most
 * one. */
static inline int slice_start(int n, int parts, int j) { return (int)((int64_t)n * j / parts); }
/* The same for counts past int (samples of a file; n * j must fit in int64_t). */
static inline int64_t slice_start64(int64_t n, int parts, int j) { return n * j / parts; }

#endif
