// RUN: snax-opt %s -p 'pad-to-dma{config="%S/inputs/two_accelerators.yaml"}' | filecheck %s

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#s = affine_map<(d0, d1, d2, d3) -> ()>

// A bufferized tensor.pad (1x2x6x6 -> 1x2x8x8, pad value -5): the padded buffer (128 B)
// is filled by one store of the replicated value and a DMA broadcast of that word, then
// one DMA transfer writes the input into the interior (offset 9: row 1, column 1).
// CHECK-LABEL: func.func @pad(
// CHECK:      %[[W:.*]] = snax.static_alloc offset 128 : memref<16xi64, #snax.memory_space<l1>>
// CHECK-NEXT: %[[V:.*]] = arith.constant -289360691352306693 : i64
// CHECK-NEXT: %[[I:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.store %[[V]], %[[W]][%[[I]]]
// CHECK-NEXT: %[[T:.*]] = dma.start %[[W]] to %[[W]] elem_bytes 8 src <bounds = [16], strides = [0]> dst <bounds = [16], strides = [8]>
// CHECK-NEXT: dma.wait %[[T]]
// CHECK-NEXT: %[[D:.*]] = arith.constant 268435593 : i32
// CHECK-NEXT: %[[T2:.*]] = dma.start %{{.*}} to %[[D]] elem_bytes 1 src <bounds = [72], strides = [1]> dst <bounds = [2, 6, 6], strides = [64, 8, 1]>
// CHECK-NEXT: dma.wait %[[T2]]
// CHECK-NOT:  linalg.generic
// CHECK:      func.return
func.func @pad() {
  %x = snax.static_alloc offset 0 : memref<1x2x6x6xi8, #snax.memory_space<l1>>
  %p = snax.static_alloc offset 128 : memref<1x2x8x8xi8, #snax.memory_space<l1>>
  %v = arith.constant -5 : i8
  linalg.generic {indexing_maps = [#s, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%v : i8) outs(%p : memref<1x2x8x8xi8, #snax.memory_space<l1>>) {
  ^bb0(%in: i8, %o: i8):
    linalg.yield %in : i8
  }
  %sv = memref.subview %p[0, 0, 1, 1] [1, 2, 6, 6] [1, 1, 1, 1] : memref<1x2x8x8xi8, #snax.memory_space<l1>> to memref<1x2x6x6xi8, strided<[128, 64, 8, 1], offset: 9>, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : memref<1x2x6x6xi8, #snax.memory_space<l1>>) outs(%sv : memref<1x2x6x6xi8, strided<[128, 64, 8, 1], offset: 9>, #snax.memory_space<l1>>) {
  ^bb0(%in: i8, %o: i8):
    linalg.yield %in : i8
  }
  func.return
}

// A copy into a buffer that was not filled right before: not a pad, left alone.
// CHECK-LABEL: func.func @not_a_pad(
// CHECK-NOT:  dma.start
// CHECK:      linalg.generic
func.func @not_a_pad() {
  %x = snax.static_alloc offset 0 : memref<1x2x6x6xi8, #snax.memory_space<l1>>
  %p = snax.static_alloc offset 128 : memref<1x2x8x8xi8, #snax.memory_space<l1>>
  %sv = memref.subview %p[0, 0, 1, 1] [1, 2, 6, 6] [1, 1, 1, 1] : memref<1x2x8x8xi8, #snax.memory_space<l1>> to memref<1x2x6x6xi8, strided<[128, 64, 8, 1], offset: 9>, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : memref<1x2x6x6xi8, #snax.memory_space<l1>>) outs(%sv : memref<1x2x6x6xi8, strided<[128, 64, 8, 1], offset: 9>, #snax.memory_space<l1>>) {
  ^bb0(%in: i8, %o: i8):
    linalg.yield %in : i8
  }
  func.return
}

// The input's transfer from L3 between the fill and the copy (as place-program-io puts it
// right before the copy): still a pad, on the DMA, after the transfer.
// CHECK-LABEL: func.func @pad_after_load(
// CHECK:      %[[L:.*]] = dma.start %{{.*}} to %{{.*}} elem_bytes 8 src <bounds = [9], strides = [8]>
// CHECK-NEXT: dma.wait %[[L]]
// CHECK-NEXT: %[[W:.*]] = snax.static_alloc offset 128 : memref<16xi64, #snax.memory_space<l1>>
// CHECK:      dma.start %[[W]] to %[[W]] elem_bytes 8 src <bounds = [16], strides = [0]> dst <bounds = [16], strides = [8]>
// CHECK:      dma.start %{{.*}} to %{{.*}} elem_bytes 1 src <bounds = [72], strides = [1]> dst <bounds = [2, 6, 6], strides = [64, 8, 1]>
// CHECK-NOT:  linalg.generic
// CHECK:      func.return
func.func @pad_after_load() {
  %x3 = snax.static_alloc offset 0 : memref<1x2x6x6xi8, #snax.memory_space<l3>>
  %x = snax.static_alloc offset 0 : memref<1x2x6x6xi8, #snax.memory_space<l1>>
  %p = snax.static_alloc offset 128 : memref<1x2x8x8xi8, #snax.memory_space<l1>>
  %v = arith.constant -5 : i8
  linalg.generic {indexing_maps = [#s, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%v : i8) outs(%p : memref<1x2x8x8xi8, #snax.memory_space<l1>>) {
  ^bb0(%in: i8, %o: i8):
    linalg.yield %in : i8
  }
  %sv = memref.subview %p[0, 0, 1, 1] [1, 2, 6, 6] [1, 1, 1, 1] : memref<1x2x8x8xi8, #snax.memory_space<l1>> to memref<1x2x6x6xi8, strided<[128, 64, 8, 1], offset: 9>, #snax.memory_space<l1>>
  %t = dma.start %x3 to %x elem_bytes 8 src <bounds = [9], strides = [8]> dst <bounds = [9], strides = [8]> : memref<1x2x6x6xi8, #snax.memory_space<l3>> to memref<1x2x6x6xi8, #snax.memory_space<l1>>
  dma.wait %t
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : memref<1x2x6x6xi8, #snax.memory_space<l1>>) outs(%sv : memref<1x2x6x6xi8, strided<[128, 64, 8, 1], offset: 9>, #snax.memory_space<l1>>) {
  ^bb0(%in: i8, %o: i8):
    linalg.yield %in : i8
  }
  func.return
}

// A padded buffer of 25 bytes: 3 words broadcast, the last byte in a 1-byte transfer from
// word 0 (offset 256 + 24 = 280).
// CHECK-LABEL: func.func @pad_tail(
// CHECK:      %[[W:.*]] = snax.static_alloc offset 256 : memref<3xi64, #snax.memory_space<l1>>
// CHECK:      %[[T1:.*]] = dma.start %[[W]] to %[[W]] elem_bytes 8 src <bounds = [3], strides = [0]> dst <bounds = [3], strides = [8]>
// CHECK-NEXT: %[[S:.*]] = arith.constant 268435712 : i32
// CHECK-NEXT: %[[D:.*]] = arith.constant 268435736 : i32
// CHECK-NEXT: %[[T2:.*]] = dma.start %[[S]] to %[[D]] elem_bytes 1 src <bounds = [1], strides = [0]> dst <bounds = [1], strides = [1]>
// CHECK-NEXT: dma.wait %[[T1]], %[[T2]]
// CHECK:      dma.start %{{.*}} to %{{.*}} elem_bytes 1 src <bounds = [9], strides = [1]> dst <bounds = [3, 3], strides = [5, 1]>
// CHECK-NOT:  linalg.generic
func.func @pad_tail() {
  %x = snax.static_alloc offset 0 : memref<1x1x3x3xi8, #snax.memory_space<l1>>
  %p = snax.static_alloc offset 256 : memref<1x1x5x5xi8, #snax.memory_space<l1>>
  %v = arith.constant 7 : i8
  linalg.generic {indexing_maps = [#s, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%v : i8) outs(%p : memref<1x1x5x5xi8, #snax.memory_space<l1>>) {
  ^bb0(%in: i8, %o: i8):
    linalg.yield %in : i8
  }
  %sv = memref.subview %p[0, 0, 1, 1] [1, 1, 3, 3] [1, 1, 1, 1] : memref<1x1x5x5xi8, #snax.memory_space<l1>> to memref<1x1x3x3xi8, strided<[25, 25, 5, 1], offset: 6>, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : memref<1x1x3x3xi8, #snax.memory_space<l1>>) outs(%sv : memref<1x1x3x3xi8, strided<[25, 25, 5, 1], offset: 6>, #snax.memory_space<l1>>) {
  ^bb0(%in: i8, %o: i8):
    linalg.yield %in : i8
  }
  func.return
}
