/* fuzz_crc.h — give an edited checkpoint valid checksums again (fuzz_checkpoint.c). */
#ifndef NASH_FUZZ_CRC_H
#define NASH_FUZZ_CRC_H

#include <hdf5.h>

/* Recompute the crc32 of every dataset of up to small_points points, and of /state. */
void fuzz_fix_checksums(hid_t file, long long small_points);

#endif
