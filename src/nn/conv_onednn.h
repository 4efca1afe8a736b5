/* conv_onednn.h — convolutions and transposed convolutions on oneDNN's direct kernels.
 *
 * conv2d.c and deconv2d.c offer every call here first, and run im2col when oneDNN does not take
 * it. oneDNN picks the
 * kernel for the CPU it runs on (AVX2, AVX-512, AMX) and the blocked layouts that kernel wants
 * (e.g. nChw16c activations, OIhw16i16o weights); this file converts nash's NCHW activations and
 * PyTorch-layout weights to those layouts and back at every call, in the caller's work buffer.
 * Each layer's interface, its NCHW tensors and its accumulating weight gradients stay as conv2d.h
 * and deconv2d.h define them. The im2col + sgemm path is the fallback, and the naive kernels of
 * conv2d.c and deconv2d.c remain the references both are tested against.
 *
 * Which path runs is decided per layer shape: conv_path() forces one path for every layer, or
 * (auto) oneDNN takes every layer whose underlying convolution has at least
 * CONV_ONEDNN_MIN_CHANNELS input channels in float32, and every layer in bf16 (docs/benchmarks.md,
 * "Convolution backends", has the measurements).
 * A batch size whose primitives oneDNN cannot build runs on im2col instead, which is why a layer
 * sizes its work as the larger of the two paths' needs.
 *
 * The primitives for a (shape, batch) pair are built on first use and kept for the life of the
 * process, shared by every layer of that shape. Calls come from one thread at a time.
 *
 * conv_onednn.c holds the plans and the calls; conv_choice.c the path and precision choices and
 * the description below.
 */
#ifndef NASH_NN_CONV_ONEDNN_H
#define NASH_NN_CONV_ONEDNN_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { CONV_PATH_AUTO, CONV_PATH_IM2COL, CONV_PATH_ONEDNN } ConvPath;

/* Under auto in float32, a layer stays on im2col when the convolution oneDNN runs for it has
 * fewer input channels than this: a convolution's own, a transposed convolution's output ones,
 * since oneDNN runs a transposed convolution's forward as the input gradient of a convolution
 * from its outputs to its inputs (conv_onednn.c, underlying_input_channels). There oneDNN's
 * float32 kernels ran slower than im2col + sgemm: D's first layers (1 and 3 input channels) and
 * the DCGAN's last, a 64->1 transposed convolution. A convolution to few channels (the ResNet's
 * last, 32->3) is faster on oneDNN. In bf16 every layer takes oneDNN: the ResNet's 3-channel
 * layers made a bf16 step 9% faster there, and the DCGAN's 1-channel ones left it the same. */
enum { CONV_ONEDNN_MIN_CHANNELS = 8 };

/* The process-wide choice. Until conv_path_set is called it is the one the environment variable
 * NASH_CONV names (auto, im2col or onednn; auto when unset or unknown, with a warning). Set it
 * before any layer sizes its work (conv2d_work_floats, deconv2d_work_floats): a buffer sized for
 * im2col is too small for oneDNN. conv_path_parse reads one of those names and returns false for
 * any other. */
ConvPath conv_path(void);
void conv_path_set(ConvPath path);
bool conv_path_parse(const char *name, ConvPath *out);
const char *conv_path_name(ConvPath path);

/* The arithmetic of the convolutions oneDNN runs. CONV_BF16 is the mixed-precision mode (config
 * train.precision = bf16): x, W and dy are rounded to bf16 (to nearest, ties to even) as they are
 * converted to oneDNN's layouts, the products are summed in float32, and y, dx and dW come back in
 * float32, so the weights, their gradients' sums, the optimizer and every other layer stay in
 * float32. A convolution left to im2col (NASH_CONV=im2col, or a batch oneDNN cannot build) stays in
 * float32. Set it, like the path, before any layer sizes its work; the primitives of both
 * precisions are kept, so a process may switch between them.
 * conv_bf16_supported says whether oneDNN has bf16 kernels for this CPU (AVX512_BF16 or AMX);
 * elsewhere oneDNN would emulate bf16 or refuse, and the caller should not ask for it. */
typedef enum { CONV_FLOAT32, CONV_BF16 } ConvPrecision;
ConvPrecision conv_precision(void);
void conv_precision_set(ConvPrecision precision);
bool conv_bf16_supported(void);

typedef struct {
    bool transposed; /* a Deconv2d: weights (Cin,Cout,kh,kw) and y the larger image */
    int cin, cout;
    int h, w, ho, wo; /* input and output spatial sizes */
    int kh, kw, sh, sw, ph, pw;
    bool has_bias;
    /* nash's activation layouts: x and dx channels-last (N,H,W,Cin) instead of NCHW, and y and dy
     * (N,Ho,Wo,Cout) (docs/layers.md, "Activation layouts"); oneDNN then reads and writes them
     * in place in float32 */
    bool nhwc_in, nhwc_out;
} ConvShape;

/* The ConvShape of a Conv2d or a Deconv2d, whose geometry fields have the same names. */
/* clang-format off */
#define CONV_SHAPE_OF(l, is_transposed)                                                                 \
    ((ConvShape){.transposed = (is_transposed), .cin = (l)->cin, .cout = (l)->cout,                     \
                 .h = (l)->h, .w = (l)->w, .ho = (l)->ho, .wo = (l)->wo, .kh = (l)->kh, .kw = (l)->kw,  \
                 .sh = (l)->sh, .sw = (l)->sw, .ph = (l)->ph, .pw = (l)->pw, .has_bias = (l)->has_bias, \
                 .nhwc_in = (l)->nhwc_in, .nhwc_out = (l)->nhwc_out})
/* clang-format on */

/* Whether the path, the precision and the channel rule give this shape to oneDNN: a layer can
 * then keep its activations channels-last. */
bool conv_onednn_takes(const ConvShape *s);

/* Floats of work a forward or backward call at any batch up to n needs (whatever layouts oneDNN
 * picks at each); 0 for a shape conv_path() and the channel rule leave on im2col. */
size_t conv_onednn_work_floats(const ConvShape *s, int n);

/* Both calls return whether oneDNN ran them: false when conv_path() and the channel rule leave
 * the shape to im2col, when oneDNN cannot build its primitives at batch n (the reason written
 * once to stderr), and when n <= 0; the caller then runs im2col.
 * x (N,Cin,H,W), or (N,H,W,Cin) when nhwc_in  w (Cout,Cin,kh,kw), or (Cin,Cout,kh,kw) when
 * transposed  b (Cout) or NULL  y (N,Cout,Ho,Wo), or (N,Ho,Wo,Cout) when nhwc_out
 * work: conv_onednn_work_floats(s, m) floats for some m >= n */
bool conv_onednn_forward(const ConvShape *s, int n, const float *x, const float *w, const float *b, float *y,
                         float *work);
/* dx = dL/dx (overwritten; NULL to skip); dw += dL/dw and db += dL/db (NULL to skip both) */
bool conv_onednn_backward(const ConvShape *s, int n, const float *x, const float *dy, const float *w, float *dx,
                          float *dw, float *db, float *work);

/* A channels-last layer oneDNN does not run (a batch it cannot build, or a path changed after the
 * network chose its layouts) runs its im2col path on NCHW copies of its tensors, placed in work
 * `offset` floats in (after the paths' own): conv_nchw_copies_floats of them at batch n.
 * conv_run_nchw makes the copies, calls pass (the layer's own calls on an NCHW copy of it: the
 * forward when dy is NULL, writing y into out, else the backward, writing dx into out unless
 * NULL) and writes its output back channels-last. */
typedef void (*ConvNchwPass)(const void *layer, const float *x, const float *dy, float *out, int n, bool param_grads,
                             float *work);
size_t conv_nchw_copies_floats(const ConvShape *s, int n);
void conv_run_nchw(const ConvShape *s, ConvNchwPass pass, const void *layer, const float *x, const float *dy,
                   float *out, int n, bool param_grads, float *work, size_t offset);

/* "oneDNN 2.6.3, kernels up to avx512_core_bf16 (bf16: yes); NASH_CONV path auto", for `nash info`. */
const char *conv_onednn_describe(char *buf, size_t size);

#endif
