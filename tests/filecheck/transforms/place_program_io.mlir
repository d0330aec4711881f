// RUN: snax-opt %s -p 'place-program-io{l1_bytes=131072}' --split-input-file | filecheck %s
// RUN: snax-opt %s -p 'place-program-io{l1_bytes=256}' --split-input-file --verify-diagnostics | filecheck %s --check-prefix=SMALL

// A bufferized tensor function (2 inputs, then 1 out-parameter): inputs come in from
// L3 by DMA, the result goes back; offsets are 64-byte aligned. In L1 the result reuses
// the first input's bytes (the inputs die at the first generic, the result is first
// written by the second); the temporary, live across both generics, overlaps neither.
// CHECK-LABEL: func.func @main() -> i32
// CHECK-SAME: snaxc.entry = "add"
// CHECK-SAME: snaxc.io = [{name = "arg0", role = "input", l3_offset = 0 : i64, shape = array<i64: 100>, element_type = i8},
// CHECK-SAME: {name = "arg1", role = "input", l3_offset = 128 : i64, shape = array<i64: 100>, element_type = i8},
// CHECK-SAME: {name = "result0", role = "output", l3_offset = 256 : i64, shape = array<i64: 100>, element_type = i8}]
// CHECK-NEXT: %[[X3:.*]] = snax.static_alloc offset 0 : memref<100xi8, #snax.memory_space<l3>>
// CHECK-NEXT: %[[X1:.*]] = snax.static_alloc offset 0 : memref<100xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[Y3:.*]] = snax.static_alloc offset 128 : memref<100xi8, #snax.memory_space<l3>>
// CHECK-NEXT: %[[Y1:.*]] = snax.static_alloc offset 128 : memref<100xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[Z3:.*]] = snax.static_alloc offset 256 : memref<100xi8, #snax.memory_space<l3>>
// CHECK-NEXT: %[[Z1:.*]] = snax.static_alloc offset 0 : memref<100xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[TMP:.*]] = snax.static_alloc offset 384 : memref<100xi8, #snax.memory_space<l1>>
// The inputs come in right before their first use.
// 100 bytes: elements of 1 byte (100 is not a multiple of 8).
// CHECK-NEXT: %[[T0:.*]] = dma.start %[[X3]] to %[[X1]] elem_bytes 1 src <bounds = [100], strides = [1]> dst <bounds = [100], strides = [1]>
// CHECK-NEXT: %[[T1:.*]] = dma.start %[[Y3]] to %[[Y1]]
// CHECK-NEXT: dma.wait %[[T0]], %[[T1]]
// CHECK-NEXT: linalg.generic
// CHECK:      ins(%[[X1]], %[[Y1]] : {{.*}}) outs(%[[TMP]] : {{.*}})
// CHECK:      ins(%[[TMP]] : {{.*}}) outs(%[[Z1]] : {{.*}})
// CHECK:      %[[T2:.*]] = dma.start %[[Z1]] to %[[Z3]]
// CHECK-NEXT: dma.wait %[[T2]]
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT: func.return %[[ZERO]] : i32

// SMALL: place-program-io: the program's buffers need 484 bytes of L1 at once, the TCDM has 256
// SMALL-SAME: at linalg.generic (operation 10 of the program) 300 bytes are live: memref<100xi8, #snax.memory_space<l1>> 100 B,
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

// -----

// Liveness: a chain of temporaries. %t1 (generics 1-2) and %t3 (generics 3-4) have disjoint
// live ranges and share offset 0; %t2 (generics 2-3) overlaps both and gets other bytes;
// %t4 (generics 4-5, through a view) overlaps %t3 only; the input (live from its DMA to
// generic 1) and the output (from generic 5) overlap neither. The peak is what is live at
// once: 2176 bytes, not 4096 + 128.
// CHECK-LABEL: func.func @main() -> i32
// CHECK:      snax.static_alloc offset 1024 : memref<64xi8, #snax.memory_space<l1>>
// CHECK:      snax.static_alloc offset 128 : memref<64xi8, #snax.memory_space<l1>>
// CHECK:      %t1 = snax.static_alloc offset 0 : memref<1024xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %t2 = snax.static_alloc offset 1152 : memref<1024xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %t3 = snax.static_alloc offset 0 : memref<1024xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %t4 = snax.static_alloc offset 1152 : memref<1024xi8, #snax.memory_space<l1>>
// SMALL: place-program-io: the program's buffers need 2176 bytes of L1 at once, the TCDM has 256
#id = affine_map<(d0) -> (d0)>
func.func @chain(%x: memref<64xi8>, %z: memref<64xi8>) attributes {snaxc.num_inputs = 1 : i64} {
  %t1 = memref.alloc() : memref<1024xi8>
  %t2 = memref.alloc() : memref<1024xi8>
  %t3 = memref.alloc() : memref<1024xi8>
  %t4 = memref.alloc() : memref<1024xi8>
  %x1 = memref.subview %t1[0] [64] [1] : memref<1024xi8> to memref<64xi8, strided<[1]>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : memref<64xi8>) outs(%x1 : memref<64xi8, strided<[1]>>) {
  ^bb0(%a: i8, %o: i8):
    linalg.yield %a : i8
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%t1 : memref<1024xi8>) outs(%t2 : memref<1024xi8>) {
  ^bb0(%a: i8, %o: i8):
    linalg.yield %a : i8
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%t2 : memref<1024xi8>) outs(%t3 : memref<1024xi8>) {
  ^bb0(%a: i8, %o: i8):
    linalg.yield %a : i8
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%t3 : memref<1024xi8>) outs(%t4 : memref<1024xi8>) {
  ^bb0(%a: i8, %o: i8):
    linalg.yield %a : i8
  }
  %z1 = memref.subview %t4[0] [64] [1] : memref<1024xi8> to memref<64xi8, strided<[1]>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%z1 : memref<64xi8, strided<[1]>>) outs(%z : memref<64xi8>) {
  ^bb0(%a: i8, %o: i8):
    linalg.yield %a : i8
  }
  func.return
}

// -----

// A buffer used in a loop is live for the whole loop: %l (read by the first generic of the
// body) and %n (written by the second) would not overlap in straight-line code but do
// here, and get different bytes (%n would otherwise take %l's offset 128, same skew).
// %after, first used after the loop, is placed over the dead %m (the placement with the
// lowest peak of the allocator's orders: earliest live range first here).
// CHECK-LABEL: func.func @main() -> i32
// CHECK:      %z = snax.static_alloc offset 0 : memref<512xi8, #snax.memory_space<l1>>
// CHECK:      %l = snax.static_alloc offset 128 : memref<512xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %m = snax.static_alloc offset 1280 : memref<512xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %n = snax.static_alloc offset 640 : memref<512xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %after = snax.static_alloc offset 1280 : memref<512xi8, #snax.memory_space<l1>>
// SMALL: place-program-io: the program's buffers need 1792 bytes
#id = affine_map<(d0) -> (d0)>
func.func @loop(%z: memref<512xi8>) attributes {snaxc.num_inputs = 0 : i64} {
  %l = memref.alloc() : memref<512xi8>
  %m = memref.alloc() : memref<512xi8>
  %n = memref.alloc() : memref<512xi8>
  %after = memref.alloc() : memref<512xi8>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0 : i8
  linalg.fill ins(%zero : i8) outs(%l : memref<512xi8>)
  scf.for %i = %c0 to %c4 step %c1 {
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%l : memref<512xi8>) outs(%m : memref<512xi8>) {
    ^bb0(%a: i8, %o: i8):
      linalg.yield %a : i8
    }
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%m : memref<512xi8>) outs(%n : memref<512xi8>) {
    ^bb0(%a: i8, %o: i8):
      linalg.yield %a : i8
    }
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%n : memref<512xi8>) outs(%after : memref<512xi8>) {
  ^bb0(%a: i8, %o: i8):
    linalg.yield %a : i8
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%after : memref<512xi8>) outs(%z : memref<512xi8>) {
  ^bb0(%a: i8, %o: i8):
    linalg.yield %a : i8
  }
  func.return
}

// -----

// A contraction and the elementwise operation after it may become one accelerator launch
// (fuse-gemm-output): the output %z, first written by the elementwise operation, must
// not take the bytes of the inputs the contraction reads, although in the program order
// they are dead by then (it would otherwise share offset 0 with %x).
// CHECK-LABEL: func.func @main() -> i32
// CHECK:      %x = snax.static_alloc offset 0 : memref<8x8xi8, #snax.memory_space<l1>>
// CHECK:      %w = snax.static_alloc offset 384 : memref<8x8xi8, #snax.memory_space<l1>>
// CHECK:      %z = snax.static_alloc offset 512 : memref<8x8xi8, #snax.memory_space<l1>>
// CHECK:      %acc = snax.static_alloc offset 128 : memref<8x8xi32, #snax.memory_space<l1>>
// The inputs come in before the group (the fill), not between the fill and the contraction.
// CHECK:      dma.start
// CHECK-NEXT: dma.start
// CHECK-NEXT: dma.wait
// CHECK-NEXT: linalg.fill
// SMALL: place-program-io: the program's buffers need 576 bytes
func.func @fused(%x: memref<8x8xi8>, %w: memref<8x8xi8>, %z: memref<8x8xi8>) attributes {snaxc.num_inputs = 2 : i64} {
  %acc = memref.alloc() : memref<8x8xi32>
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%acc : memref<8x8xi32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : memref<8x8xi8>, memref<8x8xi8>) outs(%acc : memref<8x8xi32>) {
  ^bb0(%a: i8, %b: i8, %o: i32):
    %a32 = arith.extsi %a : i8 to i32
    %b32 = arith.extsi %b : i8 to i32
    %p = arith.muli %a32, %b32 : i32
    %s = arith.addi %o, %p : i32
    linalg.yield %s : i32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%acc : memref<8x8xi32>) outs(%z : memref<8x8xi8>) {
  ^bb0(%a: i32, %o: i8):
    %t = arith.trunci %a : i32 to i8
    linalg.yield %t : i8
  }
  func.return
}
