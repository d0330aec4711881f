// RUN: snax-opt %s -p copies-to-dma | filecheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>

// CHECK-LABEL: func.func @copies(
// A copy between two L1 buffers: 16x32 int32 = 2048 bytes in 64-byte elements.
// CHECK-NEXT:  %[[A:.*]] = snax.static_alloc offset 0
// CHECK-NEXT:  %[[B:.*]] = snax.static_alloc offset 2048
// CHECK-NEXT:  %[[T:.*]] = dma.start %[[A]] to %[[B]] elem_bytes 64 src <bounds = [32], strides = [64]> dst <bounds = [32], strides = [64]>
// CHECK-NEXT:  dma.wait %[[T]]
// A fill with 0: the core stores word 0, the DMA copies it into the other 255 words.
// CHECK-NEXT:  %{{.*}} = arith.constant 0 : i32
// CHECK-NEXT:  %[[W:.*]] = snax.static_alloc offset 2048 : memref<256xi64, #snax.memory_space<l1>>
// CHECK:       memref.store
// CHECK-NEXT:  %[[F:.*]] = dma.start %[[W]] to %[[W]] elem_bytes 8 src <bounds = [256], strides = [0]> dst <bounds = [256], strides = [8]>
// CHECK-NEXT:  dma.wait %[[F]]
// A copy from a buffer outside L1 stays a generic.
// CHECK-NEXT:  linalg.generic
// CHECK-NOT:   dma.start
func.func @copies(%x: memref<16x32xi32>) {
  %a = snax.static_alloc offset 0 : memref<16x32xi32, #snax.memory_space<l1>>
  %b = snax.static_alloc offset 2048 : memref<16x32xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : memref<16x32xi32, #snax.memory_space<l1>>) outs(%b : memref<16x32xi32, #snax.memory_space<l1>>) {
  ^bb0(%in: i32, %out: i32):
    linalg.yield %in : i32
  }
  %zero = arith.constant 0 : i32
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, #id], iterator_types = ["parallel", "parallel"]} ins(%zero : i32) outs(%b : memref<16x32xi32, #snax.memory_space<l1>>) {
  ^bb0(%in: i32, %out: i32):
    linalg.yield %in : i32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : memref<16x32xi32>) outs(%b : memref<16x32xi32, #snax.memory_space<l1>>) {
  ^bb0(%in: i32, %out: i32):
    linalg.yield %in : i32
  }
  func.return
}

#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#c = affine_map<(d0, d1, d2, d3) -> (d1)>
#s4 = affine_map<(d0, d1, d2, d3) -> ()>

// A conv bias broadcast over the 8x8 pixels of each of 4 channels: 256 bytes per channel,
// so the DMA spreads each value 16 times into a 64-byte scratch row after the last buffer
// (offset 1216), then copies the rows in 64-byte elements, each 4 times (64 + 16
// elements instead of 256).
// CHECK-LABEL: func.func @bias_broadcast(
// CHECK:      %[[R:.*]] = arith.constant 268436672 : i32
// CHECK-NEXT: %[[T1:.*]] = dma.start %{{.*}} to %[[R]] elem_bytes 4 src <bounds = [4, 16], strides = [4, 0]> dst <bounds = [64], strides = [4]>
// CHECK-NEXT: dma.wait %[[T1]]
// CHECK-NEXT: %[[T2:.*]] = dma.start %[[R]] to %{{.*}} elem_bytes 64 src <bounds = [4, 4], strides = [64, 0]> dst <bounds = [16], strides = [64]>
// CHECK-NEXT: dma.wait %[[T2]]
// A broadcast along the innermost dim of 3 int8 values (not whole beats): one transfer of
// 1-byte elements with source stride 0 inside.
// CHECK:      dma.start %{{.*}} to %{{.*}} elem_bytes 1 src <bounds = [3, 5], strides = [1, 0]> dst <bounds = [15], strides = [1]>
// An f32 zero fill (68 bytes): word 0 stored, copied into 7 more words, the last 4 bytes
// from word 0.
// CHECK:      %[[F:.*]] = snax.static_alloc offset 1088 : memref<8xi64, #snax.memory_space<l1>>
// CHECK-NEXT: arith.constant 0 : i64
// CHECK:      memref.store
// CHECK-NEXT: dma.start %[[F]] to %[[F]] elem_bytes 8 src <bounds = [8], strides = [0]> dst <bounds = [8], strides = [8]>
// CHECK:      dma.start %{{.*}} to %{{.*}} elem_bytes 4 src <bounds = [1], strides = [0]> dst <bounds = [1], strides = [4]>
// CHECK-NOT:  linalg.generic
// CHECK:      func.return
func.func @bias_broadcast() {
  %bias = snax.static_alloc offset 0 : memref<4xi32, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 64 : memref<1x4x8x8xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#c, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bias : memref<4xi32, #snax.memory_space<l1>>) outs(%y : memref<1x4x8x8xi32, #snax.memory_space<l1>>) {
  ^bb0(%in: i32, %out: i32):
    linalg.yield %in : i32
  }
  %v = snax.static_alloc offset 16 : memref<3xi8, #snax.memory_space<l1>>
  %z = snax.static_alloc offset 32 : memref<3x5xi8, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%v : memref<3xi8, #snax.memory_space<l1>>) outs(%z : memref<3x5xi8, #snax.memory_space<l1>>) {
  ^bb0(%in: i8, %out: i8):
    linalg.yield %in : i8
  }
  %f = snax.static_alloc offset 1088 : memref<17xf32, #snax.memory_space<l1>>
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%zero : f32) outs(%f : memref<17xf32, #snax.memory_space<l1>>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  func.return
}
