// RUN: snax-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @unaligned() {
  %a = snax.static_alloc offset 12 : memref<16xi8, #snax.memory_space<l1>>
  func.return
}
// CHECK: offset 12 is not a multiple of 8 bytes

// -----

func.func @no_space() {
  %a = snax.static_alloc offset 0 : memref<16xi8>
  func.return
}
// CHECK: result memref must be in a #snax.memory_space

// -----

func.func @mmio_unaligned(%v: i32) {
  snax.mmio_store %v to 0x20001002 : i32
  func.return
}
// CHECK: snax.mmio_store: address 0x20001002 is not word aligned
