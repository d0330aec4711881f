// RUN: snax-opt %s -p recognize-rescale | filecheck %s

#id = affine_map<(i) -> (i)>

// The full chain, constants outside the body (as canonicalisation leaves them).
// CHECK-LABEL: func.func @full(
// CHECK: ^bb0(%[[X:.*]]: i32, %{{.*}}: i8):
// CHECK-NEXT: %[[R:.*]] = kernel.rescale %[[X]] zp 3 mul 1518500250 shift 40 out_zp -5 clamp -128, 127 : i32 -> i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
func.func @full(%x: memref<64xi32>, %y: memref<64xi8>) {
  %zp = arith.constant 3 : i64
  %m = arith.constant 1518500250 : i64
  %half = arith.constant 549755813888 : i64
  %s = arith.constant 40 : i64
  %oz = arith.constant -5 : i64
  %lo = arith.constant -128 : i64
  %hi = arith.constant 127 : i64
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : memref<64xi32>) outs(%y : memref<64xi8>) {
  ^bb0(%in: i32, %out: i8):
    %0 = arith.extsi %in : i32 to i64
    %1 = arith.subi %0, %zp : i64
    %2 = arith.muli %1, %m : i64
    %3 = arith.addi %2, %half : i64
    %4 = arith.shrsi %3, %s : i64
    %5 = arith.addi %4, %oz : i64
    %6 = arith.maxsi %5, %lo : i64
    %7 = arith.minsi %6, %hi : i64
    %8 = arith.trunci %7 : i64 to i8
    linalg.yield %8 : i8
  }
  func.return
}

// No shift, no zero points, clamp bounds in the other order, constants in the body.
// CHECK-LABEL: func.func @minimal(
// CHECK: kernel.rescale %{{.*}} zp 0 mul 3 shift 0 out_zp 0 clamp 0, 100 : i32 -> i8
func.func @minimal(%x: memref<64xi32>, %y: memref<64xi8>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : memref<64xi32>) outs(%y : memref<64xi8>) {
  ^bb0(%in: i32, %out: i8):
    %m = arith.constant 3 : i64
    %lo = arith.constant 0 : i64
    %hi = arith.constant 100 : i64
    %0 = arith.extsi %in : i32 to i64
    %2 = arith.muli %m, %0 : i64
    %7 = arith.minsi %2, %hi : i64
    %6 = arith.maxsi %7, %lo : i64
    %8 = arith.trunci %6 : i64 to i8
    linalg.yield %8 : i8
  }
  func.return
}

// Rounding constant that is not 2^(shift-1): not the kernel's rounding, left alone.
// CHECK-LABEL: func.func @wrong_rounding(
// CHECK-NOT: kernel.rescale
// CHECK: arith.shrsi
func.func @wrong_rounding(%x: memref<64xi32>, %y: memref<64xi8>) {
  %m = arith.constant 3 : i64
  %half = arith.constant 4 : i64
  %s = arith.constant 4 : i64
  %lo = arith.constant -128 : i64
  %hi = arith.constant 127 : i64
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : memref<64xi32>) outs(%y : memref<64xi8>) {
  ^bb0(%in: i32, %out: i8):
    %0 = arith.extsi %in : i32 to i64
    %2 = arith.muli %0, %m : i64
    %3 = arith.addi %2, %half : i64
    %4 = arith.shrsi %3, %s : i64
    %6 = arith.maxsi %4, %lo : i64
    %7 = arith.minsi %6, %hi : i64
    %8 = arith.trunci %7 : i64 to i8
    linalg.yield %8 : i8
  }
  func.return
}

// Something else in the body (the input is also stored elsewhere): left alone.
// CHECK-LABEL: func.func @extra_use(
// CHECK-NOT: kernel.rescale
// CHECK: func.return
func.func @extra_use(%x: memref<64xi32>, %y: memref<64xi8>, %z: memref<64xi64>) {
  %m = arith.constant 3 : i64
  %lo = arith.constant -128 : i64
  %hi = arith.constant 127 : i64
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x : memref<64xi32>) outs(%y, %z : memref<64xi8>, memref<64xi64>) {
  ^bb0(%in: i32, %out: i8, %o2: i64):
    %0 = arith.extsi %in : i32 to i64
    %2 = arith.muli %0, %m : i64
    %6 = arith.maxsi %2, %lo : i64
    %7 = arith.minsi %6, %hi : i64
    %8 = arith.trunci %7 : i64 to i8
    linalg.yield %8, %0 : i8, i64
  }
  func.return
}
