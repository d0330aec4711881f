// RUN: snax-opt %s -p kernel-to-arith | filecheck %s
// RUN: snax-opt %s -p recognize-kernels,kernel-to-arith,recognize-kernels | filecheck %s --check-prefix=ROUNDTRIP

// CHECK-LABEL: func.func @mac(
// CHECK-NEXT: %[[A:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK-NEXT: %[[B:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK-NEXT: %[[P:.*]] = arith.muli %[[A]], %[[B]] : i32
// CHECK-NEXT: %[[R:.*]] = arith.addi %{{.*}}, %[[P]] : i32
// CHECK-NEXT: func.return %[[R]] : i32
func.func @mac(%a: i8, %b: i8, %acc: i32) -> i32 {
  %r = kernel.mac %a, %b, %acc : i8, i8, i32 -> i32
  func.return %r : i32
}

// CHECK-LABEL: func.func @rescale(
// CHECK-NEXT: %[[X:.*]] = arith.extsi %{{.*}} : i32 to i64
// CHECK-NEXT: %[[ZP:.*]] = arith.constant 0 : i64
// CHECK-NEXT: %[[C:.*]] = arith.subi %[[X]], %[[ZP]] : i64
// CHECK-NEXT: %[[M:.*]] = arith.constant 1073741824 : i64
// CHECK-NEXT: %[[P:.*]] = arith.muli %[[C]], %[[M]] : i64
// CHECK-NEXT: %[[H:.*]] = arith.constant 536870912 : i64
// CHECK-NEXT: %[[RND:.*]] = arith.addi %[[P]], %[[H]] : i64
// CHECK-NEXT: %[[S:.*]] = arith.constant 30 : i64
// CHECK-NEXT: %[[SH:.*]] = arith.shrsi %[[RND]], %[[S]] : i64
// CHECK:      arith.maxsi
// CHECK:      arith.minsi
// CHECK-NEXT: %{{.*}} = arith.trunci %{{.*}} : i64 to i8
func.func @rescale(%x: i32) -> i8 {
  %r = kernel.rescale %x zp 0 mul 1073741824 shift 30 out_zp 0 clamp 0, 127 : i32 -> i8
  func.return %r : i8
}

// Recognition and expansion are inverse on the bodies torch-mlir produces.
// ROUNDTRIP-LABEL: func.func @matmul(
// ROUNDTRIP: ^bb0(%[[A:.*]]: i8, %[[B:.*]]: i8, %[[C:.*]]: i32):
// ROUNDTRIP-NEXT: %[[R:.*]] = kernel.mac %[[A]], %[[B]], %[[C]] : i8, i8, i32 -> i32
// ROUNDTRIP-NEXT: linalg.yield %[[R]] : i32
func.func @matmul(%a: memref<4x4xi8>, %b: memref<4x4xi8>, %c: memref<4x4xi32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<4x4xi8>, memref<4x4xi8>) outs(%c : memref<4x4xi32>) {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %1 = arith.extsi %in : i8 to i32
    %2 = arith.extsi %in_0 : i8 to i32
    %3 = arith.muli %1, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  func.return
}

// Float32 requantization: float32 arith (soft-float on the core), the clamp bounds shifted by
// the output zero point (-128 - (-3), 100 - (-3)), rounding half to even by adding and
// subtracting 1.5 * 2**23 (0x4B400000). 0x3C23D70A is 0.01f.
// CHECK-LABEL: func.func @rescale_f32(
// CHECK-SAME: %[[X:.*]]: i32
// CHECK-NEXT: %[[F:.*]] = arith.sitofp %[[X]] : i32 to f32
// CHECK-NEXT: %[[S:.*]] = arith.constant 1.000000e-02 : f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[F]], %[[S]] : f32
// CHECK-NEXT: %[[LO:.*]] = arith.constant -1.250000e+02 : f32
// CHECK-NEXT: %[[HI:.*]] = arith.constant 1.030000e+02 : f32
// CHECK-NEXT: %[[B:.*]] = arith.cmpf ult, %[[P]], %[[LO]] : f32
// CHECK-NEXT: %[[V:.*]] = arith.select %[[B]], %[[LO]], %[[P]] : f32
// CHECK-NEXT: %[[A:.*]] = arith.cmpf ugt, %[[V]], %[[HI]] : f32
// CHECK-NEXT: %[[W:.*]] = arith.select %[[A]], %[[HI]], %[[V]] : f32
// CHECK-NEXT: %[[M:.*]] = arith.constant 0x4B400000 : f32
// CHECK-NEXT: %[[U:.*]] = arith.addf %[[W]], %[[M]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.subf %[[U]], %[[M]] : f32
// CHECK-NEXT: %[[I:.*]] = arith.fptosi %[[R]] : f32 to i32
// CHECK-NEXT: %[[ZP:.*]] = arith.constant -3 : i32
// CHECK-NEXT: %[[Q:.*]] = arith.addi %[[I]], %[[ZP]] : i32
// CHECK-NEXT: %[[T:.*]] = arith.trunci %[[Q]] : i32 to i8
// CHECK-NEXT: func.return %[[T]] : i8
func.func @rescale_f32(%x: i32) -> i8 {
  %r = kernel.rescale_f32 %x scale 0x3C23D70A out_zp -3 clamp -128, 100 : i32 -> i8
  func.return %r : i8
}

// An i8 input is sign-extended first; zero point 0: no add.
// CHECK-LABEL: func.func @rescale_f32_i8(
// CHECK-NEXT: %[[E:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK-NEXT: arith.sitofp %[[E]] : i32 to f32
// CHECK: arith.fptosi
// CHECK-NEXT: arith.trunci
// CHECK-NEXT: func.return
func.func @rescale_f32_i8(%x: i8) -> i8 {
  %r = kernel.rescale_f32 %x scale 0x3F000000 out_zp 0 clamp -128, 127 : i8 -> i8
  func.return %r : i8
}
