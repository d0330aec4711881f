// RUN: snax-opt %s -p recognize-rescale | filecheck %s
// RUN: snax-opt %s -p recognize-rescale,kernel-to-arith,canonicalize,cse,recognize-rescale | filecheck %s --check-prefix=ROUNDTRIP

#id = affine_map<(i) -> (i)>

// kernel-to-arith's expansion of kernel.rescale_f32, constants outside the body (as
// canonicalisation leaves them): the float32 requantization again, scale by its bits
// (0.01f = 0x3C23D70A = 1008981770), the clamp bounds shifted back by the zero point.
// CHECK-LABEL: func.func @f32(
// CHECK: ^bb0(%[[X:.*]]: i32, %{{.*}}: i8):
// CHECK-NEXT: %[[R:.*]] = kernel.rescale_f32 %[[X]] scale 1008981770 out_zp -3 clamp -128, 100 : i32 -> i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
// ROUNDTRIP-LABEL: func.func @f32(
// ROUNDTRIP: kernel.rescale_f32 %{{.*}} scale 1008981770 out_zp -3 clamp -128, 100 : i32 -> i8
func.func @f32(%x: memref<64xi32>, %y: memref<64xi8>) {
  %s = arith.constant 0.00999999977 : f32
  %lo = arith.constant -125.0 : f32
  %hi = arith.constant 103.0 : f32
  %m = arith.constant 12582912.0 : f32
  %zp = arith.constant -3 : i32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : memref<64xi32>) outs(%y : memref<64xi8>) {
  ^bb0(%a: i32, %o: i8):
    %f = arith.sitofp %a : i32 to f32
    %p = arith.mulf %f, %s : f32
    %c0 = arith.cmpf ult, %p, %lo : f32
    %v0 = arith.select %c0, %lo, %p : f32
    %c1 = arith.cmpf ugt, %v0, %hi : f32
    %v1 = arith.select %c1, %hi, %v0 : f32
    %r0 = arith.addf %v1, %m : f32
    %r1 = arith.subf %r0, %m : f32
    %i = arith.fptosi %r1 : f32 to i32
    %q = arith.addi %i, %zp : i32
    %t = arith.trunci %q : i32 to i8
    linalg.yield %t : i8
  }
  func.return
}

// An i8 input (extsi first), zero point 0 (no add), a fused ReLU's clamp.
// CHECK-LABEL: func.func @f32_i8(
// CHECK: kernel.rescale_f32 %{{.*}} scale 1056964608 out_zp 0 clamp 0, 127 : i8 -> i8
func.func @f32_i8(%x: memref<64xi8>, %y: memref<64xi8>) {
  %s = arith.constant 0.5 : f32
  %lo = arith.constant 0.0 : f32
  %hi = arith.constant 127.0 : f32
  %m = arith.constant 12582912.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : memref<64xi8>) outs(%y : memref<64xi8>) {
  ^bb0(%a: i8, %o: i8):
    %e = arith.extsi %a : i8 to i32
    %f = arith.sitofp %e : i32 to f32
    %p = arith.mulf %f, %s : f32
    %c0 = arith.cmpf ult, %p, %lo : f32
    %v0 = arith.select %c0, %lo, %p : f32
    %c1 = arith.cmpf ugt, %v0, %hi : f32
    %v1 = arith.select %c1, %hi, %v0 : f32
    %r0 = arith.addf %v1, %m : f32
    %r1 = arith.subf %r0, %m : f32
    %i = arith.fptosi %r1 : f32 to i32
    %t = arith.trunci %i : i32 to i8
    linalg.yield %t : i8
  }
  func.return
}

// Not a float32 requantization: the rounding adds 2**23 (not half to even for negative
// values), and a clamp bound that is not an integer. Left alone.
// CHECK-LABEL: func.func @not_f32(
// CHECK-NOT: kernel.rescale_f32
// CHECK: func.return
func.func @not_f32(%x: memref<64xi32>, %y: memref<64xi8>, %z: memref<64xi8>) {
  %s = arith.constant 0.5 : f32
  %lo = arith.constant -128.0 : f32
  %lo2 = arith.constant -127.5 : f32
  %hi = arith.constant 127.0 : f32
  %m = arith.constant 12582912.0 : f32
  %m2 = arith.constant 8388608.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : memref<64xi32>) outs(%y : memref<64xi8>) {
  ^bb0(%a: i32, %o: i8):
    %f = arith.sitofp %a : i32 to f32
    %p = arith.mulf %f, %s : f32
    %c0 = arith.cmpf ult, %p, %lo : f32
    %v0 = arith.select %c0, %lo, %p : f32
    %c1 = arith.cmpf ugt, %v0, %hi : f32
    %v1 = arith.select %c1, %hi, %v0 : f32
    %r0 = arith.addf %v1, %m2 : f32
    %r1 = arith.subf %r0, %m2 : f32
    %i = arith.fptosi %r1 : f32 to i32
    %t = arith.trunci %i : i32 to i8
    linalg.yield %t : i8
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : memref<64xi32>) outs(%z : memref<64xi8>) {
  ^bb0(%a: i32, %o: i8):
    %f = arith.sitofp %a : i32 to f32
    %p = arith.mulf %f, %s : f32
    %c0 = arith.cmpf ult, %p, %lo2 : f32
    %v0 = arith.select %c0, %lo2, %p : f32
    %c1 = arith.cmpf ugt, %v0, %hi : f32
    %v1 = arith.select %c1, %hi, %v0 : f32
    %r0 = arith.addf %v1, %m : f32
    %r1 = arith.subf %r0, %m : f32
    %i = arith.fptosi %r1 : f32 to i32
    %t = arith.trunci %i : i32 to i8
    linalg.yield %t : i8
  }
  func.return
}
