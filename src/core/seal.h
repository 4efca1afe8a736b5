/* seal.h — a file that says whether any byte of it changed since nash wrote it.
 *
 * nash's HDF5 files (checkpoints, weights, samples, data) start with a 512-byte HDF5 userblock,
 * which HDF5 leaves to the application and every HDF5 reader skips (h5py, h5dump, PyTorch
 * loaders). nash writes one line of ASCII there, the seal:
 *
 *     nash-seal 1 crc32 5f3a09c1 bytes 00000000000000812544\n      (then zeros up to 512 bytes)
 *
 * crc32 is zlib's CRC-32 of the whole file with its own eight hex digits read as '0'; bytes is
 * the file's size. seal_verify reads the file as plain bytes before HDF5 sees any of it, so a
 * flipped byte anywhere — a tensor, an attribute, an object's name, HDF5's own metadata, the
 * seal itself — or a truncation is reported as such, and a damaged file never reaches HDF5's
 * parser. The cost is one sequential read of the file when it is opened (docs/checkpoint.md,
 * "Checksums").
 */
#ifndef NASH_CORE_SEAL_H
#define NASH_CORE_SEAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

#define SEAL_BLOCK 512 /* the userblock: HDF5 wants a power of two >= 512 */

/* HDF5's superblock signature, which a file nash wrote has right after the userblock. */
extern const unsigned char seal_hdf5_signature[8];

/* The seal of a file made of SEAL_BLOCK bytes of userblock followed by `body` (an HDF5 file image
 * taken from the core driver, which holds everything but the userblock): fills `block`, the bytes
 * to write first. */
void seal_make(unsigned char block[SEAL_BLOCK], const void *body, size_t body_size);

/* Check the file at path against its seal. A file that does not begin with a seal at all (not
 * written by nash, or by a nash before 0.2) sets *present = false and returns NASH_OK: the caller
 * decides whether to refuse it or to say it cannot be verified. A seal that is damaged, a size
 * that differs, or a CRC-32 that differs is NASH_ERR_DATA naming the file; an unreadable file is
 * NASH_ERR_IO. */
NashStatus seal_verify(const char *path, bool *present, NashError *err);

#endif
