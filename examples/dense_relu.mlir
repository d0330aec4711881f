// An int8 dense layer with ReLU, as a quantized network computes it:
//   y = relu(requantize(x @ w + bias))
// x: 32x64 int8 activations, w: 64x32 int8 weights, bias: 32 int32 values, y: 32x32 int8.
// The requantization is the fixed-point form (multiply by 2^31 * 0.7071, round half up,
// shift right by 31 + 12, add the output zero point -5, clamp to int8): what
// `fixed-point-requant` makes of a float scale, and what the GeMM output stage computes.
// On a cluster with a GeMM, the whole layer is one accelerator launch with int8 output.

#mn = affine_map<(d0, d1) -> (d0, d1)>
#n = affine_map<(d0, d1) -> (d1)>

func.func @dense_relu(%x: tensor<32x64xi8>, %w: tensor<64x32xi8>, %bias: tensor<32xi32>)
    -> tensor<32x32xi8> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32x32xi32>
  %c = linalg.fill ins(%zero : i32) outs(%e : tensor<32x32xi32>) -> tensor<32x32xi32>
  %acc = linalg.matmul ins(%x, %w : tensor<32x64xi8>, tensor<64x32xi8>)
                       outs(%c : tensor<32x32xi32>) -> tensor<32x32xi32>
  %biased = linalg.generic {indexing_maps = [#mn, #n, #mn],
                            iterator_types = ["parallel", "parallel"]}
      ins(%acc, %bias : tensor<32x32xi32>, tensor<32xi32>) outs(%e : tensor<32x32xi32>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %s = arith.addi %a, %b : i32
    linalg.yield %s : i32
  } -> tensor<32x32xi32>
  %e8 = tensor.empty() : tensor<32x32xi8>
  %q = linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%biased : tensor<32x32xi32>) outs(%e8 : tensor<32x32xi8>) {
  ^bb0(%a: i32, %o: i8):
    %a64 = arith.extsi %a : i32 to i64
    %mult = arith.constant 1518500250 : i64
    %p = arith.muli %a64, %mult : i64
    %half = arith.constant 4398046511104 : i64
    %r = arith.addi %p, %half : i64
    %shift = arith.constant 43 : i64
    %s = arith.shrsi %r, %shift : i64
    %zp = arith.constant -5 : i64
    %z = arith.addi %s, %zp : i64
    %lo = arith.constant -128 : i64
    %hi = arith.constant 127 : i64
    %c1 = arith.maxsi %z, %lo : i64
    %c2 = arith.minsi %c1, %hi : i64
    %t = arith.trunci %c2 : i64 to i8
    linalg.yield %t : i8
  } -> tensor<32x32xi8>
  %y = linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%q : tensor<32x32xi8>) outs(%e8 : tensor<32x32xi8>) {
  ^bb0(%a: i8, %o: i8):
    %c0 = arith.constant 0 : i8
    %m = arith.maxsi %a, %c0 : i8
    linalg.yield %m : i8
  } -> tensor<32x32xi8>
  return %y : tensor<32x32xi8>
}
