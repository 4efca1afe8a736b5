/* exif.h — the orientation tag of an EXIF block (private to image/).
 *
 * data is the payload of a JPEG APP1 segment: "Exif\0\0" then a TIFF structure (byte order "II"
 * or "MM", 42, the offset of IFD0). Returns the value of tag 0x0112 (Orientation) in IFD0, 1..8,
 * or 1 when there is none or the block is malformed: every offset is checked against size.
 */
#ifndef NASH_IMAGE_EXIF_H
#define NASH_IMAGE_EXIF_H

#include <stddef.h>
#include <stdint.h>

int exif_orientation(const uint8_t *data, size_t size);

#endif
