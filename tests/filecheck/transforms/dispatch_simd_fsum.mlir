// RUN: snax-opt %s -p 'dispatch-simd{config="%S/inputs/two_accelerators.yaml"}' | filecheck %s

#x = affine_map<(n, c, h, w, kh, kw) -> (n, c, h + kh, w + kw)>
#k = affine_map<(n, c, h, w, kh, kw) -> (kh, kw)>
#y = affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>
#s4 = affine_map<(n, c, h, w) -> ()>
#id4 = affine_map<(n, c, h, w) -> (n, c, h, w)>

// Global average pool 8x8 of 1x64x8x8 int8 in float32 (fixed-point-requant's fsum form):
// the 0.0 fill goes, 64 DMA gathers (one per window position: 64 channels at stride 64)
// into a 4 KiB scratch buffer after the last L1 buffer, one fsum launch (op 7) reducing 64
// vectors with x_zp 5 and the scale's float32 bits 0x3DCCCCCD (0.1f = 1036831949) as the
// multiplier; int8 in, float32 bits out.
// CHECK-LABEL: func.func @gap(
// CHECK-NOT:  linalg.generic
// CHECK:      snax.static_alloc offset 4672 : memref<4096xi8, #snax.memory_space<l1>>
// CHECK-COUNT-64: dma.start %{{.*}} to %{{.*}} elem_bytes 1 src <bounds = [64], strides = [64]> dst <bounds = [64], strides = [1]> : i32 to i32
// CHECK-NEXT: dma.wait
// CHECK-NEXT: %[[OP:.*]] = arith.constant 7 : i32
// CHECK-NEXT: %[[IN32:.*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[OUT8:.*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[BEATS:.*]] = arith.constant 4 : i32
// CHECK-NEXT: %[[RED:.*]] = arith.constant 64 : i32
// CHECK-NEXT: %[[XZP:.*]] = arith.constant 5 : i32
// CHECK-NEXT: %{{.*}} = arith.constant 0 : i32
// CHECK-NEXT: %[[MUL:.*]] = arith.constant 1036831949 : i32
// CHECK:      accfg.setup "simd0" to ("op" = %[[OP]] : i32, "in_int32" = %[[IN32]] : i32, "out_int8" = %[[OUT8]] : i32, "out_beats" = %[[BEATS]] : i32, "reduce" = %[[RED]] : i32, "x_zp" = %[[XZP]] : i32, {{.*}}"multiplier" = %[[MUL]] : i32
// CHECK:      accfg.launch
func.func @gap() {
  %x = snax.static_alloc offset 0 : memref<1x64x8x8xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 4096 : memref<1x64x1x1xf32, #snax.memory_space<l1>>
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#s4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%zero : f32) outs(%y : memref<1x64x1x1xf32, #snax.memory_space<l1>>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  %k = snax.static_alloc offset 4608 : memref<8x8xi8, #snax.memory_space<l1>>
  %zx = arith.constant 5 : i32
  %sx = arith.constant 0.1 : f32
  linalg.generic {indexing_maps = [#x, #k, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %k : memref<1x64x8x8xi8, #snax.memory_space<l1>>, memref<8x8xi8, #snax.memory_space<l1>>) outs(%y : memref<1x64x1x1xf32, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %o: f32):
    %e = arith.extsi %a : i8 to i32
    %c = arith.subi %e, %zx : i32
    %f = arith.sitofp %c : i32 to f32
    %t = arith.mulf %f, %sx : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  }
  func.return
}

// Not taken: the sum starts from -0.0 (the accelerator's starts from +0.0), and 16
// channels (fsum needs a multiple of 64 int8 elements): both stay generics for the core.
// CHECK-LABEL: func.func @not_fsum(
// CHECK-NOT:  accfg.launch
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT:  accfg.launch
// CHECK:      func.return
func.func @not_fsum() {
  %x = snax.static_alloc offset 0 : memref<1x64x8x8xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 4096 : memref<1x64x1x1xf32, #snax.memory_space<l1>>
  %nzero = arith.constant -0.0 : f32
  linalg.generic {indexing_maps = [#s4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%nzero : f32) outs(%y : memref<1x64x1x1xf32, #snax.memory_space<l1>>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  %k = snax.static_alloc offset 4608 : memref<8x8xi8, #snax.memory_space<l1>>
  %zx = arith.constant 5 : i32
  %sx = arith.constant 0.1 : f32
  linalg.generic {indexing_maps = [#x, #k, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %k : memref<1x64x8x8xi8, #snax.memory_space<l1>>, memref<8x8xi8, #snax.memory_space<l1>>) outs(%y : memref<1x64x1x1xf32, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %o: f32):
    %e = arith.extsi %a : i8 to i32
    %c = arith.subi %e, %zx : i32
    %f = arith.sitofp %c : i32 to f32
    %t = arith.mulf %f, %sx : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  }
  %x2 = snax.static_alloc offset 8192 : memref<1x16x8x8xi8, #snax.memory_space<l1>>
  %y2 = snax.static_alloc offset 9216 : memref<1x16x1x1xf32, #snax.memory_space<l1>>
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#s4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%zero : f32) outs(%y2 : memref<1x16x1x1xf32, #snax.memory_space<l1>>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#x, #k, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x2, %k : memref<1x16x8x8xi8, #snax.memory_space<l1>>, memref<8x8xi8, #snax.memory_space<l1>>) outs(%y2 : memref<1x16x1x1xf32, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %o: f32):
    %e = arith.extsi %a : i8 to i32
    %c = arith.subi %e, %zx : i32
    %f = arith.sitofp %c : i32 to f32
    %t = arith.mulf %f, %sx : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  }
  func.return
}
