/* net_infer.h — shape inference for net.c (private to nn/): the output shape and geometry of one
 * layer from its input shape and spec. */
#ifndef NASH_NN_NET_INFER_H
#define NASH_NN_NET_INFER_H

#include "nn/net.h"

/* Fill l->out and the layer's geometry from l->in and l->spec; errors name layer `index`, its
 * line and the input shape. */
NashStatus net_layer_infer(Layer *l, int index, NashError *err);

#endif
