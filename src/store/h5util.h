/* h5util.h — small HDF5 helpers shared by data/ (data sets) and store/ (weights, checkpoints, samples).
 *
 * They make HDF5's failures readable: the library's automatic error printing is turned off
 * (h5util_quiet, called by every public function of data/ and store/ that touches HDF5; nash prints
 * its own messages, which name the file and the object), and a message is built from the
 * innermost entry of HDF5's error stack instead. Strings are written as variable-length UTF-8
 * (h5py reads them as str); both variable- and fixed-length strings are read. Files written for a
 * user go through core/atomic.h (h5util_create_atomic), so a reader never sees half of one.
 */
#ifndef NASH_STORE_H5UTIL_H
#define NASH_STORE_H5UTIL_H

#include <hdf5.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/atomic.h"
#include "core/status.h"

/* ---- errors, files and names ------------------------------------------------------------------ */

/* The process-wide HDF5 lock. Debian's HDF5 1.10 (libhdf5-openmpi) is built without
 * thread-safety (H5_HAVE_THREADSAFE undefined, H5is_library_threadsafe says false), so two threads
 * must never be inside the library at once. data/stream.c's reader thread holds this lock for each
 * of its reads; any other thread that calls HDF5 while a stream is open (a checkpoint written
 * mid-run, the final weights written before stream_close) must hold it too. Not recursive. */
void h5util_lock(void);
void h5util_unlock(void);

/* Turn off HDF5's automatic error printing on this thread (nash prints its own messages). */
void h5util_quiet(void);

/* The HDF5 library's version and whether it is the parallel (MPI) build: "1.10.8 (parallel)". */
const char *h5util_version(char *buf, size_t size);

/* The most specific message of HDF5's current error stack ("truncated file: eof = ...") into
 * buf, or "unknown HDF5 error"; clears the stack. Returns buf. Call it right after the failing
 * call: every HDF5 API call (even H5Pclose) starts by clearing the stack. */
const char *h5util_reason(char *buf, size_t size);

/* "uint8", "int32", "float64", "string", "compound", ... Returns buf. */
const char *h5util_type_name(hid_t type, char *buf, size_t size);

/* "(60000,1,28,28)" from HDF5 dims ("()" for rank 0). Returns buf. */
const char *h5util_dims_format(int rank, const hsize_t *dims, char *buf, size_t size);

/* A file access property list with the sec2 (POSIX) driver; close with H5Pclose. */
hid_t h5util_fapl_sec2(void);

/* Whether path is an HDF5 file (> 0), is not (0), or cannot be checked (< 0). Clears HDF5's
 * error stack. */
htri_t h5util_is_hdf5(const char *path);

/* Open an existing file read-only, with a clear message for each failure: the file is missing
 * or unreadable (NASH_ERR_IO), is not HDF5 (NASH_ERR_DATA), or is HDF5 but cannot be opened,
 * typically because it is truncated (NASH_ERR_DATA; the message quotes HDF5's innermost error). */
NashStatus h5util_open_read(const char *path, hid_t *file, NashError *err);

/* Create the HDF5 file that will become `path`: atomic_begin, then H5Fcreate in memory (the core
 * driver, no backing store), so a full disk can only fail the final write(2), never HDF5 itself.
 * The whole file is held in memory until it is committed. It has a SEAL_BLOCK userblock for the
 * seal (core/seal.h). On failure nothing is left on disk. */
hid_t h5util_fcpl_sealed(void); /* a file creation property list with that userblock */
NashStatus h5util_create_atomic(const char *path, AtomicFile *af, hid_t *file, NashError *err);

/* Finish a file from h5util_create_atomic: take its image, close it, seal it (core/seal.h), write
 * the image to the temporary file, then atomic_commit (fsync, rename, fsync the directory) when st (the writer's
 * status so far) and every step succeeded, else atomic_abort. Returns the first error; messages
 * name af->path and say when the disk is full. */
NashStatus h5util_commit_atomic(AtomicFile *af, hid_t file, NashStatus st, NashError *err);

/* ---- attributes and string datasets (each returns a negative value on failure) ----------------- */

/* A scalar variable-length UTF-8 string, an array of them (count >= 1). */
herr_t h5util_write_string_attr(hid_t obj, const char *name, const char *value);
herr_t h5util_write_strings_attr(hid_t obj, const char *name, const char *const *values, int count);
/* Scalar int32 and uint64; a 1-D int32 array of count values; a 1-D float64 array (count >= 1). */
herr_t h5util_write_int_attr(hid_t obj, const char *name, int32_t value);
herr_t h5util_write_uint64_attr(hid_t obj, const char *name, uint64_t value);
herr_t h5util_write_ints_attr(hid_t obj, const char *name, const int32_t *values, int count);
herr_t h5util_write_doubles_attr(hid_t obj, const char *name, const double *values, int count);
/* A scalar variable-length UTF-8 string dataset. */
herr_t h5util_write_string_dataset(hid_t loc, const char *name, const char *value);

/* Read a scalar string attribute / scalar string dataset (fixed- or variable-length) into
 * malloc'd memory (the caller frees); NULL when it is absent, not a string, or unreadable. */
char *h5util_read_string_attr(hid_t obj, const char *name);
char *h5util_read_string_dataset(hid_t loc, const char *name);

/* A 1-D (or scalar) integer attribute of at most `max` values into values; returns the count,
 * -1 when it is absent, not integers, too long or unreadable. */
int h5util_read_ints_attr(hid_t obj, const char *name, int32_t *values, int max);

/* zlib's CRC-32 of n bytes (any length). */
uint32_t h5util_crc32(const void *bytes, size_t n);
/* The `crc32` attribute (scalar uint32) of a dataset. */
herr_t h5util_write_crc32_attr(hid_t set, uint32_t crc);
/* A contiguous float32 (little-endian) dataset loc/name of rank ndim (0: scalar) from native
 * floats; with `checksum`, its crc32 attribute too. */
herr_t h5util_write_floats(hid_t loc, const char *name, int ndim, const hsize_t *dims, const float *data,
                           bool checksum);
/* A scalar attribute of file type `file_type` from a value of `mem_type`. */
herr_t h5util_write_scalar_attr(hid_t obj, const char *name, hid_t file_type, hid_t mem_type, const void *value);
/* A scalar integer attribute read as `mem_type`, or as int64 or uint64; negative when absent or
 * not an integer. */
herr_t h5util_read_scalar_attr(hid_t obj, const char *name, hid_t mem_type, void *value);
herr_t h5util_read_int64_attr(hid_t obj, const char *name, int64_t *value);
herr_t h5util_read_uint64_attr(hid_t obj, const char *name, uint64_t *value);

#endif
