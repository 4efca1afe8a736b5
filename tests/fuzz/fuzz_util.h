/* fuzz_util.h — what the libFuzzer targets of tests/fuzz share.
 *
 * A private temporary directory (created on first use, removed with its files at exit) for the
 * parsers that take a path (config, IDX, checkpoints): each run writes its input to a file there.
 * A byte reader for the structure-aware targets: the input is consumed front to back as small
 * integers and byte strings; reading past its end yields zeros, so every input is a valid program
 * of edits.
 */
#ifndef NASH_FUZZ_UTIL_H
#define NASH_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point, declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "<tmpdir>/<name>", written with the size bytes of data (replaced if it exists). Aborts when
 * the file cannot be written: that is the machine, not the code under test. */
const char *fuzz_write_file(const char *name, const void *data, size_t size);
/* The whole file at path, malloc'd (the caller frees), its length in *size; aborts when it
 * cannot be read. */
uint8_t *fuzz_read_file(const char *path, size_t *size);
/* "<tmpdir>/<name>" without writing it. */
const char *fuzz_path(const char *name);

/* Abort with a message when cond is false: libFuzzer reports it as a crash with the input. */
void fuzz_require(int cond, const char *what);

typedef struct {
    const uint8_t *p;
    size_t n;
} FuzzBytes;

uint8_t fuzz_u8(FuzzBytes *in);
uint32_t fuzz_u32(FuzzBytes *in);
/* A number in [0, n) (n >= 1) from one or two bytes. */
uint32_t fuzz_below(FuzzBytes *in, uint32_t n);
/* Up to max bytes: a length byte, then that many bytes (fewer at the end of the input). */
const uint8_t *fuzz_bytes(FuzzBytes *in, size_t max, size_t *len);

#endif
