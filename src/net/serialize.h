/* Internal interface of the model-file module (src/net/serialize.c).
 * Never installed; not part of the ABI. Format: docs/file-format.md. */
#ifndef SNN_SERIALIZE_H
#define SNN_SERIALIZE_H

#include "internal.h"

/* File header */
#define SNN__MODEL_MAGIC "SNNMODEL" /* 8 bytes, no terminator in the file */
#define SNN__MODEL_VERSION 1u       /* current (and only) format version */
#define SNN__MODEL_HEADER_SIZE 16u  /* magic + u32 version + u32 flags */

/* Section framing: u32 tag, u32 flags, u64 length, payload, u32 CRC-32 */
#define SNN__SECTION_HEAD_SIZE 16u
#define SNN__SECTION_CRC_SIZE 4u
#define SNN__SECTION_REQUIRED 0x1u /* a reader that does not know the tag must refuse */

/* Reader limits (documented in docs/file-format.md). */
#define SNN__MODEL_MAX_NAME 255u           /* bytes in a name or symbolic value */
#define SNN__MODEL_MAX_UNITS ((size_t)1 << 24) /* inputs or outputs of one layer */

/* Test hook (not thread-safe; tests only): make the file writer of
 * snn_network_save() fail with an I/O error (as if the disk were full) once
 * `nbytes` bytes have been written to the temporary file. Negative disables
 * (the default). Does not affect snn_network_save_mem(). */
void snn__io_fail_after(long nbytes);

#endif
