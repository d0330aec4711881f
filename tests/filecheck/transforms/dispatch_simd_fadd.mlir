// RUN: snax-opt %s -p 'dispatch-simd{config="%S/inputs/two_accelerators.yaml"}' | filecheck %s

#id = affine_map<(d0) -> (d0)>

// kernel.add_f32 of 128 int8 elements: op 8 (fadd), int8 in and out, 2 output beats, the
// zero points, and rA / rB / F as float32 bits (F = -96.25 = 0xC2C08000, as a signed i32).
// CHECK-LABEL: func.func @add_f32(
// CHECK-NOT:  linalg.generic
// CHECK:      %[[OP:.*]] = arith.constant 8 : i32
// CHECK-NEXT: %[[IN32:.*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[OUT8:.*]] = arith.constant 1 : i32
// CHECK-NEXT: %[[BEATS:.*]] = arith.constant 2 : i32
// CHECK-NEXT: %{{.*}} = arith.constant 1 : i32
// CHECK-NEXT: %[[XZP:.*]] = arith.constant -128 : i32
// CHECK-NEXT: %[[YZP:.*]] = arith.constant -128 : i32
// CHECK:      %[[RA:.*]] = arith.constant 1056964608 : i32
// CHECK-NEXT: %[[RB:.*]] = arith.constant 1048576000 : i32
// CHECK-NEXT: %[[F:.*]] = arith.constant -1027571712 : i32
// CHECK:      accfg.setup "simd0" to ("op" = %[[OP]] : i32, "in_int32" = %[[IN32]] : i32, "out_int8" = %[[OUT8]] : i32, "out_beats" = %[[BEATS]] : i32
// CHECK-SAME: "x_zp" = %[[XZP]] : i32, "y_zp" = %[[YZP]] : i32
// CHECK-SAME: "scale_x" = %[[RA]] : i32, "scale_y" = %[[RB]] : i32, "offset" = %[[F]] : i32
// CHECK:      accfg.launch
// CHECK-NEXT: accfg.await
func.func @add_f32() {
  %x = snax.static_alloc offset 0 : memref<128xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 256 : memref<128xi8, #snax.memory_space<l1>>
  %z = snax.static_alloc offset 512 : memref<128xi8, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x, %y : memref<128xi8, #snax.memory_space<l1>>, memref<128xi8, #snax.memory_space<l1>>) outs(%z : memref<128xi8, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %o: i8):
    %0 = kernel.add_f32 %a, %b zp -128, -128 scales 0x3F000000, 0x3E800000 offset 0xC2C08000 out_zp -128 clamp -128, 127 : i8, i8 -> i8
    linalg.yield %0 : i8
  }
  func.return
}

// 40 elements: the 64 lanes do not divide them, the add stays on the core.
// CHECK-LABEL: func.func @add_f32_odd(
// CHECK-NOT:  accfg.setup
// CHECK:      kernel.add_f32
func.func @add_f32_odd() {
  %x = snax.static_alloc offset 0 : memref<40xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 256 : memref<40xi8, #snax.memory_space<l1>>
  %z = snax.static_alloc offset 512 : memref<40xi8, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x, %y : memref<40xi8, #snax.memory_space<l1>>, memref<40xi8, #snax.memory_space<l1>>) outs(%z : memref<40xi8, #snax.memory_space<l1>>) {
  ^bb0(%a: i8, %b: i8, %o: i8):
    %0 = kernel.add_f32 %a, %b zp -128, -128 scales 0x3F000000, 0x3E800000 offset 0xC2C08000 out_zp -128 clamp -128, 127 : i8, i8 -> i8
    linalg.yield %0 : i8
  }
  func.return
}
