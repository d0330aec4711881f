// RUN: snax-opt %s -p 'conv-to-gemm{config="%S/inputs/two_accelerators.yaml"}' | filecheck %s

#x = affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h * 2 + kh, w * 2 + kw)>
#x1 = affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>
#w = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#y = affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>
#s = affine_map<(n, f, h, w, c, kh, kw) -> ()>
#s4 = affine_map<(n, f, h, w) -> ()>
#id4 = affine_map<(n, f, h, w) -> (n, f, h, w)>

// Stride 2, 1x8x9x9 input, 8 filters: M = 8, K = 8*3*3 = 72, N = 4*4 = 16, zero-filled
// output. One chunk of 16 pixels (all 4 output rows): the im2col chunk (72 rows of 24
// bytes, an odd number of words) and the int32 result chunk (8 rows of 72 bytes) go in the
// free L1 after the live buffers; one DMA gather per kernel row (source: channel 81 B,
// kw 1 B, oh 2*9 B, ow 2 B; destination: rows c*9 + kh*3 + kw); one GeMM launch reading
// the weights in place (row stride 72), then the DMA copies the result rows into y.
// CHECK-LABEL: func.func @conv_s2(
// CHECK:      snax.static_alloc offset 2240 : memref<1728xi8, #snax.memory_space<l1>>
// CHECK-NEXT: snax.static_alloc offset 3968 : memref<576xi8, #snax.memory_space<l1>>
// CHECK-COUNT-3: dma.start %{{.*}} to %{{.*}} elem_bytes 1 src <bounds = [8, 3, 4, 4], strides = [81, 1, 18, 2]> dst <bounds = [8, 3, 4, 4], strides = [216, 24, 4, 1]> : i32 to i32
// CHECK-NEXT: dma.wait
// CHECK:      accfg.setup "gemm0" to ("k_tiles" = %{{.*}} : i32, "mn_tiles" = %{{.*}} : i32,
// CHECK-NEXT: accfg.launch
// CHECK-NEXT: accfg.await
// CHECK:      dma.start %{{.*}} to %{{.*}} elem_bytes 64 src <bounds = [8, 1], strides = [72, 64]> dst <bounds = [8, 1], strides = [64, 64]> : i32 to i32
// CHECK-NEXT: dma.wait
// CHECK-NOT:  linalg.generic
// CHECK:      func.return
func.func @conv_s2() {
  %x = snax.static_alloc offset 1536 : memref<1x8x9x9xi8, #snax.memory_space<l1>>
  %w = snax.static_alloc offset 128 : memref<8x8x3x3xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 1024 : memref<1x8x4x4xi32, #snax.memory_space<l1>>
  %zero = arith.constant 0 : i32
  linalg.generic {indexing_maps = [#s4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%zero : i32) outs(%y : memref<1x8x4x4xi32, #snax.memory_space<l1>>) {
  ^bb0(%in: i32, %o: i32):
    linalg.yield %in : i32
  }
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x8x9x9xi8, #snax.memory_space<l1>>, memref<8x8x3x3xi8, #snax.memory_space<l1>>) outs(%y : memref<1x8x4x4xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %0 = kernel.mac %a, %b, %acc : i8, i8, i32 -> i32
    linalg.yield %0 : i32
  }
  func.return
}

// Quantized (zero points as scalar inputs): a qmac matmul, weights' zero point first.
// CHECK-LABEL: func.func @conv_q(
// CHECK:      linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[ZW:.*]], %[[ZX:.*]] : memref<8x72xi8, {{.*}}>, memref<72x16xi8, {{.*}}>, i32, i32)
// CHECK-NEXT: ^bb0(%[[PA:.*]]: i8, %[[PB:.*]]: i8, %[[PZA:.*]]: i32, %[[PZB:.*]]: i32, %[[PACC:.*]]: i32):
// CHECK-NEXT:   kernel.qmac %[[PA]], %[[PB]] zp %[[PZA]], %[[PZB]] acc %[[PACC]]
func.func @conv_q() {
  %x = snax.static_alloc offset 1536 : memref<1x8x6x6xi8, #snax.memory_space<l1>>
  %w = snax.static_alloc offset 128 : memref<8x8x3x3xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 1024 : memref<1x8x4x4xi32, #snax.memory_space<l1>>
  %zx = arith.constant -5 : i32
  %zw = arith.constant 3 : i32
  linalg.generic {indexing_maps = [#x1, #w, #s, #s, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w, %zx, %zw : memref<1x8x6x6xi8, #snax.memory_space<l1>>, memref<8x8x3x3xi8, #snax.memory_space<l1>>, i32, i32) outs(%y : memref<1x8x4x4xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %za: i32, %zb: i32, %acc: i32):
    %0 = kernel.qmac %a, %b zp %za, %zb acc %acc : i8, i8, i32, i32, i32 -> i32
    linalg.yield %0 : i32
  }
  func.return
}

// 12 filters: not a multiple of the accelerator's 8 rows, stays a convolution.
// CHECK-LABEL: func.func @conv_f12(
// CHECK-NOT:  dma.start
// CHECK:      kernel.mac
func.func @conv_f12() {
  %x = snax.static_alloc offset 1536 : memref<1x8x6x6xi8, #snax.memory_space<l1>>
  %w = snax.static_alloc offset 128 : memref<12x8x3x3xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 3072 : memref<1x12x4x4xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#x1, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x8x6x6xi8, #snax.memory_space<l1>>, memref<12x8x3x3xi8, #snax.memory_space<l1>>) outs(%y : memref<1x12x4x4xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %0 = kernel.mac %a, %b, %acc : i8, i8, i32 -> i32
    linalg.yield %0 : i32
  }
  func.return
}

// C = 3: K = 27 padded to 32. A (8 x 32) and B (32 x 16) are new buffers filled with the
// zero points (weights 3, input -5 = 0xfb), the weights go into A's rows by the DMA.
// CHECK-LABEL: func.func @conv_k27_q(
// CHECK:      %[[B:.*]] = snax.static_alloc offset 1536 : memref<32x16xi8, #snax.memory_space<l1>>
// CHECK:      %[[A:.*]] = snax.static_alloc offset 2048 : memref<8x32xi8, #snax.memory_space<l1>>
// CHECK:      arith.constant 217020518514230019 : i64
// CHECK:      arith.constant -289360691352306693 : i64
// CHECK:      dma.start %{{.*}} to %{{.*}} elem_bytes 1 src <bounds = [216], strides = [1]> dst <bounds = [8, 27], strides = [32, 1]> : i32 to i32
// CHECK:      kernel.qmac
func.func @conv_k27_q() {
  %x = snax.static_alloc offset 1408 : memref<1x3x6x6xi8, #snax.memory_space<l1>>
  %w = snax.static_alloc offset 128 : memref<8x3x3x3xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 1024 : memref<1x8x4x4xi32, #snax.memory_space<l1>>
  %zx = arith.constant -5 : i32
  %zw = arith.constant 3 : i32
  linalg.generic {indexing_maps = [#x1, #w, #s, #s, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w, %zx, %zw : memref<1x3x6x6xi8, #snax.memory_space<l1>>, memref<8x3x3x3xi8, #snax.memory_space<l1>>, i32, i32) outs(%y : memref<1x8x4x4xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %za: i32, %zb: i32, %acc: i32):
    %0 = kernel.qmac %a, %b zp %za, %zb acc %acc : i8, i8, i32, i32, i32 -> i32
    linalg.yield %0 : i32
  }
  func.return
}

// -----

// Window mode: 8 channels fill a K beat and 16 output columns two column tiles, so the
// GeMM's B streamer reads the im2col matrix straight from the KW shifted input windows
// S[kw][c][row][ow] (rows 18 x 16 bytes, channel stride 296 = 37 words), gathered by one
// copy whose 16-byte rows take one DMA cycle each: 432 cycles (+ 576 to reorder the
// weights to K = (kh, kw, c)) instead of 3 x 384 for the im2col rows. (With a 10 x 10
// input im2col is cheaper: the weight reordering costs more than the windows save.)
// CHECK-LABEL: func.func @conv_window(
// CHECK:      dma.start %{{.*}} to %{{.*}} elem_bytes 1 src <bounds = [8, 3, 3, 8], strides = [72, 3, 1, 9]> dst <bounds = [8, 3, 3, 8], strides = [72, 24, 8, 1]> : i32 to i32
// CHECK-NEXT: dma.wait
// CHECK:      dma.start %{{.*}} to %{{.*}} elem_bytes 1 src <bounds = [3, 8, 18, 16], strides = [1, 324, 18, 1]> dst <bounds = [3, 8, 18, 16], strides = [2368, 296, 16, 1]> : i32 to i32
// CHECK-NEXT: dma.wait
// CHECK:      accfg.setup "gemm0"
// CHECK-SAME: "b_bound_0" = %[[ONE:[^ ]*]] : i32, "b_stride_0" = %[[S2368:[^ ]*]] : i32, "b_bound_1" = %[[THREE:[^ ]*]] : i32, "b_stride_1" = %[[S2368]] : i32, "b_bound_2" = %[[THREE]] : i32, "b_stride_2" = %{{[^ ]*}} : i32, "b_bound_3" = %[[TWO:[^ ]*]] : i32
// CHECK:      accfg.launch
func.func @conv_window() {
  %x = snax.static_alloc offset 1024 : memref<1x8x18x18xi8, #snax.memory_space<l1>>
  %w = snax.static_alloc offset 128 : memref<8x8x3x3xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 4096 : memref<1x8x16x16xi32, #snax.memory_space<l1>>
  %zero = arith.constant 0 : i32
  linalg.generic {indexing_maps = [#s4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%zero : i32) outs(%y : memref<1x8x16x16xi32, #snax.memory_space<l1>>) {
  ^bb0(%in: i32, %o: i32):
    linalg.yield %in : i32
  }
  linalg.generic {indexing_maps = [#x1, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x8x18x18xi8, #snax.memory_space<l1>>, memref<8x8x3x3xi8, #snax.memory_space<l1>>) outs(%y : memref<1x8x16x16xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %0 = kernel.mac %a, %b, %acc : i8, i8, i32 -> i32
    linalg.yield %0 : i32
  }
  func.return
}
