// RUN: snax-opt %s -p 'recognize-kernels,place-program-io,tile-matmul{config="%S/inputs/two_accelerators.yaml" force=true tile_m=8 tile_n=8}' | filecheck %s
// RUN: snax-opt %s -p 'recognize-kernels,place-program-io,tile-matmul{config="%S/inputs/two_accelerators.yaml" force=true tile_m=8 tile_n=8 double_buffer=false}' | filecheck %s --check-prefix=SINGLE
// RUN: snax-opt %s -p 'recognize-kernels,place-program-io,tile-matmul{config="%S/inputs/two_accelerators.yaml" force=true tile_m=8 tile_n=8 config_overlap=false}' | filecheck %s --check-prefix=NOOVERLAP
// RUN: snax-opt %s -p 'recognize-kernels,place-program-io,tile-matmul{config="%S/inputs/two_accelerators.yaml"}' | filecheck %s --check-prefix=FITS

// A 12x20x16 matmul in 8x8 output tiles (full K): M, K and N padded to 16, 24, 16.
// The whole-matrix L1 buffers and their transfers are gone; two buffers per operand.
// CHECK-NOT:  linalg.generic
// CHECK-COUNT-6: snax.static_alloc offset {{[0-9]+}} : memref<{{[0-9]+}}xi8, #snax.memory_space<l1>>
// The K padding of both A buffers (K = 20 -> 24) is filled with the A zero point (0):
// the core writes it once, the DMA repeats it (source stride 0) into 4 bytes per row.
// CHECK:      snax.mmio_store
// CHECK:      dma.start {{.*}} elem_bytes 1 src <bounds = [1, 8, 4], strides = [0, 0, 0]> dst <bounds = [1, 8, 4], strides = [256, 24, 1]>
// CHECK:      dma.start {{.*}} elem_bytes 1 src <bounds = [1, 8, 4], strides = [0, 0, 0]> dst <bounds = [1, 8, 4], strides = [256, 24, 1]>
// Tile 0: A rows (20 bytes each, row stride 24 in L1, groups of 8 rows 256 bytes apart)
// and the B block, 8 k rows per beat, then the partial last beat (K = 20: 4 rows).
// CHECK:      dma.start {{.*}} elem_bytes 4 src <bounds = [1, 8, 5], strides = [160, 20, 4]> dst <bounds = [1, 8, 5], strides = [256, 24, 4]>
// CHECK-NEXT: arith.constant
// CHECK-NEXT: arith.constant
// CHECK-NEXT: dma.start {{.*}} elem_bytes 8 src <bounds = [2, 8, 1, 1], strides = [128, 16, 8, 8]> dst <bounds = [2, 8, 1, 1], strides = [8, 24, 256, 8]>
// CHECK:      dma.start {{.*}} elem_bytes 8 src <bounds = [1, 4, 1, 1], strides = [128, 16, 8, 8]> dst <bounds = [1, 4, 1, 1], strides = [8, 24, 256, 8]>
// CHECK:      dma.wait
// CHECK:      %[[S0:.*]] = accfg.setup "gemm0" to ({{.*}}"a_sstride_0" = {{.*}}"b_stride_1" = {{.*}})
// CHECK-NEXT: %[[T0:.*]] = "accfg.launch"(%[[S0]])
// Tile 1 (last 4 rows of A) is loaded while tile 0 runs, with the next B block.
// CHECK:      dma.start {{.*}} elem_bytes 4 src <bounds = [4, 5], strides = [20, 4]>
// CHECK:      dma.wait
// CHECK:      %[[S1:.*]] = accfg.setup "gemm0" from %[[S0]]
// CHECK-NEXT: %[[T1:.*]] = "accfg.launch"(%[[S1]])
// CHECK-NEXT: "accfg.await"(%[[T0]])
// The D tile goes back cropped: 8 rows of 8 int32 (32 bytes) from a 40-byte L1 stride.
// CHECK:      dma.start {{.*}} elem_bytes 32 src <bounds = [8, 1], strides = [40, 32]> dst <bounds = [8, 1], strides = [64, 32]>
// CHECK:      "accfg.await"(%[[T1]])
// CHECK:      dma.start {{.*}} elem_bytes 32 src <bounds = [4, 1], strides = [40, 32]> dst <bounds = [4, 1], strides = [64, 32]>
// Four tiles in all; the last two stores are waited for at the end.
// CHECK-COUNT-2: "accfg.await"
// CHECK:      dma.wait
// CHECK-NEXT: arith.constant 0 : i32
// CHECK-NEXT: func.return

// Single buffers: load, run, store, one tile after the other.
// SINGLE-COUNT-3: snax.static_alloc offset {{[0-9]+}} : memref<{{[0-9]+}}xi8, #snax.memory_space<l1>>
// SINGLE:      %[[T:.*]] = "accfg.launch"
// SINGLE-NEXT: "accfg.await"(%[[T]])
// SINGLE:      %[[D:.*]] = dma.start
// SINGLE-NEXT: dma.wait %[[D]]

// Without configuration overlap the next tile is set up and launched after the await.
// NOOVERLAP:      %[[T:.*]] = "accfg.launch"
// NOOVERLAP-NOT:  accfg.setup
// NOOVERLAP:      "accfg.await"(%[[T]])

// Without force, a matmul whose operands fit L1 and whose sizes are multiples of 8 is left
// to dispatch-kernels; this one is padded.
// FITS:       accfg.setup
// FITS-NOT:   linalg.generic
builtin.module {
  func.func @matmul(%arg0: memref<12x20xi8>, %arg1: memref<20x16xi8>, %arg2: memref<12x16xi32>) attributes {snaxc.num_inputs = 2 : i64} {
    %c0_i32 = arith.constant 0 : i32
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c0_i32 : i32) outs(%arg2 : memref<12x16xi32>) {
    ^bb0(%in: i32, %out: i32):
      linalg.yield %in : i32
    }
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %arg1 : memref<12x20xi8>, memref<20x16xi8>) outs(%arg2 : memref<12x16xi32>) {
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
