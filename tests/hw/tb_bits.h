// Bit-field access to Verilator port values of any width (CData..QData or VlWide<N>), for the
// TCDM and DMA block testbenches. Packed arrays `logic [N-1:0][W-1:0] x` put element i at
// bits [W*i +: W].
#pragma once
#include <cstdint>
#include <type_traits>

#include "verilated.h"

template <class T>
uint64_t get_bits(const T& v, unsigned lsb, unsigned width) {
  if constexpr (std::is_integral_v<T>) {
    uint64_t x = static_cast<uint64_t>(v) >> lsb;
    return width >= 64 ? x : (x & ((1ull << width) - 1));
  } else {
    uint64_t r = 0;
    for (unsigned i = 0; i < width; i += 32) {
      unsigned b = lsb + i;
      uint64_t w = v[b / 32] >> (b % 32);
      if (b % 32 && b / 32 + 1 < T::Words) w |= static_cast<uint64_t>(v[b / 32 + 1]) << (32 - b % 32);
      r |= (w & 0xffffffffull) << i;
    }
    return width >= 64 ? r : (r & ((1ull << width) - 1));
  }
}

template <class T>
void set_bits(T& v, unsigned lsb, unsigned width, uint64_t value) {
  if constexpr (std::is_integral_v<T>) {
    uint64_t m = width >= 64 ? ~0ull : ((1ull << width) - 1);
    uint64_t x = static_cast<uint64_t>(v);
    x = (x & ~(m << lsb)) | ((value & m) << lsb);
    v = static_cast<T>(x);
  } else {
    for (unsigned i = 0; i < width; i++) {
      unsigned b = lsb + i;
      uint32_t bit = 1u << (b % 32);
      if ((value >> i) & 1) v[b / 32] |= bit;
      else v[b / 32] &= ~bit;
    }
  }
}
