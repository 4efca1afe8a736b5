/* weights.h — networks in HDF5: save both players, load one back by name.
 *
 * Layout (docs/weights.md), readable with h5dump and h5py:
 *   /generator, /discriminator   groups; attributes `layers` (the layer lines, '\n'-separated)
 *                                and `input_shape` (int32 array, one sample)
 *     <name> float32 datasets    every parameter and buffer by its net name ("0.weight",
 *                                "1.running_mean") in PyTorch layout
 *   /config                      string dataset: the resolved INI config of the run
 *   attributes on /: format ("nash-weights"), version (int32)
 * Saving writes a temporary file in the same directory, fsyncs it and renames it, then fsyncs the
 * directory. Every function switches off HDF5's automatic error printing (H5Eset_auto) and
 * reports its own messages naming the file and object: a missing or unreadable file
 * (NASH_ERR_IO), a file that is not HDF5, truncated, not nash's, or lacks the group, attribute
 * or tensor asked for (NASH_ERR_DATA).
 */
#ifndef NASH_STORE_WEIGHTS_H
#define NASH_STORE_WEIGHTS_H

#include "core/shape.h"
#include "core/status.h"
#include "nn/net.h"

/* The root attributes written. Readers accept any format starting with "nash-" (checkpoints
 * extend this layout) and versions 1..WEIGHTS_VERSION. */
#define WEIGHTS_FORMAT "nash-weights"
#define WEIGHTS_VERSION 1

typedef struct {
    const char *group; /* "generator" */
    const Net *net;
    const char *layers;   /* the layer lines the net was built from */
    const float *params;  /* NULL: the net's own parameters; else values in the net's parameter
                             layout (net->param_floats), e.g. the EMA of the generator */
    const float *buffers; /* NULL: the net's own buffers; else values in its buffer layout */
} WeightsEntry;

NashStatus weights_save(const char *path, const WeightsEntry *entries, int n_entries, const char *config_text,
                        NashError *err);

/* The layer lines (malloc'd, caller frees) and input shape of a group, to build its net. */
NashStatus weights_read_spec(const char *path, const char *group, char **layers, Shape *input, NashError *err);
/* The /config text (malloc'd, caller frees). */
NashStatus weights_read_config(const char *path, char **config_text, NashError *err);

/* Load every parameter and buffer of `group` into an already built net. Every tensor of the net
 * must be present with the same shape, else nothing is changed and the error names the tensor
 * and both shapes. */
NashStatus weights_load(const char *path, const char *group, Net *net, NashError *err);

#endif
