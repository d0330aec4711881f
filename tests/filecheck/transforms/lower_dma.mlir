// RUN: snax-opt %s -p lower-dma | filecheck %s
// RUN: snax-opt %s -p "lower-dma{dims=2}" | filecheck %s --check-prefix=DIMS2
// RUN: snax-opt %s -p "lower-dma{dedup=false}" | filecheck %s --check-prefix=NODEDUP

// A 64x64 tile of a 64x256 L3 matrix copied into a static L1 buffer: the destination
// address is a constant (TCDM base 0x10000000 + offset 1024). The source pattern
// (64 rows of 8 elements of 8 B, rows 256 B apart) is written innermost loop first;
// the destination is contiguous (512 elements).
// CHECK-LABEL: func.func @copy_in(
// CHECK:      %[[SRC:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK-NEXT: snax.mmio_store %[[SRC]] to 0x20001000 : i32
// CHECK-NEXT: %[[DST:.*]] = arith.constant 268436480 : i32
// CHECK-NEXT: snax.mmio_store %[[DST]] to 0x20001004 : i32
// CHECK-NEXT: %[[LOG2:.*]] = arith.constant 3 : i32
// CHECK-NEXT: snax.mmio_store %[[LOG2]] to 0x20001008 : i32
// CHECK-NEXT: %[[C8:.*]] = arith.constant 8 : i32
// CHECK-NEXT: snax.mmio_store %[[C8]] to 0x20001040 : i32
// CHECK-NEXT: snax.mmio_store %[[C8]] to 0x20001044 : i32
// CHECK-NEXT: %[[C512:.*]] = arith.constant 512 : i32
// CHECK-NEXT: snax.mmio_store %[[C512]] to 0x20001080 : i32
// CHECK-NEXT: snax.mmio_store %[[C8]] to 0x20001084 : i32
// CHECK-NEXT: %[[C64:.*]] = arith.constant 64 : i32
// CHECK-NEXT: snax.mmio_store %[[C64]] to 0x20001048 : i32
// CHECK-NEXT: %[[C256:.*]] = arith.constant 256 : i32
// CHECK-NEXT: snax.mmio_store %[[C256]] to 0x2000104c : i32
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT: snax.mmio_store %[[C1]] to 0x20001088 : i32
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : i32
// CHECK-NEXT: snax.mmio_store %[[C0]] to 0x2000108c : i32
// Loops 2 and 3 are unused: bound 1, stride 0 on both sides.
// CHECK-NEXT: snax.mmio_store %[[C1]] to 0x20001050 : i32
// CHECK-NEXT: snax.mmio_store %[[C0]] to 0x20001054 : i32
// CHECK:      snax.mmio_store %[[C0]] to 0x2000109c : i32
// CHECK-NEXT: snax.mmio_store %[[C0]] to 0x20001010 : i32
// CHECK-NEXT: %[[ID:.*]] = snax.mmio_load 0x20001010 : i32
// CHECK-NEXT: scf.while () : () -> () {
// CHECK-NEXT:   %[[DONE:.*]] = snax.mmio_load 0x20001014 : i32
// CHECK-NEXT:   %[[PENDING:.*]] = arith.cmpi ult, %[[DONE]], %[[ID]] : i32
// CHECK-NEXT:   scf.condition(%[[PENDING]])
// CHECK-NEXT: } do {
// CHECK-NEXT:   scf.yield
// CHECK-NEXT: }
// CHECK-NOT: dma.
func.func @copy_in(%l3: memref<64x256xi8, #snax.memory_space<l3>>) {
  %l1 = snax.static_alloc offset 1024 : memref<64x64xi8, #snax.memory_space<l1>>
  %t = dma.start %l3 to %l1 elem_bytes 8
      src <bounds = [64, 8], strides = [256, 8]>
      dst <bounds = [512], strides = [8]>
      : memref<64x256xi8, #snax.memory_space<l3>> to memref<64x64xi8, #snax.memory_space<l1>>
  dma.wait %t
  func.return
}

// Two transfers, one wait: DONE must reach the later id. Contiguous dims merge
// ([4, 16] x [16, 1] is 64 contiguous bytes) and bound-1 dims vanish, so a 2-loop DMA
// takes a 4-d pattern.
// CHECK-LABEL: func.func @two_transfers(
// CHECK:      %[[ID0:.*]] = snax.mmio_load 0x20001010 : i32
// CHECK:      %[[ID1:.*]] = snax.mmio_load 0x20001010 : i32
// CHECK-NEXT: %[[LAST:.*]] = arith.maxui %[[ID0]], %[[ID1]] : i32
// CHECK-NEXT: scf.while
// CHECK:      arith.cmpi ult, %{{.*}}, %[[LAST]] : i32
// DIMS2-LABEL: func.func @two_transfers(
// DIMS2-NOT:   0x20001050
// DIMS2:       scf.while
func.func @two_transfers(%a: i32, %b: i32) {
  %t0 = dma.start %a to %b elem_bytes 1
      src <bounds = [1, 4, 16], strides = [0, 16, 1]>
      dst <bounds = [2, 32], strides = [4096, 1]> : i32 to i32
  %t1 = dma.start %b to %a elem_bytes 1
      src <bounds = [8, 1, 8], strides = [1, 999, 8]>
      dst <bounds = [64], strides = [1]> : i32 to i32
  dma.wait %t0, %t1
  func.return
}

// Two transfers with the same shape between different buffers: registers keep their values,
// so the second writes only its addresses (and START); with dedup=false it writes all again.
// CHECK-LABEL: func.func @same_shape_twice(
// CHECK:      snax.mmio_store %{{.*}} to 0x20001010 : i32
// CHECK-NEXT: %{{.*}} = snax.mmio_load 0x20001010 : i32
// CHECK-NEXT: snax.mmio_store %b to 0x20001000 : i32
// CHECK-NEXT: snax.mmio_store %a to 0x20001004 : i32
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT: snax.mmio_store %[[ZERO]] to 0x20001010 : i32
// NODEDUP-LABEL: func.func @same_shape_twice(
// NODEDUP-COUNT-2: to 0x20001044
func.func @same_shape_twice(%a: i32, %b: i32) {
  %t0 = dma.start %a to %b elem_bytes 8
      src <bounds = [4, 8], strides = [256, 8]>
      dst <bounds = [32], strides = [8]> : i32 to i32
  %t1 = dma.start %b to %a elem_bytes 8
      src <bounds = [4, 8], strides = [256, 8]>
      dst <bounds = [32], strides = [8]> : i32 to i32
  dma.wait %t0, %t1
  func.return
}
