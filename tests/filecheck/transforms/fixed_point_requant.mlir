// RUN: snax-opt %s -p 'fixed-point-requant{requant="fixed-point"}' | filecheck %s

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#scalar4 = affine_map<(d0, d1, d2, d3) -> ()>
#win_in = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
#win = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
#win_out = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
#id1 = affine_map<(d0) -> (d0)>
#scalar1 = affine_map<(d0) -> ()>

// An int32 accumulator dequantized (scale as f64 truncated to f32, as torch-mlir emits it)
// and quantized to int8 with zero point -128 (a fused ReLU): one kernel.rescale.
// 0.000244140625 / 0.0625 = 2**-8: multiplier 2**30, shift 38.
// CHECK-LABEL: func.func @accumulator(
// CHECK-SAME: %[[ACC:.*]]: tensor<4x8xi32>
// CHECK: linalg.generic {{.*}} ins(%[[ACC]] : tensor<4x8xi32>) outs({{.*}} : tensor<4x8xi8>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i32, %{{.*}}: i8):
// CHECK-NEXT: %[[R:.*]] = kernel.rescale %[[IN]] zp 0 mul 1073741824 shift 38 out_zp -128 clamp -128, 127 : i32 -> i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
// CHECK-NOT: arith.sitofp
// CHECK: func.return
func.func @accumulator(%acc: tensor<4x8xi32>) -> tensor<4x8xi8> {
  %s_acc = arith.constant 0.000244140625 : f64
  %s_out = arith.constant 0.0625 : f32
  %zp = arith.constant -128.0 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %e0 = tensor.empty() : tensor<4x8xf32>
  %d = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%acc : tensor<4x8xi32>) outs(%e0 : tensor<4x8xf32>) {
  ^bb0(%in: i32, %out: f32):
    %t = arith.truncf %s_acc : f64 to f32
    %f = arith.sitofp %in : i32 to f32
    %m = arith.mulf %f, %t : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<4x8xi8>
  %q = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%d : tensor<4x8xf32>) outs(%e1 : tensor<4x8xi8>) {
  ^bb0(%in: f32, %out: i8):
    %0 = arith.divf %in, %s_out : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zp : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i8
    linalg.yield %5 : i8
  } -> tensor<4x8xi8>
  func.return %q : tensor<4x8xi8>
}

// A Gemm: the bias is dequantized with the accumulator's scale and added in float. It
// becomes an int32 add (bias broadcast over rows as before) and the rescale.
// 0.001 / 0.05 in float32 = 0.02 -> multiplier 1374389632, shift 36.
// CHECK-LABEL: func.func @gemm_bias(
// CHECK-SAME: %[[ACC:.*]]: tensor<2x4xi32>, %[[BIAS:.*]]: tensor<4xi32>
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>]{{.*}} ins(%[[ACC]], %[[BIAS]] : tensor<2x4xi32>, tensor<4xi32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: i32, %[[B:.*]]: i32, %{{.*}}: i32):
// CHECK-NEXT: %[[S:.*]] = arith.addi %[[A]], %[[B]] : i32
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<2x4xi32>)
// CHECK: kernel.rescale %{{.*}} zp 0 mul 1374389632 shift 36 out_zp 3 clamp -128, 127 : i32 -> i8
// CHECK-NOT: arith.addf
// CHECK: func.return
func.func @gemm_bias(%acc: tensor<2x4xi32>, %bias: tensor<4xi32>) -> tensor<2x4xi8> {
  %s_acc = arith.constant 0.001 : f32
  %s_out = arith.constant 0.05 : f32
  %zp = arith.constant 3.0 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %eb = tensor.empty() : tensor<4xf32>
  %db = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%bias : tensor<4xi32>) outs(%eb : tensor<4xf32>) {
  ^bb0(%in: i32, %out: f32):
    %f = arith.sitofp %in : i32 to f32
    %m = arith.mulf %f, %s_acc : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %e0 = tensor.empty() : tensor<2x4xf32>
  %d = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%acc : tensor<2x4xi32>) outs(%e0 : tensor<2x4xf32>) {
  ^bb0(%in: i32, %out: f32):
    %f = arith.sitofp %in : i32 to f32
    %m = arith.mulf %f, %s_acc : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  %sum = linalg.generic {indexing_maps = [#id2, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%d, %db : tensor<2x4xf32>, tensor<4xf32>) outs(%e0 : tensor<2x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x4xf32>
  %e1 = tensor.empty() : tensor<2x4xi8>
  %q = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<2x4xf32>) outs(%e1 : tensor<2x4xi8>) {
  ^bb0(%in: f32, %out: i8):
    %0 = arith.divf %in, %s_out : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zp : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i8
    linalg.yield %5 : i8
  } -> tensor<2x4xi8>
  func.return %q : tensor<2x4xi8>
}

// The residual-add sandwich with different input scales (0.5 and 0.25, zero points -3
// and 7): each input is centred and brought to the common scale 0.5 / 2**22 (multipliers
// 2**22 and 2**21), the sum rescaled to the output scale 1.0.
// CHECK-LABEL: func.func @residual_add(
// CHECK-SAME: %[[X:.*]]: tensor<1x8xi8>, %[[Y:.*]]: tensor<1x8xi8>
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[Y]] : tensor<1x8xi8>, tensor<1x8xi8>) outs(%{{.*}} : tensor<1x8xi8>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: i8, %[[B:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: %[[AE:.*]] = arith.extsi %[[A]] : i8 to i32
// CHECK-NEXT: %[[ZX:.*]] = arith.constant -3 : i32
// CHECK-NEXT: %[[AC:.*]] = arith.subi %[[AE]], %[[ZX]] : i32
// CHECK-NEXT: %[[MX:.*]] = arith.constant 4194304 : i32
// CHECK-NEXT: %[[AS:.*]] = arith.muli %[[AC]], %[[MX]] : i32
// CHECK-NEXT: %[[BE:.*]] = arith.extsi %[[B]] : i8 to i32
// CHECK-NEXT: %[[ZY:.*]] = arith.constant 7 : i32
// CHECK-NEXT: %[[BC:.*]] = arith.subi %[[BE]], %[[ZY]] : i32
// CHECK-NEXT: %[[MY:.*]] = arith.constant 2097152 : i32
// CHECK-NEXT: %[[BS:.*]] = arith.muli %[[BC]], %[[MY]] : i32
// CHECK-NEXT: %[[S:.*]] = arith.addi %[[AS]], %[[BS]] : i32
// CHECK-NEXT: %[[R:.*]] = kernel.rescale %[[S]] zp 0 mul 1073741824 shift 53 out_zp -128 clamp -128, 127 : i32 -> i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
// CHECK-NOT: arith.addf
// CHECK: func.return
func.func @residual_add(%x: tensor<1x8xi8>, %y: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %sx = arith.constant 0.5 : f32
  %sy = arith.constant 0.25 : f32
  %so = arith.constant 1.0 : f32
  %zx = arith.constant -3 : i64
  %zy = arith.constant 7 : i64
  %zo = arith.constant -128.0 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %e0 = tensor.empty() : tensor<1x8xf32>
  %dx = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<1x8xi8>) outs(%e0 : tensor<1x8xf32>) {
  ^bb0(%in: i8, %out: f32):
    %0 = arith.extsi %in : i8 to i64
    %1 = arith.subi %0, %zx : i64
    %2 = arith.sitofp %1 : i64 to f32
    %3 = arith.mulf %2, %sx : f32
    linalg.yield %3 : f32
  } -> tensor<1x8xf32>
  %dy = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<1x8xi8>) outs(%e0 : tensor<1x8xf32>) {
  ^bb0(%in: i8, %out: f32):
    %0 = arith.extsi %in : i8 to i64
    %1 = arith.subi %0, %zy : i64
    %2 = arith.sitofp %1 : i64 to f32
    %3 = arith.mulf %2, %sy : f32
    linalg.yield %3 : f32
  } -> tensor<1x8xf32>
  %sum = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%dx, %dy : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e0 : tensor<1x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x8xf32>
  %e1 = tensor.empty() : tensor<1x8xi8>
  %q = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<1x8xf32>) outs(%e1 : tensor<1x8xi8>) {
  ^bb0(%in: f32, %out: i8):
    %0 = arith.divf %in, %so : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zo : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i8
    linalg.yield %5 : i8
  } -> tensor<1x8xi8>
  func.return %q : tensor<1x8xi8>
}

// Max pooling between a dequantize and a quantize with the same parameters: an int8 max
// pool from -128; the rescale would be the identity and is dropped.
// CHECK-LABEL: func.func @maxpool(
// CHECK-SAME: %[[X:.*]]: tensor<1x2x4x4xi8>
// CHECK: %[[MIN:.*]] = arith.constant -128 : i8
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[MIN]] : i8) outs(%{{.*}} : tensor<1x2x2x2xi8>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[X]], %{{.*}} : tensor<1x2x4x4xi8>, tensor<2x2xf32>) outs(%[[INIT]] : tensor<1x2x2x2xi8>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i8, %{{.*}}: f32, %[[OUT:.*]]: i8):
// CHECK-NEXT: %[[M:.*]] = arith.maxsi %[[OUT]], %[[IN]] : i8
// CHECK-NOT: kernel.rescale
// CHECK: func.return %[[P]] : tensor<1x2x2x2xi8>
func.func @maxpool(%x: tensor<1x2x4x4xi8>) -> tensor<1x2x2x2xi8> {
  %s = arith.constant 0.1 : f32
  %z = arith.constant -128 : i64
  %zf = arith.constant -128.0 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<1x2x4x4xf32>
  %d = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x2x4x4xi8>) outs(%e0 : tensor<1x2x4x4xf32>) {
  ^bb0(%in: i8, %out: f32):
    %0 = arith.extsi %in : i8 to i64
    %1 = arith.subi %0, %z : i64
    %2 = arith.sitofp %1 : i64 to f32
    %3 = arith.mulf %2, %s : f32
    linalg.yield %3 : f32
  } -> tensor<1x2x4x4xf32>
  %e1 = tensor.empty() : tensor<1x2x2x2xf32>
  %init = linalg.generic {indexing_maps = [#scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ninf : f32) outs(%e1 : tensor<1x2x2x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x2x2xf32>
  %w = tensor.empty() : tensor<2x2xf32>
  %p = linalg.generic {indexing_maps = [#win_in, #win, #win_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%d, %w : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x2x2xf32>) {
  ^bb0(%in: f32, %in_w: f32, %out: f32):
    %0 = arith.maximumf %out, %in : f32
    linalg.yield %0 : f32
  } -> tensor<1x2x2x2xf32>
  %e2 = tensor.empty() : tensor<1x2x2x2xi8>
  %q = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p : tensor<1x2x2x2xf32>) outs(%e2 : tensor<1x2x2x2xi8>) {
  ^bb0(%in: f32, %out: i8):
    %0 = arith.divf %in, %s : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zf : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i8
    linalg.yield %5 : i8
  } -> tensor<1x2x2x2xi8>
  func.return %q : tensor<1x2x2x2xi8>
}

// Average pooling (a 2x2 sum pool divided by 4) followed by a Flatten: the sum of
// x - zx in int32, the rescale by 0.1 / (4 * 0.05) = 0.5, then the collapse on int8.
// CHECK-LABEL: func.func @avgpool_flatten(
// CHECK-SAME: %[[X:.*]]: tensor<1x2x2x2xi8>
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[ZERO]] : i32) outs(%{{.*}} : tensor<1x2x1x1xi32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}} : tensor<1x2x2x2xi8>, tensor<2x2xf32>) outs(%[[INIT]] : tensor<1x2x1x1xi32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i8, %{{.*}}: f32, %[[OUT:.*]]: i32):
// CHECK-NEXT: %[[E:.*]] = arith.extsi %[[IN]] : i8 to i32
// CHECK-NEXT: %[[ZX:.*]] = arith.constant 5 : i32
// CHECK-NEXT: %[[C:.*]] = arith.subi %[[E]], %[[ZX]] : i32
// CHECK-NEXT: %[[A:.*]] = arith.addi %[[OUT]], %[[C]] : i32
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x2x1x1xi32>) outs(%{{.*}} : tensor<1x2x1x1xi8>)
// CHECK: kernel.rescale %{{.*}} zp 0 mul 1073741824 shift 31 out_zp -1 clamp -128, 127 : i32 -> i8
// CHECK: %[[F:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0 : i64], [1 : i64, 2 : i64, 3 : i64]] : tensor<1x2x1x1xi8> into tensor<1x2xi8>
// CHECK-NEXT: func.return %[[F]] : tensor<1x2xi8>
func.func @avgpool_flatten(%x: tensor<1x2x2x2xi8>) -> tensor<1x2xi8> {
  %s = arith.constant 0.1 : f32
  %so = arith.constant 0.05 : f32
  %z = arith.constant 5 : i64
  %zo = arith.constant -1.0 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %zero = arith.constant 0.0 : f32
  %four = arith.constant 4.0 : f32
  %e0 = tensor.empty() : tensor<1x2x2x2xf32>
  %d = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x2x2x2xi8>) outs(%e0 : tensor<1x2x2x2xf32>) {
  ^bb0(%in: i8, %out: f32):
    %0 = arith.extsi %in : i8 to i64
    %1 = arith.subi %0, %z : i64
    %2 = arith.sitofp %1 : i64 to f32
    %3 = arith.mulf %2, %s : f32
    linalg.yield %3 : f32
  } -> tensor<1x2x2x2xf32>
  %e1 = tensor.empty() : tensor<1x2x1x1xf32>
  %init = linalg.generic {indexing_maps = [#scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%zero : f32) outs(%e1 : tensor<1x2x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x1x1xf32>
  %w = tensor.empty() : tensor<2x2xf32>
  %p = linalg.generic {indexing_maps = [#win_in, #win, #win_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%d, %w : tensor<1x2x2x2xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x1x1xf32>) {
  ^bb0(%in: f32, %in_w: f32, %out: f32):
    %0 = arith.addf %out, %in : f32
    linalg.yield %0 : f32
  } -> tensor<1x2x1x1xf32>
  %avg = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p : tensor<1x2x1x1xf32>) outs(%e1 : tensor<1x2x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.divf %in, %four : f32
    linalg.yield %0 : f32
  } -> tensor<1x2x1x1xf32>
  %flat = tensor.collapse_shape %avg [[0], [1, 2, 3]] : tensor<1x2x1x1xf32> into tensor<1x2xf32>
  %e2 = tensor.empty() : tensor<1x2xi8>
  %q = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%flat : tensor<1x2xf32>) outs(%e2 : tensor<1x2xi8>) {
  ^bb0(%in: f32, %out: i8):
    %0 = arith.divf %in, %so : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zo : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i8
    linalg.yield %5 : i8
  } -> tensor<1x2xi8>
  func.return %q : tensor<1x2xi8>
}

// A dequantized value with a second user stays float: the quantize is not rewritten.
// CHECK-LABEL: func.func @shared_dequantize(
// CHECK: arith.sitofp
// CHECK: math.roundeven
// CHECK-NOT: kernel.rescale
// CHECK: func.return
func.func @shared_dequantize(%acc: tensor<4xi32>) -> (tensor<4xi8>, tensor<4xf32>) {
  %s = arith.constant 0.001 : f32
  %so = arith.constant 0.05 : f32
  %zo = arith.constant 0.0 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %e0 = tensor.empty() : tensor<4xf32>
  %d = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%acc : tensor<4xi32>) outs(%e0 : tensor<4xf32>) {
  ^bb0(%in: i32, %out: f32):
    %f = arith.sitofp %in : i32 to f32
    %m = arith.mulf %f, %s : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %e1 = tensor.empty() : tensor<4xi8>
  %q = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%d : tensor<4xf32>) outs(%e1 : tensor<4xi8>) {
  ^bb0(%in: f32, %out: i8):
    %0 = arith.divf %in, %so : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zo : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i8
    linalg.yield %5 : i8
  } -> tensor<4xi8>
  func.return %q, %d : tensor<4xi8>, tensor<4xf32>
}

// The Clip sandwich (a clip whose input has another user is not folded by onnxruntime):
// the clip bounds -0.25 and 0.5 quantize to roundeven(b / 0.0625) + 4 = 0 and 12, which
// become the rescale's clamp.
// CHECK-LABEL: func.func @clip(
// CHECK-SAME: %[[X:.*]]: tensor<8xi8>
// CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<8xi8>)
// CHECK: kernel.rescale %{{.*}} zp -2 mul 1073741824 shift 31 out_zp 4 clamp 0, 12 : i8 -> i8
// CHECK-NOT: arith.cmpf
// CHECK: func.return
func.func @clip(%x: tensor<8xi8>) -> tensor<8xi8> {
  %s = arith.constant 0.03125 : f32
  %so = arith.constant 0.0625 : f32
  %z = arith.constant -2 : i64
  %zo = arith.constant 4.0 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %clo = arith.constant dense<-0.25> : tensor<f32>
  %chi = arith.constant dense<0.5> : tensor<f32>
  %e0 = tensor.empty() : tensor<8xf32>
  %d = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%x : tensor<8xi8>) outs(%e0 : tensor<8xf32>) {
  ^bb0(%in: i8, %out: f32):
    %0 = arith.extsi %in : i8 to i64
    %1 = arith.subi %0, %z : i64
    %2 = arith.sitofp %1 : i64 to f32
    %3 = arith.mulf %2, %s : f32
    linalg.yield %3 : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id1, #scalar1, #scalar1, #id1], iterator_types = ["parallel"]} ins(%d, %clo, %chi : tensor<8xf32>, tensor<f32>, tensor<f32>) outs(%e0 : tensor<8xf32>) {
  ^bb0(%in: f32, %l: f32, %h: f32, %out: f32):
    %0 = arith.cmpf ult, %in, %l : f32
    %1 = arith.select %0, %l, %in : f32
    %2 = arith.cmpf ugt, %1, %h : f32
    %3 = arith.select %2, %h, %1 : f32
    linalg.yield %3 : f32
  } -> tensor<8xf32>
  %e1 = tensor.empty() : tensor<8xi8>
  %q = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%c : tensor<8xf32>) outs(%e1 : tensor<8xi8>) {
  ^bb0(%in: f32, %out: i8):
    %0 = arith.divf %in, %so : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zo : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i8
    linalg.yield %5 : i8
  } -> tensor<8xi8>
  func.return %q : tensor<8xi8>
}

// (fixed_point_requant_f32.mlir checks the float32 form: the rescale moves up.)
// CHECK-LABEL: func.func @interleaved(
// CHECK: kernel.rescale %{{.*}} zp 0 mul 1073741824 shift 38 out_zp -128 clamp -128, 127 : i32 -> i8
func.func @interleaved(%x: tensor<4x8xi8>, %y: tensor<4x8xi8>) -> (tensor<4x8xi8>, tensor<4x8xi32>) {
  %s_acc = arith.constant 0.000244140625 : f64
  %s_out = arith.constant 0.0625 : f32
  %zp = arith.constant -128.0 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %ei = tensor.empty() : tensor<4x8xi32>
  %acc = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xi8>) outs(%ei : tensor<4x8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %w = arith.extsi %in : i8 to i32
    linalg.yield %w : i32
  } -> tensor<4x8xi32>
  %ei2 = tensor.empty() : tensor<4x8xi32>
  %other = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x8xi8>) outs(%ei2 : tensor<4x8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %w = arith.extsi %in : i8 to i32
    linalg.yield %w : i32
  } -> tensor<4x8xi32>
  %e0 = tensor.empty() : tensor<4x8xf32>
  %d = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%acc : tensor<4x8xi32>) outs(%e0 : tensor<4x8xf32>) {
  ^bb0(%in: i32, %out: f32):
    %t = arith.truncf %s_acc : f64 to f32
    %f = arith.sitofp %in : i32 to f32
    %m = arith.mulf %f, %t : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<4x8xi8>
  %q = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%d : tensor<4x8xf32>) outs(%e1 : tensor<4x8xi8>) {
  ^bb0(%in: f32, %out: i8):
    %0 = arith.divf %in, %s_out : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zp : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i8
    linalg.yield %5 : i8
  } -> tensor<4x8xi8>
  func.return %q, %other : tensor<4x8xi8>, tensor<4x8xi32>
}
