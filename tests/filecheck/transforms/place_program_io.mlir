// RUN: snax-opt %s -p 'place-program-io{l1_bytes=131072}' --split-input-file | filecheck %s
// RUN: snax-opt %s -p 'place-program-io{l1_bytes=256}' --split-input-file --verify-diagnostics | filecheck %s --check-prefix=SMALL

// A bufferized tensor function (2 inputs, then 1 out-parameter): inputs come in from
// L3 by DMA, the result goes back; the temporary buffer is placed in L1 after the
// arguments; offsets are 64-byte aligned.
// CHECK-LABEL: func.func @main() -> i32
// CHECK-SAME: snaxc.entry = "add"
// CHECK-SAME: snaxc.io = [{name = "arg0", role = "input", l3_offset = 0 : i64, shape = array<i64: 100>, element_type = i8},
// CHECK-SAME: {name = "arg1", role = "input", l3_offset = 128 : i64, shape = array<i64: 100>, element_type = i8},
// CHECK-SAME: {name = "result0", role = "output", l3_offset = 256 : i64, shape = array<i64: 100>, element_type = i8}]
// CHECK-NEXT: %[[X3:.*]] = snax.static_alloc offset 0 : memref<100xi8, #snax.memory_space<l3>>
// CHECK-NEXT: %[[X1:.*]] = snax.static_alloc offset 0 : memref<100xi8, #snax.memory_space<l1>>
// 100 bytes: elements of 1 byte (100 is not a multiple of 8).
// CHECK-NEXT: %[[T0:.*]] = dma.start %[[X3]] to %[[X1]] elem_bytes 1 src <bounds = [100], strides = [1]> dst <bounds = [100], strides = [1]>
// CHECK-NEXT: %[[Y3:.*]] = snax.static_alloc offset 128 : memref<100xi8, #snax.memory_space<l3>>
// CHECK-NEXT: %[[Y1:.*]] = snax.static_alloc offset 128 : memref<100xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[T1:.*]] = dma.start %[[Y3]] to %[[Y1]]
// CHECK-NEXT: %[[Z3:.*]] = snax.static_alloc offset 256 : memref<100xi8, #snax.memory_space<l3>>
// CHECK-NEXT: %[[Z1:.*]] = snax.static_alloc offset 256 : memref<100xi8, #snax.memory_space<l1>>
// CHECK-NEXT: dma.wait %[[T0]], %[[T1]]
// CHECK-NEXT: %[[TMP:.*]] = snax.static_alloc offset 384 : memref<100xi8, #snax.memory_space<l1>>
// CHECK:      ins(%[[X1]], %[[Y1]] : {{.*}}) outs(%[[TMP]] : {{.*}})
// CHECK:      ins(%[[TMP]] : {{.*}}) outs(%[[Z1]] : {{.*}})
// CHECK:      %[[T2:.*]] = dma.start %[[Z1]] to %[[Z3]]
// CHECK-NEXT: dma.wait %[[T2]]
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT: func.return %[[ZERO]] : i32

// SMALL: place-program-io: the program's buffers need 484 bytes of L1 at once, the TCDM has 256
#id = affine_map<(d0) -> (d0)>
func.func @add(%x: memref<100xi8>, %y: memref<100xi8>, %z: memref<100xi8>) attributes {snaxc.num_inputs = 2 : i64} {
  %tmp = memref.alloc() : memref<100xi8>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x, %y : memref<100xi8>, memref<100xi8>) outs(%tmp : memref<100xi8>) {
  ^bb0(%a: i8, %b: i8, %o: i8):
    %s = arith.addi %a, %b : i8
    linalg.yield %s : i8
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%tmp : memref<100xi8>) outs(%z : memref<100xi8>) {
  ^bb0(%a: i8, %o: i8):
    linalg.yield %a : i8
  }
  memref.dealloc %tmp : memref<100xi8>
  func.return
}

// -----

// A function on memrefs: what it writes is an output (here the second argument, which
// it also reads: "inout"), in 8-byte elements.
// CHECK-LABEL: func.func @main() -> i32
// CHECK-SAME: {name = "arg0", role = "input", l3_offset = 0 : i64, shape = array<i64: 4, 4>, element_type = i32}
// CHECK-SAME: {name = "arg1", role = "inout", l3_offset = 64 : i64, shape = array<i64: 4, 4>, element_type = i32}
// CHECK: dma.start %{{.*}} to %{{.*}} elem_bytes 64 src <bounds = [1], strides = [64]>
// CHECK: dma.start
// CHECK: dma.wait
// CHECK: linalg.generic
// CHECK: dma.start %{{.*}} to %{{.*}} elem_bytes 64
// CHECK-NEXT: dma.wait
// SMALL-NOT: error
func.func @acc(%a: memref<4x4xi32>, %b: memref<4x4xi32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a : memref<4x4xi32>) outs(%b : memref<4x4xi32>) {
  ^bb0(%x: i32, %o: i32):
    %s = arith.addi %x, %o : i32
    linalg.yield %s : i32
  }
  func.return
}
