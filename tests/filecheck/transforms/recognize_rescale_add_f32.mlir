// kernel.add_f32 expands (kernel-to-arith) into a call of the private integer FMA function
// @snaxc_add_f32, and recognize-rescale turns it back, also in the canonicalised form the
// upstream round trip gives (constants hoisted, shared), erasing the unused function.
// RUN: snax-opt %s -p kernel-to-arith | filecheck %s --check-prefix=ARITH
// RUN: snax-opt %s -p kernel-to-arith,recognize-rescale | filecheck %s

#id = affine_map<(d0) -> (d0)>

// ARITH-LABEL: func.func @qadd(
// ARITH: %{{.*}} = func.call @snaxc_add_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i32, i32, i32, i32, i32) -> i32
// ARITH-NOT: kernel.add_f32
// ARITH: func.func private @snaxc_add_f32(%{{.*}}: i32, %{{.*}}: i32, %{{.*}}: i32, %{{.*}}: i32, %{{.*}}: i32) -> i32
// ARITH-NOT: f64

// CHECK-LABEL: func.func @qadd(
// CHECK: ^bb0(%[[A:.*]]: i8, %[[B:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: %[[R:.*]] = kernel.add_f32 %[[A]], %[[B]] zp -128, -128 scales 1056964608, 1048576000 offset 3267395584 out_zp -128 clamp -128, 127 : i8, i8 -> i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
func.func @qadd(%x: tensor<128xi8>, %y: tensor<128xi8>) -> tensor<128xi8> {
  %e = tensor.empty() : tensor<128xi8>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %y : tensor<128xi8>, tensor<128xi8>) outs(%e : tensor<128xi8>) {
  ^bb0(%a: i8, %b: i8, %out: i8):
    %r = kernel.add_f32 %a, %b zp -128, -128 scales 0x3F000000, 0x3E800000 offset 0xC2C08000 out_zp -128 clamp -128, 127 : i8, i8 -> i8
    linalg.yield %r : i8
  } -> tensor<128xi8>
  return %s : tensor<128xi8>
}

// Canonicalised: zero points as additions, the output zero point 0 folded away.
// CHECK-LABEL: func.func @canonical(
// CHECK: kernel.add_f32 %{{.*}}, %{{.*}} zp 3, 0 scales 1056964608, 1048576000 offset 3267395584 out_zp 0 clamp -100, 120 : i8, i8 -> i8
// CHECK-NOT: func.call
// CHECK-NOT: @snaxc_add_f32
func.func @canonical(%x: tensor<64xi8>, %y: tensor<64xi8>) -> tensor<64xi8> {
  %m3 = arith.constant -3 : i32
  %ra = arith.constant 1056964608 : i32
  %rb = arith.constant 1048576000 : i32
  %f = arith.constant -1027571712 : i32
  %lo = arith.constant -100 : i32
  %hi = arith.constant 120 : i32
  %e = tensor.empty() : tensor<64xi8>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %y : tensor<64xi8>, tensor<64xi8>) outs(%e : tensor<64xi8>) {
  ^bb0(%a: i8, %b: i8, %out: i8):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.addi %0, %m3 : i32
    %2 = arith.extsi %b : i8 to i32
    %3 = func.call @snaxc_add_f32(%1, %2, %ra, %rb, %f) : (i32, i32, i32, i32, i32) -> i32
    %4 = arith.maxsi %3, %lo : i32
    %5 = arith.minsi %4, %hi : i32
    %6 = arith.trunci %5 : i32 to i8
    linalg.yield %6 : i8
  } -> tensor<64xi8>
  return %s : tensor<64xi8>
}
func.func private @snaxc_add_f32(i32, i32, i32, i32, i32) -> i32
