// RUN: snax-opt %s -p split-depthwise | filecheck %s

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#to_nhwc = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>
#to_nchw = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
#chan = affine_map<(d0, d1, d2, d3) -> (d3)>
#x = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d4, d2 + d5, d3)>
#w = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5, d3)>
#s = affine_map<(d0, d1, d2, d3, d4, d5) -> ()>
#y = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>

// A 16-channel depthwise 3x3 convolution as the importer leaves it (NCHW -> NHWC
// transpose, bias broadcast, depthwise_conv_2d_nhwc_hwc_q, transpose back, rescale):
// the DMA copies X (576 bytes) to where the NHWC copy was (offset 1024); whole-buffer
// views get one-byte DMA transfers before the first and after the last slice (liveness
// markers); the block weights (2 x 576 bytes after the last buffer, 3328) are filled with
// zw = 3 and get the diagonals in one 4-D transfer (source strides: 8 channels, channel,
// kh, kw of the HWC weights; destination: block, diagonal step 9 * 9, kh, kw); then per
// 8 channels: bias broadcast, dense 8x8 convolution on channel views (X copy + 8 * 36
// bytes, Y + 8 * 16 * 4 bytes, R + 8 * 16), rescale.
// CHECK-LABEL: func.func @depthwise(
// CHECK:      %[[XC:.*]] = snax.static_alloc offset 1024 : memref<1x16x6x6xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[T:.*]] = dma.start %{{.*}} to %[[XC]] elem_bytes 64 src <bounds = [9], strides = [64]>
// CHECK-NEXT: dma.wait %[[T]]
// CHECK-NOT:  linalg.generic
// CHECK:      %[[W:.*]] = snax.static_alloc offset 3328 : memref<144xi64, #snax.memory_space<l1>>
// CHECK-NEXT: %[[Y:.*]] = snax.static_alloc offset 2048 : memref<1x16x4x4xi32, #snax.memory_space<l1>>
// CHECK-NEXT: %[[R:.*]] = snax.static_alloc offset 3072 : memref<1x16x4x4xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[WT:.*]] = snax.static_alloc offset 1664 : memref<3x3x16xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[B:.*]] = snax.static_alloc offset 1984 : memref<16xi32, #snax.memory_space<l1>>
// CHECK-NEXT: dma.start %[[XC]] to %[[Y]] elem_bytes 1 src <bounds = [1], strides = [1]>
// CHECK-NEXT: dma.start %[[XC]] to %[[R]] elem_bytes 1 src <bounds = [1], strides = [1]>
// CHECK-NEXT: dma.wait
// CHECK-NEXT: dma.start %[[WT]] to %[[W]] elem_bytes 1
// CHECK-NEXT: dma.start %[[B]] to %[[W]] elem_bytes 1
// CHECK-NEXT: dma.wait
// CHECK-NEXT: arith.constant 217020518514230019 : i64
// CHECK:      dma.start %[[W]] to %[[W]] elem_bytes 8 src <bounds = [144], strides = [0]> dst <bounds = [144], strides = [8]>
// CHECK:      arith.constant 268437120 : i32
// CHECK-NEXT: arith.constant 268438784 : i32
// CHECK-NEXT: dma.start {{.*}} elem_bytes 1 src <bounds = [2, 8, 3, 3], strides = [8, 1, 48, 16]> dst <bounds = [2, 8, 3, 3], strides = [576, 81, 3, 1]>
// CHECK:      %[[X0:.*]] = snax.static_alloc offset 1024 : memref<1x8x6x6xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[Y0:.*]] = snax.static_alloc offset 2048 : memref<1x8x4x4xi32, #snax.memory_space<l1>>
// CHECK-NEXT: %[[W0:.*]] = snax.static_alloc offset 3328 : memref<8x8x3x3xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[B0:.*]] = snax.static_alloc offset 1984 : memref<8xi32, #snax.memory_space<l1>>
// CHECK-NEXT: linalg.generic {{.*}} ins(%[[B0]] : {{.*}}) outs(%[[Y0]] :
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, (d2 + d5), (d3 + d6))>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> ()>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> ()>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>]{{.*}} ins(%[[X0]], %[[W0]], %{{.*}}, %{{.*}} : {{.*}}) outs(%[[Y0]] :
// CHECK:      kernel.qmac
// CHECK:      %[[R0:.*]] = snax.static_alloc offset 3072 : memref<1x8x4x4xi8, #snax.memory_space<l1>>
// CHECK-NEXT: linalg.generic {{.*}} ins(%[[Y0]] : {{.*}}) outs(%[[R0]] :
// CHECK:      kernel.rescale
// CHECK:      snax.static_alloc offset 1312 : memref<1x8x6x6xi8, #snax.memory_space<l1>>
// CHECK-NEXT: snax.static_alloc offset 2560 : memref<1x8x4x4xi32, #snax.memory_space<l1>>
// CHECK-NEXT: snax.static_alloc offset 3904 : memref<8x8x3x3xi8, #snax.memory_space<l1>>
// CHECK-NEXT: snax.static_alloc offset 2016 : memref<8xi32, #snax.memory_space<l1>>
// CHECK:      snax.static_alloc offset 3200 : memref<1x8x4x4xi8, #snax.memory_space<l1>>
// CHECK:      kernel.rescale
// CHECK:      dma.start %[[XC]] to %[[W]] elem_bytes 1
// CHECK-NEXT: dma.start %[[Y]] to %[[W]] elem_bytes 1
// CHECK-NEXT: dma.start %[[R]] to %[[W]] elem_bytes 1
// CHECK-NEXT: dma.start %[[WT]] to %[[W]] elem_bytes 1
// CHECK-NEXT: dma.start %[[B]] to %[[W]] elem_bytes 1
// CHECK-NEXT: dma.wait
// CHECK-NOT:  linalg.generic
// CHECK:      func.return
func.func @depthwise() {
  %xin = snax.static_alloc offset 0 : memref<1x16x6x6xi8, #snax.memory_space<l1>>
  %wt = snax.static_alloc offset 1664 : memref<3x3x16xi8, #snax.memory_space<l1>>
  %bias = snax.static_alloc offset 1984 : memref<16xi32, #snax.memory_space<l1>>
  %r = snax.static_alloc offset 3072 : memref<1x16x4x4xi8, #snax.memory_space<l1>>
  %zx = arith.constant -3 : i32
  %zw = arith.constant 3 : i32
  %xt = snax.static_alloc offset 1024 : memref<1x6x6x16xi8, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#to_nhwc, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%xin : memref<1x16x6x6xi8, #snax.memory_space<l1>>) outs(%xt : memref<1x6x6x16xi8, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %o: i8):
    linalg.yield %a : i8
  }
  %yt = snax.static_alloc offset 0 : memref<1x4x4x16xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bias : memref<16xi32, #snax.memory_space<l1>>) outs(%yt : memref<1x4x4x16xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i32, %o: i32):
    linalg.yield %a : i32
  }
  linalg.generic {indexing_maps = [#x, #w, #s, #s, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%xt, %wt, %zx, %zw : memref<1x6x6x16xi8, #snax.memory_space<l1>>, memref<3x3x16xi8, #snax.memory_space<l1>>, i32, i32) outs(%yt : memref<1x4x4x16xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %za: i32, %zb: i32, %acc: i32):
    %m = kernel.qmac %a, %b zp %za, %zb acc %acc : i8, i8, i32, i32, i32 -> i32
    linalg.yield %m : i32
  }
  %y = snax.static_alloc offset 2048 : memref<1x16x4x4xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#to_nchw, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%yt : memref<1x4x4x16xi32, #snax.memory_space<l1>>) outs(%y : memref<1x16x4x4xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i32, %o: i32):
    linalg.yield %a : i32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : memref<1x16x4x4xi32, #snax.memory_space<l1>>) outs(%r : memref<1x16x4x4xi8, #snax.memory_space<l1>>) {
  ^bb0(%a: i32, %o: i8):
    %q = kernel.rescale %a zp 0 mul 1073741824 shift 40 out_zp -1 clamp -128, 127 : i32 -> i8
    linalg.yield %q : i8
  }
  func.return
}

// 12 channels: a slice of 8 and one of the 4 others, block weights of 576 and 144 bytes
// (90 words), the diagonals of the full slice and of the partial one (step 5 * 9).
// CHECK-LABEL: func.func @odd_channels(
// CHECK:      dma.start %{{.*}} to %{{.*}} elem_bytes 8 src <bounds = [90], strides = [0]>
// CHECK:      dma.start {{.*}} elem_bytes 1 src <bounds = [8, 3, 3], strides = [1, 36, 12]> dst <bounds = [8, 3, 3], strides = [81, 3, 1]>
// CHECK:      dma.start {{.*}} elem_bytes 1 src <bounds = [4, 3, 3], strides = [1, 36, 12]> dst <bounds = [4, 3, 3], strides = [45, 3, 1]>
// CHECK:      snax.static_alloc offset 2816 : memref<8x8x3x3xi8
// CHECK:      kernel.qmac
// CHECK:      snax.static_alloc offset 1312 : memref<1x4x6x6xi8
// CHECK-NEXT: snax.static_alloc offset 2560 : memref<1x4x4x4xi32
// CHECK-NEXT: snax.static_alloc offset 3392 : memref<4x4x3x3xi8
// CHECK-NEXT: snax.static_alloc offset 2016 : memref<4xi32
// CHECK:      kernel.qmac
// CHECK-NOT:  linalg.generic
func.func @odd_channels() {
  %xin = snax.static_alloc offset 0 : memref<1x12x6x6xi8, #snax.memory_space<l1>>
  %wt = snax.static_alloc offset 1536 : memref<3x3x12xi8, #snax.memory_space<l1>>
  %bias = snax.static_alloc offset 1984 : memref<12xi32, #snax.memory_space<l1>>
  %zx = arith.constant -3 : i32
  %zw = arith.constant 3 : i32
  %xt = snax.static_alloc offset 1024 : memref<1x6x6x12xi8, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#to_nhwc, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%xin : memref<1x12x6x6xi8, #snax.memory_space<l1>>) outs(%xt : memref<1x6x6x12xi8, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %o: i8):
    linalg.yield %a : i8
  }
  %yt = snax.static_alloc offset 0 : memref<1x4x4x12xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bias : memref<12xi32, #snax.memory_space<l1>>) outs(%yt : memref<1x4x4x12xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i32, %o: i32):
    linalg.yield %a : i32
  }
  linalg.generic {indexing_maps = [#x, #w, #s, #s, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%xt, %wt, %zx, %zw : memref<1x6x6x12xi8, #snax.memory_space<l1>>, memref<3x3x12xi8, #snax.memory_space<l1>>, i32, i32) outs(%yt : memref<1x4x4x12xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %za: i32, %zb: i32, %acc: i32):
    %m = kernel.qmac %a, %b zp %za, %zb acc %acc : i8, i8, i32, i32, i32 -> i32
    linalg.yield %m : i32
  }
  %y = snax.static_alloc offset 2048 : memref<1x12x4x4xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#to_nchw, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%yt : memref<1x4x4x12xi32, #snax.memory_space<l1>>) outs(%y : memref<1x12x4x4xi32, #snax.memory_space<l1>>) {
  ^bb0(%a: i32, %o: i32):
    linalg.yield %a : i32
  }
  func.return
}
