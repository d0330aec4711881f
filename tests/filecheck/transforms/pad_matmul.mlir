// RUN: snax-opt %s -p pad-matmul | filecheck %s

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mnk = affine_map<(m, n, k) -> (m, n)>
#s3 = affine_map<(m, n, k) -> ()>
#mn = affine_map<(m, n) -> (m, n)>
#n = affine_map<(m, n) -> (n)>
#s = affine_map<(m, n) -> ()>

// A dense layer on one row (M = 1, K = 64, N = 16): A is viewed with 8 rows (only M is
// padded), B is used as it is, the bias needs no padding; the int32 accumulator and the
// int8 result get padded scratch buffers after the last L1 buffer (offset 2048), the
// result's first row goes back to its buffer on the DMA.
// CHECK-LABEL: func.func @dense_row(
// CHECK:      %[[A:.*]] = snax.static_alloc offset 0 : memref<8x64xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[B:.*]] = snax.static_alloc offset 64 : memref<64x16xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[D:.*]] = snax.static_alloc offset 2048 : memref<8x16xi32, #snax.memory_space<l1>>
// CHECK-NEXT: %[[R:.*]] = snax.static_alloc offset 2560 : memref<8x16xi8, #snax.memory_space<l1>>
// CHECK-NEXT: linalg.generic {{.*}} ins(%{{.*}} : i32) outs(%[[D]] : memref<8x16xi32
// CHECK:      linalg.generic {{.*}} ins(%[[A]], %[[B]], %{{.*}}, %{{.*}} : memref<8x64xi8, #snax.memory_space<l1>>, memref<64x16xi8, #snax.memory_space<l1>>, i32, i32) outs(%[[D]] : memref<8x16xi32
// CHECK:      kernel.qmac
// CHECK:      linalg.generic {{.*}} ins(%[[D]], %{{.*}} : memref<8x16xi32, #snax.memory_space<l1>>, memref<16xi32, #snax.memory_space<l1>>) outs(%[[D]] : memref<8x16xi32
// CHECK:      linalg.generic {{.*}} ins(%[[D]] : memref<8x16xi32, #snax.memory_space<l1>>) outs(%[[R]] : memref<8x16xi8
// CHECK:      %[[SRC:.*]] = arith.constant 268438016 : i32
// CHECK-NEXT: %[[DST:.*]] = arith.constant 268436608 : i32
// CHECK-NEXT: %[[T:.*]] = dma.start %[[SRC]] to %[[DST]] elem_bytes 16 src <bounds = [1], strides = [16]> dst <bounds = [1], strides = [16]>
// CHECK-NEXT: dma.wait %[[T]]
// CHECK-NOT:  linalg.generic
// CHECK:      func.return
func.func @dense_row() {
  %a = snax.static_alloc offset 0 : memref<1x64xi8, #snax.memory_space<l1>>
  %b = snax.static_alloc offset 64 : memref<64x16xi8, #snax.memory_space<l1>>
  %bias = snax.static_alloc offset 1088 : memref<16xi32, #snax.memory_space<l1>>
  %out = snax.static_alloc offset 1152 : memref<1x16xi8, #snax.memory_space<l1>>
  %d = snax.static_alloc offset 1984 : memref<1x16xi32, #snax.memory_space<l1>>
  %zero = arith.constant 0 : i32
  %za = arith.constant -4 : i32
  linalg.generic {indexing_maps = [#s, #mn], iterator_types = ["parallel", "parallel"]} ins(%zero : i32) outs(%d : memref<1x16xi32, #snax.memory_space<l1>>) {
  ^bb0(%in: i32, %o: i32):
    linalg.yield %in : i32
  }
  linalg.generic {indexing_maps = [#mk, #kn, #s3, #s3, #mnk], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b, %za, %zero : memref<1x64xi8, #snax.memory_space<l1>>, memref<64x16xi8, #snax.memory_space<l1>>, i32, i32) outs(%d : memref<1x16xi32, #snax.memory_space<l1>>) {
  ^bb0(%x: i8, %y: i8, %zx: i32, %zy: i32, %acc: i32):
    %r = kernel.qmac %x, %y zp %zx, %zy acc %acc : i8, i8, i32, i32, i32 -> i32
    linalg.yield %r : i32
  }
  linalg.generic {indexing_maps = [#mn, #n, #mn], iterator_types = ["parallel", "parallel"]} ins(%d, %bias : memref<1x16xi32, #snax.memory_space<l1>>, memref<16xi32, #snax.memory_space<l1>>) outs(%d : memref<1x16xi32, #snax.memory_space<l1>>) {
  ^bb0(%x: i32, %y: i32, %o: i32):
    %r = kernel.add %x, %y : i32, i32 -> i32
    linalg.yield %r : i32
  }
  linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]} ins(%d : memref<1x16xi32, #snax.memory_space<l1>>) outs(%out : memref<1x16xi8, #snax.memory_space<l1>>) {
  ^bb0(%x: i32, %o: i8):
    %r = kernel.rescale %x zp 0 mul 1073741824 shift 40 out_zp -1 clamp -128, 127 : i32 -> i8
    linalg.yield %r : i8
  }
  %t = dma.start %out to %out elem_bytes 16 src <bounds = [1], strides = [16]> dst <bounds = [1], strides = [16]> : memref<1x16xi8, #snax.memory_space<l1>> to memref<1x16xi8, #snax.memory_space<l1>>
  func.return
}

// K = 12 and N = 10 padded too (12 -> 16, 10 -> 16): A is copied into a buffer first
// filled with its zero point (0xfc bytes), B's rows and the bias into padded buffers.
// CHECK-LABEL: func.func @head(
// CHECK:      %[[A2:.*]] = snax.static_alloc offset 384 : memref<8x16xi8, #snax.memory_space<l1>>
// CHECK-NEXT: %[[W:.*]] = snax.static_alloc offset 384 : memref<16xi64, #snax.memory_space<l1>>
// CHECK-NEXT: arith.constant -217020518514230020 : i64
// CHECK:      memref.store
// CHECK-NEXT: %[[F:.*]] = dma.start %[[W]] to %[[W]] elem_bytes 8 src <bounds = [16], strides = [0]> dst <bounds = [16], strides = [8]>
// CHECK-NEXT: dma.wait %[[F]]
// CHECK-NEXT: arith.constant 268435456 : i32
// CHECK-NEXT: arith.constant 268435840 : i32
// CHECK-NEXT: %[[TA:.*]] = dma.start {{.*}} elem_bytes 4 src <bounds = [3], strides = [4]> dst <bounds = [3], strides = [4]>
// CHECK-NEXT: %[[B2:.*]] = snax.static_alloc offset 512 : memref<16x16xi8, #snax.memory_space<l1>>
// CHECK:      %[[TB:.*]] = dma.start {{.*}} elem_bytes 2 src <bounds = [12, 5], strides = [10, 2]> dst <bounds = [12, 5], strides = [16, 2]>
// CHECK-NEXT: %[[D2:.*]] = snax.static_alloc offset 768 : memref<8x16xi32, #snax.memory_space<l1>>
// CHECK-NEXT: %[[BI:.*]] = snax.static_alloc offset 1280 : memref<16xi32, #snax.memory_space<l1>>
// CHECK:      %[[TC:.*]] = dma.start {{.*}} elem_bytes 8 src <bounds = [5], strides = [8]> dst <bounds = [5], strides = [8]>
// CHECK-NEXT: %[[R2:.*]] = snax.static_alloc offset 1344 : memref<8x16xi8, #snax.memory_space<l1>>
// CHECK-NEXT: dma.wait %[[TA]], %[[TB]], %[[TC]]
// CHECK:      ins(%[[A2]], %[[B2]], {{.*}}) outs(%[[D2]]
// CHECK:      ins(%[[D2]], %[[BI]] : {{.*}}) outs(%[[D2]]
// CHECK:      ins(%[[D2]] : {{.*}}) outs(%[[R2]]
// CHECK:      arith.constant 268436800 : i32
// CHECK-NEXT: arith.constant 268435712 : i32
// CHECK-NEXT: dma.start {{.*}} elem_bytes 2 src <bounds = [5], strides = [2]> dst <bounds = [5], strides = [2]>
func.func @head() {
  %a = snax.static_alloc offset 0 : memref<1x12xi8, #snax.memory_space<l1>>
  %b = snax.static_alloc offset 64 : memref<12x10xi8, #snax.memory_space<l1>>
  %bias = snax.static_alloc offset 192 : memref<10xi32, #snax.memory_space<l1>>
  %out = snax.static_alloc offset 256 : memref<1x10xi8, #snax.memory_space<l1>>
  %d = snax.static_alloc offset 320 : memref<1x10xi32, #snax.memory_space<l1>>
  %zero = arith.constant 0 : i32
  %za = arith.constant -4 : i32
  linalg.generic {indexing_maps = [#s, #mn], iterator_types = ["parallel", "parallel"]} ins(%zero : i32) outs(%d : memref<1x10xi32, #snax.memory_space<l1>>) {
  ^bb0(%in: i32, %o: i32):
    linalg.yield %in : i32
  }
  linalg.generic {indexing_maps = [#mk, #kn, #s3, #s3, #mnk], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b, %za, %zero : memref<1x12xi8, #snax.memory_space<l1>>, memref<12x10xi8, #snax.memory_space<l1>>, i32, i32) outs(%d : memref<1x10xi32, #snax.memory_space<l1>>) {
  ^bb0(%x: i8, %y: i8, %zx: i32, %zy: i32, %acc: i32):
    %r = kernel.qmac %x, %y zp %zx, %zy acc %acc : i8, i8, i32, i32, i32 -> i32
    linalg.yield %r : i32
  }
  linalg.generic {indexing_maps = [#mn, #n, #mn], iterator_types = ["parallel", "parallel"]} ins(%d, %bias : memref<1x10xi32, #snax.memory_space<l1>>, memref<10xi32, #snax.memory_space<l1>>) outs(%d : memref<1x10xi32, #snax.memory_space<l1>>) {
  ^bb0(%x: i32, %y: i32, %o: i32):
    %r = kernel.add %x, %y : i32, i32 -> i32
    linalg.yield %r : i32
  }
  linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]} ins(%d : memref<1x10xi32, #snax.memory_space<l1>>) outs(%out : memref<1x10xi8, #snax.memory_space<l1>>) {
  ^bb0(%x: i32, %o: i8):
    %r = kernel.rescale %x zp 0 mul 1073741824 shift 40 out_zp -1 clamp -128, 127 : i32 -> i8
    linalg.yield %r : i8
  }
  %t = dma.start %out to %out elem_bytes 2 src <bounds = [5], strides = [2]> dst <bounds = [5], strides = [2]> : memref<1x10xi8, #snax.memory_space<l1>> to memref<1x10xi8, #snax.memory_space<l1>>
  func.return
}

// Aligned matmuls are left alone.
// CHECK-LABEL: func.func @aligned(
// CHECK-NOT:  dma.start
// CHECK:      ins(%{{.*}}, %{{.*}} : memref<8x8xi8, #snax.memory_space<l1>>, memref<8x8xi8, #snax.memory_space<l1>>) outs(%{{.*}} : memref<8x8xi32
func.func @aligned() {
  %a = snax.static_alloc offset 0 : memref<8x8xi8, #snax.memory_space<l1>>
  %b = snax.static_alloc offset 64 : memref<8x8xi8, #snax.memory_space<l1>>
  %d = snax.static_alloc offset 128 : memref<8x8xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#mk, #kn, #mnk], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<8x8xi8, #snax.memory_space<l1>>, memref<8x8xi8, #snax.memory_space<l1>>) outs(%d : memref<8x8xi32, #snax.memory_space<l1>>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %r = kernel.mac %x, %y, %acc : i8, i8, i32 -> i32
    linalg.yield %r : i32
  }
  func.return
}
