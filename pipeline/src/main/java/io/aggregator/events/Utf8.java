package io.aggregator.events;

/**
 * Strict UTF-8 (RFC 3629; the Unicode Standard's table of well-formed byte sequences): no overlong
 * forms, no encoded surrogates, nothing above U+10FFFF, no 5- or 6-byte forms, no truncated
 * sequences and no stray continuation bytes. Jackson decodes some of these leniently (an overlong
 * {@code C0 AF} becomes {@code /}), so a message is checked before it is parsed
 * (docs/semantics.md, "Bad input").
 */
final class Utf8 {

  private Utf8() {}

  /** The index of the first byte of the first ill-formed sequence in {@code b}, or -1. */
  static int firstIllFormed(byte[] b) {
    int i = 0;
    int n = b.length;
    while (i < n) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      int len;
      int lo = 0x80;
      int hi = 0xBF; // the range of the second byte; later bytes are always 80..BF
      if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
      } else if (c == 0xE0) {
        len = 3;
        lo = 0xA0; // below: overlong
      } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
        len = 3;
      } else if (c == 0xED) {
        len = 3;
        hi = 0x9F; // above: UTF-16 surrogates
      } else if (c == 0xF0) {
        len = 4;
        lo = 0x90; // below: overlong
      } else if (c >= 0xF1 && c <= 0xF3) {
        len = 4;
      } else if (c == 0xF4) {
        len = 4;
        hi = 0x8F; // above: beyond U+10FFFF
      } else {
        return i; // a continuation byte out of place, C0/C1 (overlong), or F5..FF
      }
      if (i + len > n) {
        return i; // truncated
      }
      int second = b[i + 1] & 0xFF;
      if (second < lo || second > hi) {
        return i;
      }
      for (int k = 2; k < len; k++) {
        int cont = b[i + k] & 0xFF;
        if (cont < 0x80 || cont > 0xBF) {
          return i;
        }
      }
      i += len;
    }
    return -1;
  }
}
