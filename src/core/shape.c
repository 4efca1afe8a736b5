/* shape.c — per-sample shapes and convolution arithmetic (see shape.h). */
#include "core/shape.h"

#include <stdio.h>

Shape shape_1d(int a) { return (Shape){.ndim = 1, .dim = {a, 0, 0, 0}}; }
Shape shape_2d(int a, int b) { return (Shape){.ndim = 2, .dim = {a, b, 0, 0}}; }
Shape shape_3d(int c, int h, int w) { return (Shape){.ndim = 3, .dim = {c, h, w, 0}}; }

size_t shape_numel(Shape s) {
    size_t n = 1;
    for (int i = 0; i < s.ndim; i++) n *= (size_t)(s.dim[i] > 0 ? s.dim[i] : 0);
    return n;
}

bool shape_equal(Shape a, Shape b) {
    if (a.ndim != b.ndim) return false;
    for (int i = 0; i < a.ndim; i++)
        if (a.dim[i] != b.dim[i]) return false;
    return true;
}

char *shape_format(Shape s, char *buf, size_t size) {
    size_t used = 0;
    int k = snprintf(buf, size, "(");
    used = k > 0 ? (size_t)k : 0;
    for (int i = 0; i < s.ndim && used < size; i++) {
        k = snprintf(buf + used, size - used, i ? ",%d" : "%d", s.dim[i]);
        if (k > 0) used += (size_t)k;
    }
    if (used < size) snprintf(buf + used, size - used, ")");
    return buf;
}

int conv_out_len(int in, int kernel, int stride, int pad) {
    if (stride <= 0) return 0;
    int span = in + 2 * pad - kernel;
    if (span < 0) return 0;
    return span / stride + 1;
}

int deconv_out_len(int in, int kernel, int stride, int pad, int out_pad) {
    return (in - 1) * stride - 2 * pad + kernel + out_pad;
}
