// RUN: snax-opt %s | snax-opt | filecheck %s
// RUN: snax-opt %s --print-op-generic | snax-opt | filecheck %s

// A 64x64 int8 tile copied from L3 to L1 in 8-byte elements, then transposed back
// element by element (a layout change folded into the two patterns).

// CHECK-LABEL: func.func @copy_and_transpose(
func.func @copy_and_transpose(%l3: memref<64x64xi8, #snax.memory_space<l3>>,
                              %l1: memref<64x64xi8, #snax.memory_space<l1>>) {
  // CHECK: %[[T0:.*]] = dma.start %{{.*}} to %{{.*}} elem_bytes 8
  // CHECK-SAME: src <bounds = [64, 8], strides = [64, 8]>
  // CHECK-SAME: dst <bounds = [512], strides = [8]>
  // CHECK-SAME: : memref<64x64xi8, #snax.memory_space<l3>> to memref<64x64xi8, #snax.memory_space<l1>>
  %t0 = dma.start %l3 to %l1 elem_bytes 8
      src <bounds = [64, 8], strides = [64, 8]>
      dst <bounds = [512], strides = [8]>
      : memref<64x64xi8, #snax.memory_space<l3>> to memref<64x64xi8, #snax.memory_space<l1>>
  // CHECK: %[[T1:.*]] = dma.start %{{.*}} to %{{.*}} elem_bytes 1
  // CHECK-SAME: src <bounds = [64, 64], strides = [1, 64]>
  // CHECK-SAME: dst <bounds = [64, 64], strides = [64, 1]>
  %t1 = dma.start %l1 to %l3 elem_bytes 1
      src <bounds = [64, 64], strides = [1, 64]>
      dst <bounds = [64, 64], strides = [64, 1]>
      : memref<64x64xi8, #snax.memory_space<l1>> to memref<64x64xi8, #snax.memory_space<l3>>
  // CHECK: dma.wait %[[T0]], %[[T1]]
  dma.wait %t0, %t1
  func.return
}

// Raw byte addresses instead of memrefs, negative strides (a reversed copy).
// CHECK-LABEL: func.func @addresses(
// CHECK: %{{.*}} = dma.start %{{.*}} to %{{.*}} elem_bytes 64
// CHECK-SAME: src <bounds = [16], strides = [-64]>
// CHECK-SAME: dst <bounds = [4, 4], strides = [256, 64]> : i32 to i32
func.func @addresses(%src: i32, %dst: i32) {
  %t = dma.start %src to %dst elem_bytes 64
      src <bounds = [16], strides = [-64]>
      dst <bounds = [4, 4], strides = [256, 64]> : i32 to i32
  dma.wait %t
  func.return
}
