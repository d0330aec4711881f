// RUN: snax-opt %s -p 'dispatch-simd{config="%S/inputs/two_accelerators.yaml"}' | filecheck %s

#id = affine_map<(d0) -> (d0)>
#x = affine_map<(n, c, h, w, kh, kw) -> (n, c, h * 2 + kh, w * 2 + kw)>
#k = affine_map<(n, c, h, w, kh, kw) -> (kh, kw)>
#y = affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>
#s4 = affine_map<(n, c, h, w) -> ()>
#id4 = affine_map<(n, c, h, w) -> (n, c, h, w)>

// int32 add: op 0, int32 in and out, 64 elements = 4 output beats; x, y, z bases.
// CHECK-LABEL: func.func @add_i32(
// CHECK-NOT:  linalg.generic
// CHECK:      %[[OP:.*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[IN32:.*]] = arith.constant 1 : i32
// CHECK-NEXT: %[[OUT8:.*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[BEATS:.*]] = arith.constant 4 : i32
// CHECK:      accfg.setup "simd0" to ("op" = %[[OP]] : i32, "in_int32" = %[[IN32]] : i32, "out_int8" = %[[OUT8]] : i32, "out_beats" = %[[BEATS]] : i32
// CHECK-SAME: "x_base" = %{{.*}}, {{.*}}"y_base"{{.*}}"z_base"
// CHECK:      accfg.launch
// CHECK-NEXT: accfg.await
func.func @add_i32() {
  %x = snax.static_alloc offset 0 : memref<64xi32, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 256 : memref<64xi32, #snax.memory_space<l1>>
  %z = snax.static_alloc offset 512 : memref<64xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x, %y : memref<64xi32, #snax.memory_space<l1>>, memref<64xi32, #snax.memory_space<l1>>) outs(%z : memref<64xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %0 = kernel.add %a, %b : i32, i32 -> i32
    linalg.yield %0 : i32
  }
  func.return
}

// int8 add wraps in the kernel but saturates on the vector unit: stays a generic.
// CHECK-LABEL: func.func @add_i8(
// CHECK-NOT:  accfg.setup
// CHECK:      kernel.add
func.func @add_i8() {
  %x = snax.static_alloc offset 0 : memref<64xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 256 : memref<64xi8, #snax.memory_space<l1>>
  %z = snax.static_alloc offset 512 : memref<64xi8, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x, %y : memref<64xi8, #snax.memory_space<l1>>, memref<64xi8, #snax.memory_space<l1>>) outs(%z : memref<64xi8, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %o: i8):
    %0 = kernel.add %a, %b : i8, i8 -> i8
    linalg.yield %0 : i8
  }
  func.return
}

// int8 relu on 60 elements: not a multiple of the 64 lanes, stays a generic.
// CHECK-LABEL: func.func @relu_odd(
// CHECK-NOT:  accfg.setup
// CHECK:      kernel.relu
func.func @relu_odd() {
  %x = snax.static_alloc offset 0 : memref<60xi8, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : memref<60xi8, #snax.memory_space<l1>>) outs(%x : memref<60xi8, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %o: i8):
    %0 = kernel.relu %a : i8
    linalg.yield %0 : i8
  }
  func.return
}

// Max pool 2x2 stride 2 on 1x4x8x8: the init fill goes, 4 DMA gathers (one per window
// position, 1-byte elements, strides 64/16/2 over c/h/w) into a 256-byte scratch buffer
// after the last L1 buffer, one rmax launch (op 5) reducing 4 vectors.
// CHECK-LABEL: func.func @pool(
// CHECK-NOT:  linalg.generic
// CHECK:      snax.static_alloc offset 576 : memref<256xi8, #snax.memory_space<l1>>
// CHECK-COUNT-4: dma.start %{{.*}} to %{{.*}} elem_bytes 1 src <bounds = [4, 4, 4], strides = [64, 16, 2]> dst <bounds = [64], strides = [1]> : i32 to i32
// CHECK-NEXT: dma.wait
// CHECK-NEXT: arith.constant 5 : i32
// CHECK:      "reduce" = %{{.*}}
// CHECK:      accfg.launch
func.func @pool() {
  %x = snax.static_alloc offset 0 : memref<1x4x8x8xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 384 : memref<1x4x4x4xi8, #snax.memory_space<l1>>
  %lowest = arith.constant -128 : i8
  linalg.generic {indexing_maps = [#s4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%lowest : i8) outs(%y : memref<1x4x4x4xi8, #snax.memory_space<l1>>) {
  ^bb0(%in: i8, %o: i8):
    linalg.yield %in : i8
  }
  %k = snax.static_alloc offset 512 : memref<2x2xi8, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#x, #k, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %k : memref<1x4x8x8xi8, #snax.memory_space<l1>>, memref<2x2xi8, #snax.memory_space<l1>>) outs(%y : memref<1x4x4x4xi8, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %o: i8):
    %0 = kernel.max %o, %a : i8, i8 -> i8
    linalg.yield %0 : i8
  }
  func.return
}
