/* net_infer.c — shape inference: each layer's output shape and geometry from its input shape
 * and spec (see net_infer.h). */
#include "nn/net_infer.h"

#include <stdio.h>

static NashStatus shape_error(NashError *err, int index, const LayerSpec *spec, Shape in, const char *why) {
    char line[160], shape[64];
    spec_format(spec, line, sizeof line);
    shape_format(in, shape, sizeof shape);
    return nash_fail(err, NASH_ERR_CONFIG, "layer %d (%s): input shape %s %s", index, line, shape, why);
}

/* Fill l->out and the layer's geometry from l->in and l->spec. */
NashStatus net_layer_infer(Layer *l, int index, NashError *err) {
    const LayerSpec *s = &l->spec;
    Shape in = l->in;
    switch (s->kind) {
    case LAYER_DENSE: /* on (T,F) it maps each step's F features (torch.nn.Linear on the last dim) */
        if (in.ndim != 1 && in.ndim != 2)
            return shape_error(err, index, s, in, "is not flat (F) or a sequence (T,F); put `flatten` before it");
        l->u.dense = (Dense){.in = in.dim[in.ndim - 1], .out = s->units, .has_bias = s->bias};
        l->out = in.ndim == 1 ? shape_1d(s->units) : shape_2d(in.dim[0], s->units);
        return NASH_OK;
    case LAYER_RNN:
    case LAYER_LSTM: {
        if (in.ndim != 2) return shape_error(err, index, s, in, "is not a sequence (T,F)");
        Rnn r = {.in = in.dim[1], .hidden = s->units, .steps = in.dim[0], .seq = s->seq, .has_bias = s->bias};
        if (s->kind == LAYER_RNN)
            l->u.rnn = r;
        else
            l->u.lstm = (Lstm){.in = r.in, .hidden = r.hidden, .steps = r.steps, .seq = r.seq, .has_bias = r.has_bias};
        l->out = s->seq ? shape_2d(in.dim[0], s->units) : shape_1d(s->units);
        return NASH_OK;
    }
    case LAYER_CONV2D: {
        if (in.ndim != 3) return shape_error(err, index, s, in, "is not (C,H,W)");
        int ho = conv_out_len(in.dim[1], s->kh, s->sh, s->ph), wo = conv_out_len(in.dim[2], s->kw, s->sw, s->pw);
        if (ho <= 0 || wo <= 0) return shape_error(err, index, s, in, "is smaller than the kernel");
        l->u.conv = (Conv2d){.cin = in.dim[0],
                             .cout = s->units,
                             .kh = s->kh,
                             .kw = s->kw,
                             .sh = s->sh,
                             .sw = s->sw,
                             .ph = s->ph,
                             .pw = s->pw,
                             .h = in.dim[1],
                             .w = in.dim[2],
                             .ho = ho,
                             .wo = wo,
                             .has_bias = s->bias};
        l->out = shape_3d(s->units, ho, wo);
        return NASH_OK;
    }
    case LAYER_DECONV2D: {
        if (in.ndim != 3) return shape_error(err, index, s, in, "is not (C,H,W)");
        int ho = deconv_out_len(in.dim[1], s->kh, s->sh, s->ph, s->oph);
        int wo = deconv_out_len(in.dim[2], s->kw, s->sw, s->pw, s->opw);
        if (ho <= 0 || wo <= 0) return shape_error(err, index, s, in, "gives an empty output (padding too large)");
        l->u.deconv = (Deconv2d){.cin = in.dim[0],
                                 .cout = s->units,
                                 .kh = s->kh,
                                 .kw = s->kw,
                                 .sh = s->sh,
                                 .sw = s->sw,
                                 .ph = s->ph,
                                 .pw = s->pw,
                                 .oph = s->oph,
                                 .opw = s->opw,
                                 .h = in.dim[1],
                                 .w = in.dim[2],
                                 .ho = ho,
                                 .wo = wo,
                                 .has_bias = s->bias};
        l->out = shape_3d(s->units, ho, wo);
        return NASH_OK;
    }
    case LAYER_MAXPOOL2D:
    case LAYER_AVGPOOL2D: {
        if (in.ndim != 3) return shape_error(err, index, s, in, "is not (C,H,W)");
        int ho = conv_out_len(in.dim[1], s->kh, s->sh, s->ph), wo = conv_out_len(in.dim[2], s->kw, s->sw, s->pw);
        if (ho <= 0 || wo <= 0) return shape_error(err, index, s, in, "is smaller than the window");
        l->u.pool = (Pool2d){.kind = s->kind == LAYER_MAXPOOL2D ? POOL2D_MAX : POOL2D_AVG,
                             .c = in.dim[0],
                             .h = in.dim[1],
                             .w = in.dim[2],
                             .ho = ho,
                             .wo = wo,
                             .kh = s->kh,
                             .kw = s->kw,
                             .sh = s->sh,
                             .sw = s->sw,
                             .ph = s->ph,
                             .pw = s->pw,
                             .count_include_pad = s->count_include_pad};
        l->out = in;
        l->out.dim[1] = ho;
        l->out.dim[2] = wo;
        return NASH_OK;
    }
    case LAYER_BATCHNORM: {
        if (in.ndim < 1 || in.ndim > 3) return shape_error(err, index, s, in, "is not (C), (C,L) or (C,H,W)");
        int spatial = 1;
        for (int d = 1; d < in.ndim; d++) spatial *= in.dim[d];
        l->u.bn = (BatchNorm){.c = in.dim[0], .s = spatial, .eps = s->eps, .momentum = s->momentum};
        l->out = in;
        return NASH_OK;
    }
    case LAYER_RELU:
    case LAYER_LEAKY_RELU:
    case LAYER_TANH:
    case LAYER_SIGMOID: {
        static const ActKind acts[] = {[LAYER_RELU] = ACT_RELU,
                                       [LAYER_LEAKY_RELU] = ACT_LEAKY_RELU,
                                       [LAYER_TANH] = ACT_TANH,
                                       [LAYER_SIGMOID] = ACT_SIGMOID};
        l->u.act = (Act){.kind = acts[s->kind], .slope = s->slope};
        l->out = in;
        return NASH_OK;
    }
    case LAYER_RESHAPE:
        if (shape_numel(s->target) != shape_numel(in))
            return shape_error(err, index, s, in, "has a different number of elements than the target");
        l->out = s->target;
        return NASH_OK;
    case LAYER_FLATTEN: l->out = shape_1d((int)shape_numel(in)); return NASH_OK;
    case LAYER_DROPOUT:
        l->u.dropout = (Dropout){.p = s->p, .stream_base = (uint64_t)(index + 1) << 40};
        l->out = in;
        return NASH_OK;
    }
    return nash_fail(err, NASH_ERR_INTERNAL, "layer %d: unknown kind %d", index, (int)s->kind);
}
