/* image.h — reading a PNG back in tests (libpng's simplified API), to check what nash drew. */
#ifndef NASH_TEST_IMAGE_H
#define NASH_TEST_IMAGE_H

/* The picture at path as 8-bit RGB rows (grey is expanded), malloc'd; *w and *h its size. NULL on
 * failure, recorded as a failed check naming the file and libpng's reason. */
unsigned char *test_read_png(const char *path, int *w, int *h);

#endif
