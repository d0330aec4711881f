// RUN: snax-opt %s -p copies-to-dma | filecheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>

// CHECK-LABEL: func.func @copies(
// A copy between two L1 buffers: 16x32 int32 = 2048 bytes in 64-byte elements.
// CHECK-NEXT:  %[[A:.*]] = snax.static_alloc offset 0
// CHECK-NEXT:  %[[B:.*]] = snax.static_alloc offset 2048
// CHECK-NEXT:  %[[T:.*]] = dma.start %[[A]] to %[[B]] elem_bytes 64 src <bounds = [32], strides = [64]> dst <bounds = [32], strides = [64]>
// CHECK-NEXT:  dma.wait %[[T]]
// A fill (scalar input) and a copy from a buffer outside L1 stay generics.
// CHECK:       linalg.generic
// CHECK:       linalg.generic
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
