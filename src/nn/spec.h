/* spec.h — a layer described in one line of text, as written in configs and tests.
 *
 * Grammar: KIND [positional...] [key=value...]; sizes like k=4 or k=3x5 (height x width).
 *   dense OUT [bias=0|1]                          Linear(in -> OUT); on (T,F): each step's F -> OUT
 *   conv2d OUT k=K [s=1] [p=0] [bias=1]            Conv2d(Cin -> OUT)
 *   deconv2d OUT k=K [s=1] [p=0] [op=0] [bias=1]   ConvTranspose2d(Cin -> OUT), op = output padding
 *   maxpool2d k=K [s=K] [p=0]
 *   avgpool2d k=K [s=K] [p=0] [count_pad=1]
 *   batchnorm [eps=1e-5] [momentum=0.1]            BatchNorm1d on (C) or (C,L), 2d on (C,H,W)
 *   relu | leakyrelu [SLOPE=0.01] | tanh | sigmoid
 *   reshape D1 [D2 [D3]] | flatten
 *   dropout P
 *   rnn H [seq=1|0] [bias=1]                       RNN(I -> H, tanh), batch first, on (T,I)
 *   lstm H [seq=1|0] [bias=1]                      LSTM(I -> H), batch first, on (T,I)
 *                                                  seq=1: all states (T,H); seq=0: the last (H)
 *   upsample S                                     nearest-neighbour upsampling by S on (C,H,W)
 *   sumpool                                        global sum pooling (C,H,W) -> (C)
 *   cbatchnorm [eps] [momentum] [classes=K]        conditional batch norm: a gain and bias per class
 *   projection [classes=K] [sn=0]                  projection head: linear(h) + <embed(label), h>
 *   residual / shortcut / end                      a residual block: y = main(x) + shortcut(x),
 *                                                  the lines up to `shortcut` (or `end`) its main
 *                                                  branch, those up to `end` its shortcut (none:
 *                                                  identity); blocks nest
 * dense and conv2d take sn=1: spectral normalisation (Miyato et al. 2018) of the weight.
 * classes=0 (the default) means "from the data's labels": gan/ fills it in before building.
 * Blank lines and text after '#' are ignored by spec_parse_lines.
 * See docs/layers.md for the full reference.
 */
#ifndef NASH_NN_SPEC_H
#define NASH_NN_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/shape.h"
#include "core/status.h"

typedef enum {
    LAYER_DENSE,
    LAYER_CONV2D,
    LAYER_DECONV2D,
    LAYER_MAXPOOL2D,
    LAYER_AVGPOOL2D,
    LAYER_BATCHNORM,
    LAYER_RELU,
    LAYER_LEAKY_RELU,
    LAYER_TANH,
    LAYER_SIGMOID,
    LAYER_RESHAPE,
    LAYER_FLATTEN,
    LAYER_DROPOUT,
    LAYER_RNN,
    LAYER_LSTM,
    LAYER_UPSAMPLE,
    LAYER_SUMPOOL,
    LAYER_CBATCHNORM,
    LAYER_PROJECTION,
    LAYER_RESIDUAL, /* the three lines that shape a residual block (net.c builds it) */
    LAYER_SHORTCUT,
    LAYER_END,
} LayerKind;
#define LAYER_KIND_COUNT 22 /* nn/layer.c's table has one row of traits per kind */

typedef struct {
    LayerKind kind;
    int units;                  /* dense: out features; conv2d/deconv2d: out channels; rnn/lstm: H;
                                   upsample: the factor */
    int kh, kw, sh, sw, ph, pw; /* window, stride, padding */
    int oph, opw;               /* deconv2d output padding */
    bool bias;                  /* dense, conv2d, deconv2d, rnn, lstm */
    bool seq;                   /* rnn, lstm: output every step (T,H), or only the last (H) */
    bool count_include_pad;     /* avgpool2d */
    float slope;                /* leakyrelu */
    float p;                    /* dropout */
    float eps, momentum;        /* batchnorm */
    Shape target;               /* reshape */
    bool sn;                    /* dense, conv2d, projection: spectral normalisation */
    int classes;                /* cbatchnorm, projection: K (0: from the data) */
} LayerSpec;

/* Is this a layer that takes a class label per sample (cbatchnorm, projection)? */
bool spec_is_conditional(const LayerSpec *spec);

/* Parse one line. Errors name the offending word; the caller adds file:line. */
NashStatus spec_parse(const char *line, LayerSpec *spec, NashError *err);
/* Write the canonical one-line form (parses back to the same spec). */
void spec_format(const LayerSpec *spec, char *buf, size_t size);
/* "dense", "conv2d", ... */
const char *layer_kind_name(LayerKind kind);

/* Parse a block of lines (one layer per line) into at most `max` specs; *count receives how
 * many. Errors say "line N: ...". */
NashStatus spec_parse_lines(const char *text, LayerSpec *specs, int max, int *count, NashError *err);

#endif
