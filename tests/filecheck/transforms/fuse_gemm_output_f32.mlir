// RUN: snax-opt %s -p 'fuse-gemm-output{config="%S/inputs/two_accelerators.yaml"}' | filecheck %s

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mnk = affine_map<(m, n, k) -> (m, n)>
#mn = affine_map<(m, n) -> (m, n)>
#n = affine_map<(m, n) -> (n)>
#s = affine_map<(m, n) -> ()>

// matmul, bias, float32 rescale, relu: one launch in the GeMM's requant_f32 mode. The Q word
// holds the scale's float32 bits (0x3C23D70A = 1008981770, 0.01f) in bits [31:0]; the last
// configuration value is requant_f32 = 1.
// CHECK-LABEL: func.func @chain_f32(
// CHECK:      %[[Q:.*]] = snax.static_alloc offset 1280 : memref<8xi64, #snax.memory_space<l1>>
// CHECK-NEXT: %[[W:.*]] = arith.constant 1008981770 : i64
// CHECK-NEXT: %[[I:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.store %[[W]], %[[Q]][%[[I]]]
// CHECK-NEXT: dma.start %[[Q]] to %[[Q]] elem_bytes 8 src <bounds = [8], strides = [0]> dst <bounds = [8], strides = [8]>
// CHECK-NEXT: dma.start
// CHECK-NEXT: dma.wait
// k_tiles, mn_tiles, a_zp, b_zp, c_enable, b_transposed, out_int8, out_zp, clamp_min/max,
// requant_f32:
// CHECK-NEXT: arith.constant 1 : i32
// CHECK-NEXT: arith.constant 1 : i32
// CHECK-NEXT: arith.constant 0 : i32
// CHECK-NEXT: arith.constant 0 : i32
// CHECK-NEXT: arith.constant 1 : i32
// CHECK-NEXT: arith.constant 0 : i32
// CHECK-NEXT: arith.constant 1 : i32
// CHECK-NEXT: arith.constant -3 : i32
// CHECK-NEXT: arith.constant 0 : i32
// CHECK-NEXT: arith.constant 127 : i32
// CHECK-NEXT: %[[F32:.*]] = arith.constant 1 : i32
// CHECK:      accfg.setup "gemm0" to ("k_tiles"{{.*}}"requant_f32" = %[[F32]] : i32
// CHECK:      accfg.launch
// CHECK:      accfg.await
// CHECK-NOT:  linalg.generic
// CHECK-NOT:  kernel.
// CHECK:      func.return
func.func @chain_f32() {
  %a = snax.static_alloc offset 0 : memref<8x8xi8, #snax.memory_space<l1>>
  %b = snax.static_alloc offset 128 : memref<8x8xi8, #snax.memory_space<l1>>
  %bias = snax.static_alloc offset 256 : memref<8xi32, #snax.memory_space<l1>>
  %out = snax.static_alloc offset 384 : memref<8x8xi8, #snax.memory_space<l1>>
  %zero = arith.constant 0 : i32
  %d = snax.static_alloc offset 1024 : memref<8x8xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#s, #mn], iterator_types = ["parallel", "parallel"]} ins(%zero : i32) outs(%d : memref<8x8xi32, #snax.memory_space<l1>>) {
  ^bb0(%in: i32, %o: i32):
    linalg.yield %in : i32
  }
  linalg.generic {indexing_maps = [#mk, #kn, #mnk], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<8x8xi8, #snax.memory_space<l1>>, memref<8x8xi8, #snax.memory_space<l1>>) outs(%d : memref<8x8xi32, #snax.memory_space<l1>>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %0 = kernel.mac %x, %y, %acc : i8, i8, i32 -> i32
    linalg.yield %0 : i32
  }
  linalg.generic {indexing_maps = [#mn, #n, #mn], iterator_types = ["parallel", "parallel"]} ins(%d, %bias : memref<8x8xi32, #snax.memory_space<l1>>, memref<8xi32, #snax.memory_space<l1>>) outs(%d : memref<8x8xi32, #snax.memory_space<l1>>) {
  ^bb0(%x: i32, %y: i32, %o: i32):
    %0 = kernel.add %x, %y : i32, i32 -> i32
    linalg.yield %0 : i32
  }
  linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]} ins(%d : memref<8x8xi32, #snax.memory_space<l1>>) outs(%out : memref<8x8xi8, #snax.memory_space<l1>>) {
  ^bb0(%x: i32, %o: i8):
    %0 = kernel.rescale_f32 %x scale 0x3C23D70A out_zp -3 clamp -128, 127 : i32 -> i8
    linalg.yield %0 : i8
  }
  linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]} ins(%out : memref<8x8xi8, #snax.memory_space<l1>>) outs(%out : memref<8x8xi8, #snax.memory_space<l1>>) {
  ^bb0(%x: i8, %o: i8):
    %0 = kernel.relu %x : i8
    linalg.yield %0 : i8
  }
  func.return
}

// The fixed-point chain keeps requant_f32 = 0.
// CHECK-LABEL: func.func @chain_fixed(
// CHECK:      arith.constant 172872433664 : i64
// CHECK:      arith.constant 127 : i32
// CHECK-NEXT: %[[F32:.*]] = arith.constant 0 : i32
// CHECK:      accfg.setup "gemm0" to ({{.*}}"requant_f32" = %[[F32]] : i32
func.func @chain_fixed() {
  %a = snax.static_alloc offset 0 : memref<8x8xi8, #snax.memory_space<l1>>
  %b = snax.static_alloc offset 128 : memref<8x8xi8, #snax.memory_space<l1>>
  %out = snax.static_alloc offset 384 : memref<8x8xi8, #snax.memory_space<l1>>
  %zero = arith.constant 0 : i32
  %d = snax.static_alloc offset 1024 : memref<8x8xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#s, #mn], iterator_types = ["parallel", "parallel"]} ins(%zero : i32) outs(%d : memref<8x8xi32, #snax.memory_space<l1>>) {
  ^bb0(%in: i32, %o: i32):
    linalg.yield %in : i32
  }
  linalg.generic {indexing_maps = [#mk, #kn, #mnk], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<8x8xi8, #snax.memory_space<l1>>, memref<8x8xi8, #snax.memory_space<l1>>) outs(%d : memref<8x8xi32, #snax.memory_space<l1>>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %0 = kernel.mac %x, %y, %acc : i8, i8, i32 -> i32
    linalg.yield %0 : i32
  }
  linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]} ins(%d : memref<8x8xi32, #snax.memory_space<l1>>) outs(%out : memref<8x8xi8, #snax.memory_space<l1>>) {
  ^bb0(%x: i32, %o: i8):
    %0 = kernel.rescale %x zp 0 mul 1073741824 shift 40 out_zp -3 clamp -128, 127 : i32 -> i8
    linalg.yield %0 : i8
  }
  func.return
}
