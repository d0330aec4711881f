// RUN: snax-opt %s -p 'recognize-kernels,place-program-io,dispatch-kernels{config="%S/inputs/two_accelerators.yaml" layouts=tiled}' | filecheck %s
// RUN: snax-opt %s -p 'recognize-kernels,place-program-io,dispatch-kernels{config="%S/inputs/two_accelerators.yaml" layouts=row-major}' | filecheck %s --check-prefix=ROWMAJOR
// RUN: snax-opt %s -p 'recognize-kernels,place-program-io,dispatch-kernels{config="%S/inputs/two_accelerators.yaml"}' | filecheck %s --check-prefix=ROWMAJOR

// A 16x16x16 int8 matmul whose operands only travel between L3 and the GeMM: the DMA
// copies can change the layouts to the GeMM's tiled ones on the way (A and B in 8x8
// blocks of 8-byte rows, D back from 8x8 int32 tiles stored beat by beat); the fill is
// gone. For a matmul this small the slower 8-byte copies cost more than the bank
// conflicts they avoid, so "auto" keeps the row-major layouts.
// CHECK:      dma.start %{{.*}} to %{{.*}} elem_bytes 8 src <bounds = [2, 2, 8], strides = [128, 8, 16]> dst <bounds = [32], strides = [8]>
// CHECK:      dma.start %{{.*}} to %{{.*}} elem_bytes 8 src <bounds = [2, 2, 8], strides = [8, 128, 16]> dst <bounds = [32], strides = [8]>
// CHECK-NOT:  linalg.generic
// CHECK:      accfg.setup "gemm0" to (
// CHECK:      "accfg.await"
// CHECK-NEXT: dma.start %{{.*}} to %{{.*}} elem_bytes 8 src <bounds = [128], strides = [8]> dst <bounds = [2, 2, 4, 8], strides = [512, 32, 8, 64]>

// ROWMAJOR:      dma.start %{{.*}} to %{{.*}} elem_bytes 64 src <bounds = [4], strides = [64]>
// ROWMAJOR:      accfg.setup "gemm0" to (
// ROWMAJOR:      dma.start %{{.*}} to %{{.*}} elem_bytes 64 src <bounds = [16], strides = [64]>
builtin.module {
  func.func @matmul(%arg0: memref<16x16xi8>, %arg1: memref<16x16xi8>, %arg2: memref<16x16xi32>) attributes {snaxc.num_inputs = 2 : i64} {
    %c0_i32 = arith.constant 0 : i32
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c0_i32 : i32) outs(%arg2 : memref<16x16xi32>) {
    ^bb0(%in: i32, %out: i32):
      linalg.yield %in : i32
    }
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %arg1 : memref<16x16xi8>, memref<16x16xi8>) outs(%arg2 : memref<16x16xi32>) {
    ^bb0(%in_1: i8, %in_2: i8, %out_1: i32):
      %0 = arith.extsi %in_1 : i8 to i32
      %1 = arith.extsi %in_2 : i8 to i32
      %2 = arith.muli %0, %1 : i32
      %3 = arith.addi %out_1, %2 : i32
      linalg.yield %3 : i32
    }
    func.return
  }
}
