// The float32 requantization (fixed-point-requant's default) on the inputs of
// fixed_point_requant.mlir: GeMM outputs become kernel.rescale_f32 with onnxruntime's float32
// scale, the average pool a float32 sum (fsum) and an integer finish, the residual add
// kernel.add_f32 (onnxruntime's QLinearAdd on the uint8 values: zero points -3, 7, -128 +
// 128, rA = 0.5, rB = 0.25, F = 0 - (0.5 * 125 + 0.25 * 135) = -96.25); max pools and clips
// keep the fixed-point rescale (checked there).
// RUN: snax-opt %S/fixed_point_requant.mlir -p fixed-point-requant | filecheck %s
// RUN: snax-opt %S/fixed_point_requant.mlir -p 'fixed-point-requant{requant="float32"}' | filecheck %s
// RUN: snax-opt %S/fixed_point_requant.mlir -p fixed-point-requant | snax-opt | filecheck %s

// 0.000244140625 / 0.0625 = 2**-8 in float32: bits 0x3B800000 = 998244352.
// CHECK-LABEL: func.func @accumulator(
// CHECK-SAME: %[[ACC:.*]]: tensor<4x8xi32>
// CHECK: linalg.generic {{.*}} ins(%[[ACC]] : tensor<4x8xi32>) outs({{.*}} : tensor<4x8xi8>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i32, %{{.*}}: i8):
// CHECK-NEXT: %[[R:.*]] = kernel.rescale_f32 %[[IN]] scale 998244352 out_zp -128 clamp -128, 127 : i32 -> i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
// CHECK-NOT: arith.sitofp
// CHECK: func.return

// float32(0.001f / 0.05f) = 0.020000001f: bits 0x3CA3D70B = 1017370379, after the int32 bias add.
// CHECK-LABEL: func.func @gemm_bias(
// CHECK-SAME: %[[ACC:.*]]: tensor<2x4xi32>, %[[BIAS:.*]]: tensor<4xi32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[BIAS]] : tensor<2x4xi32>, tensor<4xi32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: i32, %[[B:.*]]: i32, %{{.*}}: i32):
// CHECK-NEXT: %[[S:.*]] = arith.addi %[[A]], %[[B]] : i32
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<2x4xi32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: kernel.rescale_f32 %{{.*}} scale 1017370379 out_zp 3 clamp -128, 127 : i32 -> i8
// CHECK-NOT: arith.addf
// CHECK: func.return

// Not GeMM outputs: fixed point as before.
// CHECK-LABEL: func.func @residual_add(
// CHECK-SAME: %[[X:.*]]: tensor<1x8xi8>, %[[Y:.*]]: tensor<1x8xi8>
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[Y]] : tensor<1x8xi8>, tensor<1x8xi8>) outs(%{{.*}} : tensor<1x8xi8>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: i8, %[[B:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: %[[R:.*]] = kernel.add_f32 %[[A]], %[[B]] zp -128, -128 scales 1056964608, 1048576000 offset 3267395584 out_zp -128 clamp -128, 127 : i8, i8 -> i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
// CHECK-NOT: arith.addf
// CHECK-LABEL: func.func @maxpool(
// CHECK-NOT: kernel.rescale_f32
// CHECK: arith.maxsi

// Average pooling: the float32 sum of float32((x - 5) * 0.1) over the 2x2 window from 0.0
// (the dequantize fused into the pool), then / 4, / 0.05, clamped to [-128 - zp, 127 - zp],
// rounded half to even (+- 1.5 * 2**23), + zp -1, to int8, then the collapse on int8.
// CHECK-LABEL: func.func @avgpool_flatten(
// CHECK-SAME: %[[X:.*]]: tensor<1x2x2x2xi8>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<1x2x1x1xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[X]], %{{.*}} : tensor<1x2x2x2xi8>, tensor<2x2xf32>) outs(%[[INIT]] : tensor<1x2x1x1xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i8, %{{.*}}: f32, %[[OUT:.*]]: f32):
// CHECK-NEXT: %[[E:.*]] = arith.extsi %[[IN]] : i8 to i32
// CHECK-NEXT: %[[ZX:.*]] = arith.constant 5 : i32
// CHECK-NEXT: %[[C:.*]] = arith.subi %[[E]], %[[ZX]] : i32
// CHECK-NEXT: %[[F:.*]] = arith.sitofp %[[C]] : i32 to f32
// CHECK-NEXT: %[[SX:.*]] = arith.constant 1.000000e-01 : f32
// CHECK-NEXT: %[[T:.*]] = arith.mulf %[[F]], %[[SX]] : f32
// CHECK-NEXT: %[[A:.*]] = arith.addf %[[OUT]], %[[T]] : f32
// CHECK-NEXT: linalg.yield %[[A]] : f32
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x2x1x1xf32>) outs(%{{.*}} : tensor<1x2x1x1xi8>)
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: i8):
// The finish is integer arith only: the float32 bits of the sum, each division by a constant
// as a mulhu by its mantissa's reciprocal floor(2**50 / dm) (N = 4: 2**27; 0.05: 83886078),
// then the rounding, + zp and the clamp; no float op is left.
// CHECK-NEXT: %[[B:.*]] = arith.bitcast %[[S]] : f32 to i32
// CHECK-NOT: arith.divf
// CHECK: %[[W1:.*]] = arith.extui %{{.*}} : i32 to i64
// CHECK-NEXT: %[[R1:.*]] = arith.constant 134217728 : i64
// CHECK-NEXT: arith.muli %[[W1]], %[[R1]] : i64
// CHECK-NOT: arith.divf
// CHECK: %[[W2:.*]] = arith.extui %{{.*}} : i32 to i64
// CHECK-NEXT: %[[R2:.*]] = arith.constant 83886078 : i64
// CHECK-NEXT: arith.muli %[[W2]], %[[R2]] : i64
// CHECK-NOT: arith.{{[a-z]+}}f {{.*}}: f32
// CHECK: arith.constant -1 : i32
// CHECK-NEXT: arith.addi
// CHECK-NEXT: arith.constant -128 : i32
// CHECK-NEXT: arith.maxsi
// CHECK-NEXT: arith.constant 127 : i32
// CHECK-NEXT: arith.minsi
// CHECK-NEXT: arith.trunci %{{.*}} : i32 to i8
// CHECK-NEXT: linalg.yield
// CHECK: %[[FL:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0 : i64], [1 : i64, 2 : i64, 3 : i64]] : tensor<1x2x1x1xi8> into tensor<1x2xi8>
// CHECK-NEXT: func.return %[[FL]] : tensor<1x2xi8>

// An int32 value with a second float user is not rewritten (as in fixed point).
// CHECK-LABEL: func.func @shared_dequantize(
// CHECK-NOT: kernel.rescale
// CHECK: func.return

// An accumulator's rescale goes right after the accumulator's producer, before the other
// layer the importer put in between (where the GeMM fusion looks for it).
// CHECK-LABEL: func.func @interleaved(
// CHECK:      %[[ACC:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4x8xi8>) outs(%{{.*}} : tensor<4x8xi32>)
// CHECK:      linalg.yield
// CHECK-NEXT: } -> tensor<4x8xi32>
// CHECK-NEXT: %[[E:.*]] = tensor.empty() : tensor<4x8xi8>
// CHECK-NEXT: %[[R:.*]] = linalg.generic {{.*}} ins(%[[ACC]] : tensor<4x8xi32>) outs(%[[E]] : tensor<4x8xi8>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: kernel.rescale_f32 %{{.*}} scale 998244352 out_zp -128 clamp -128, 127 : i32 -> i8
// CHECK:      %[[OTHER:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4x8xi8>) outs(%{{.*}} : tensor<4x8xi32>)
// CHECK-NOT:  kernel.rescale
// CHECK:      func.return %[[R]], %[[OTHER]]
