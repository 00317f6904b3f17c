package org.ppruning.importer.safetensors;

/**
 * The element types a safetensors header may name, with their sizes. Only {@link #F32}, {@link
 * #F16} and {@link #BF16} can be read as float32; the others are known so that a file holding them
 * (for instance BERT's int64 {@code position_ids} buffer) can still be opened and its offsets
 * checked.
 */
public enum Dtype {
  BOOL(1),
  U8(1),
  I8(1),
  F8_E5M2(1),
  F8_E4M3(1),
  F8_E8M0(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  F64(8),
  I64(8),
  U64(8);

  private final int bytes;

  Dtype(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** Whether {@link SafetensorsFile#read} converts this type to float32 (exactly). */
  public boolean readableAsFloat() {
    return this == F32 || this == F16 || this == BF16;
  }

  /**
   * The dtype spelled {@code name} in a header.
   *
   * @throws IllegalArgumentException naming the unknown dtype
   */
  public static Dtype of(String name) {
    for (Dtype d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown dtype '" + name + "'");
  }
}
