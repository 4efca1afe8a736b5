/* layer_kinds.h — the rows of the layer-traits table (private to nn/; layer.h): one const
 * LayerTraits per kind, defined beside the kind's code, and the helpers and macros the rows share.
 *   layer.c         the table, the shared helpers, and every kind not below: pooling,
 *                   activations, reshape, flatten, dropout, rnn, lstm, upsample, sumpool and
 *                   the residual block's structural lines
 *   layer_linear.c  the linear maps: dense, conv2d, deconv2d and the projection head, with
 *                   spectral normalisation of their weights (sn=1; not on deconv2d)
 *   layer_norm.c    batchnorm and cbatchnorm
 */
#ifndef NASH_NN_LAYER_KINDS_H
#define NASH_NN_LAYER_KINDS_H

#include "nn/layer.h"

/* "layer PATH (LINE): input shape SHAPE why" as a config error */
NashStatus layer_shape_error(NashError *err, const Layer *l, const char *why);
Shape layer_shape_4d(int a, int b, int c, int d);
/* appends " key=a" or " key=axb" to buf */
void layer_format_pair(char *buf, size_t size, const char *key, int a, int b);
void layer_append(char *buf, size_t size, const char *text);
/* A weight-and-bias layer's pointers: the tensor's value and gradient go to the bias pair or the
 * weight pair, by the tensor's role. */
void layer_bind_pair(bool bias, float **weight, float **dweight, float **bias_value, float **dbias, float *value,
                     float *grad);
/* a conditional layer's classes=K is known (set, or filled in from the data) */
NashStatus layer_need_classes(const Layer *l, NashError *err);

/* The rows' vocabulary. Every field is named: a field left out is NULL, 0 or "" (clang's
 * -Wmissing-field-initializers holds positional rows to every field). */
#define PARAMS (LAYER_HAS_PARAMS | LAYER_OWN_INPUT)
#define WORDS(lo, hi, kind_) .words_min = lo, .words_max = hi, .words = kind_
/* a kind's layer-line grammar: its word, usage, key=value words and positional words */
#define GRAMMAR(nm, use, keys_, lo, hi, kind_) .name = nm, .usage = use, .keys = keys_, WORDS(lo, hi, kind_)
#define KERNELS(f, b) .forward = f, .backward = b
#define REFERENCE(f, b) .forward_naive = f, .backward_naive = b
#define DOUBLE(t, d) .tangent = t, .double_backward = d

extern const LayerTraits layer_dense_traits;
extern const LayerTraits layer_conv2d_traits;
extern const LayerTraits layer_deconv2d_traits;
extern const LayerTraits layer_maxpool2d_traits;
extern const LayerTraits layer_avgpool2d_traits;
extern const LayerTraits layer_batchnorm_traits;
extern const LayerTraits layer_relu_traits;
extern const LayerTraits layer_leaky_relu_traits;
extern const LayerTraits layer_tanh_traits;
extern const LayerTraits layer_sigmoid_traits;
extern const LayerTraits layer_reshape_traits;
extern const LayerTraits layer_flatten_traits;
extern const LayerTraits layer_dropout_traits;
extern const LayerTraits layer_rnn_traits;
extern const LayerTraits layer_lstm_traits;
extern const LayerTraits layer_upsample_traits;
extern const LayerTraits layer_sumpool_traits;
extern const LayerTraits layer_cbatchnorm_traits;
extern const LayerTraits layer_projection_traits;
extern const LayerTraits layer_residual_traits;
extern const LayerTraits layer_shortcut_traits;
extern const LayerTraits layer_end_traits;

#endif
