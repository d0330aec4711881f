// RUN: snax-opt %s -p recognize-kernels | filecheck %s

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
#scalar = affine_map<(m, n, k) -> ()>
#id = affine_map<(i) -> (i)>

// int8 matmul as torch-mlir generalizes linalg.matmul: extsi, muli, addi.
// CHECK-LABEL: func.func @matmul_i8(
// CHECK: ^bb0(%[[A:.*]]: i8, %[[B:.*]]: i8, %[[C:.*]]: i32):
// CHECK-NEXT: %[[R:.*]] = kernel.mac %[[A]], %[[B]], %[[C]] : i8, i8, i32 -> i32
// CHECK-NEXT: linalg.yield %[[R]] : i32
func.func @matmul_i8(%a: tensor<16x8xi8>, %b: tensor<8x32xi8>, %c: tensor<16x32xi32>) -> tensor<16x32xi32> {
  %0 = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<16x8xi8>, tensor<8x32xi8>) outs(%c : tensor<16x32xi32>) {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %1 = arith.extsi %in : i8 to i32
    %2 = arith.extsi %in_0 : i8 to i32
    %3 = arith.muli %1, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  } -> tensor<16x32xi32>
  func.return %0 : tensor<16x32xi32>
}

// On memrefs, i32 operands without extensions, accumulator as the second addend.
// CHECK-LABEL: func.func @matmul_i32_memref(
// CHECK: ^bb0(%[[A:.*]]: i32, %[[B:.*]]: i32, %[[C:.*]]: i32):
// CHECK-NEXT: %[[R:.*]] = kernel.mac %[[A]], %[[B]], %[[C]] : i32, i32, i32 -> i32
// CHECK-NEXT: linalg.yield %[[R]] : i32
func.func @matmul_i32_memref(%a: memref<16x8xi32>, %b: memref<8x32xi32>, %c: memref<16x32xi32>) {
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<16x8xi32>, memref<8x32xi32>) outs(%c : memref<16x32xi32>) {
  ^bb0(%in: i32, %in_0: i32, %out: i32):
    %3 = arith.muli %in, %in_0 : i32
    %4 = arith.addi %3, %out : i32
    linalg.yield %4 : i32
  }
  func.return
}

// linalg.quantized_matmul generalized: the zero points are scalar inputs.
// CHECK-LABEL: func.func @quantized_matmul(
// CHECK: ^bb0(%[[A:.*]]: i8, %[[B:.*]]: i8, %[[ZA:.*]]: i32, %[[ZB:.*]]: i32, %[[C:.*]]: i32):
// CHECK-NEXT: %[[R:.*]] = kernel.qmac %[[A]], %[[B]] zp %[[ZA]], %[[ZB]] acc %[[C]] : i8, i8, i32, i32, i32 -> i32
// CHECK-NEXT: linalg.yield %[[R]] : i32
func.func @quantized_matmul(%a: tensor<16x8xi8>, %b: tensor<8x32xi8>, %za: i32, %zb: i32, %c: tensor<16x32xi32>) -> tensor<16x32xi32> {
  %0 = linalg.generic {indexing_maps = [#mk, #kn, #scalar, #scalar, #mn], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b, %za, %zb : tensor<16x8xi8>, tensor<8x32xi8>, i32, i32) outs(%c : tensor<16x32xi32>) {
  ^bb0(%in: i8, %in_0: i8, %in_1: i32, %in_2: i32, %out: i32):
    %1 = arith.extsi %in : i8 to i32
    %2 = arith.subi %1, %in_1 : i32
    %3 = arith.extsi %in_0 : i8 to i32
    %4 = arith.subi %3, %in_2 : i32
    %5 = arith.muli %2, %4 : i32
    %6 = arith.addi %out, %5 : i32
    linalg.yield %6 : i32
  } -> tensor<16x32xi32>
  func.return %0 : tensor<16x32xi32>
}

// Zero points as constants: one inside the body (kept, the kernel uses it), one outside.
// CHECK-LABEL: func.func @quantized_matmul_constant_zp(
// CHECK: %[[ZB:.*]] = arith.constant 3 : i32
// CHECK: ^bb0(%[[A:.*]]: i8, %[[B:.*]]: i8, %[[C:.*]]: i32):
// CHECK-NEXT: %[[ZA:.*]] = arith.constant -128 : i32
// CHECK-NEXT: %[[R:.*]] = kernel.qmac %[[A]], %[[B]] zp %[[ZA]], %[[ZB]] acc %[[C]] : i8, i8, i32, i32, i32 -> i32
// CHECK-NEXT: linalg.yield %[[R]] : i32
func.func @quantized_matmul_constant_zp(%a: tensor<16x8xi8>, %b: tensor<8x32xi8>, %c: tensor<16x32xi32>) -> tensor<16x32xi32> {
  %zb = arith.constant 3 : i32
  %0 = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<16x8xi8>, tensor<8x32xi8>) outs(%c : tensor<16x32xi32>) {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %za = arith.constant -128 : i32
    %1 = arith.extsi %in : i8 to i32
    %2 = arith.subi %1, %za : i32
    %3 = arith.extsi %in_0 : i8 to i32
    %4 = arith.subi %3, %zb : i32
    %5 = arith.muli %2, %4 : i32
    %6 = arith.addi %out, %5 : i32
    linalg.yield %6 : i32
  } -> tensor<16x32xi32>
  func.return %0 : tensor<16x32xi32>
}

// CHECK-LABEL: func.func @add_i8(
// CHECK: ^bb0(%[[X:.*]]: i8, %[[Y:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: %[[R:.*]] = kernel.add %[[X]], %[[Y]] : i8, i8 -> i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
func.func @add_i8(%x: memref<64xi8>, %y: memref<64xi8>, %z: memref<64xi8>) {
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x, %y : memref<64xi8>, memref<64xi8>) outs(%z : memref<64xi8>) {
  ^bb0(%in: i8, %in_0: i8, %out: i8):
    %1 = arith.addi %in, %in_0 : i8
    linalg.yield %1 : i8
  }
  func.return
}

// A widening multiply keeps the narrow operand types and the wide result.
// CHECK-LABEL: func.func @mul_widening(
// CHECK: %[[R:.*]] = kernel.mul %{{.*}}, %{{.*}} : i8, i8 -> i32
// CHECK-NEXT: linalg.yield %[[R]] : i32
func.func @mul_widening(%x: memref<64xi8>, %y: memref<64xi8>, %z: memref<64xi32>) {
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x, %y : memref<64xi8>, memref<64xi8>) outs(%z : memref<64xi32>) {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %1 = arith.extsi %in : i8 to i32
    %2 = arith.extsi %in_0 : i8 to i32
    %3 = arith.muli %1, %2 : i32
    linalg.yield %3 : i32
  }
  func.return
}

// Max pooling (linalg.pooling_nchw_max generalized): a max reduction over the window.
// CHECK-LABEL: func.func @max_pool(
// CHECK: ^bb0(%[[IN:.*]]: i8, %{{.*}}: i8, %[[OUT:.*]]: i8):
// CHECK-NEXT: %[[R:.*]] = kernel.max %[[OUT]], %[[IN]] : i8, i8 -> i8
func.func @max_pool(%x: tensor<1x4x8x8xi8>, %w: tensor<2x2xi8>, %c: tensor<1x4x4x4xi8>) -> tensor<1x4x4x4xi8> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : tensor<1x4x8x8xi8>, tensor<2x2xi8>) outs(%c : tensor<1x4x4x4xi8>) {
  ^bb0(%in: i8, %in_0: i8, %out: i8):
    %1 = arith.maxsi %out, %in : i8
    linalg.yield %1 : i8
  } -> tensor<1x4x4x4xi8>
  func.return %0 : tensor<1x4x4x4xi8>
}

// ReLU: the zero constant disappears with the arith op.
// CHECK-LABEL: func.func @relu(
// CHECK: ^bb0(%[[IN:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: %[[R:.*]] = kernel.relu %[[IN]] : i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
func.func @relu(%x: memref<64xi8>, %z: memref<64xi8>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : memref<64xi8>) outs(%z : memref<64xi8>) {
  ^bb0(%in: i8, %out: i8):
    %c0 = arith.constant 0 : i8
    %1 = arith.maxsi %c0, %in : i8
    linalg.yield %1 : i8
  }
  func.return
}

// Not kernels: left exactly as they are.

// A body that computes more than one kernel: (x + y) * x.
// CHECK-LABEL: func.func @not_a_single_kernel(
// CHECK: arith.addi
// CHECK-NEXT: arith.muli
// CHECK-NOT: kernel.
func.func @not_a_single_kernel(%x: memref<64xi8>, %y: memref<64xi8>, %z: memref<64xi8>) {
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x, %y : memref<64xi8>, memref<64xi8>) outs(%z : memref<64xi8>) {
  ^bb0(%in: i8, %in_0: i8, %out: i8):
    %1 = arith.addi %in, %in_0 : i8
    %2 = arith.muli %1, %in : i8
    linalg.yield %2 : i8
  }
  func.return
}

// Unsigned extension: the kernels are defined on sign-extended operands.
// CHECK-LABEL: func.func @unsigned_mac(
// CHECK: arith.extui
// CHECK-NOT: kernel.
func.func @unsigned_mac(%a: memref<16x8xi8>, %b: memref<8x32xi8>, %c: memref<16x32xi32>) {
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<16x8xi8>, memref<8x32xi8>) outs(%c : memref<16x32xi32>) {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %1 = arith.extui %in : i8 to i32
    %2 = arith.extsi %in_0 : i8 to i32
    %3 = arith.muli %1, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  func.return
}

// Floating point stays as it is (the requantization sandwich is another pass's job).
// CHECK-LABEL: func.func @float_add(
// CHECK: arith.addf
// CHECK-NOT: kernel.
func.func @float_add(%x: memref<64xf32>, %y: memref<64xf32>, %z: memref<64xf32>) {
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x, %y : memref<64xf32>, memref<64xf32>) outs(%z : memref<64xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %1 = arith.addf %in, %in_0 : f32
    linalg.yield %1 : f32
  }
  func.return
}

// max with a non-zero constant is a clamp, not a ReLU, and a constant is no operand.
// CHECK-LABEL: func.func @clamp_low(
// CHECK: arith.maxsi
// CHECK-NOT: kernel.
func.func @clamp_low(%x: memref<64xi8>, %z: memref<64xi8>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : memref<64xi8>) outs(%z : memref<64xi8>) {
  ^bb0(%in: i8, %out: i8):
    %c = arith.constant -5 : i8
    %1 = arith.maxsi %in, %c : i8
    linalg.yield %1 : i8
  }
  func.return
}
