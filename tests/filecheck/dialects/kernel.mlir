// RUN: snax-opt %s | snax-opt | filecheck %s
// RUN: snax-opt %s --print-op-generic | snax-opt | filecheck %s

// CHECK-LABEL: func.func @kernels(
func.func @kernels(%a: i8, %b: i8, %acc: i32, %za: i32, %zb: i32, %x: i32) -> (i8, i32, i8, i8, i8, i32, i32, i8, i8) {
  // CHECK-NEXT: %{{.*}} = kernel.add %{{.*}}, %{{.*}} : i8, i8 -> i8
  %0 = kernel.add %a, %b : i8, i8 -> i8
  // CHECK-NEXT: %{{.*}} = kernel.add %{{.*}}, %{{.*}} : i8, i32 -> i32
  %1 = kernel.add %a, %acc : i8, i32 -> i32
  // CHECK-NEXT: %{{.*}} = kernel.mul %{{.*}}, %{{.*}} : i8, i8 -> i8
  %2 = kernel.mul %a, %b : i8, i8 -> i8
  // CHECK-NEXT: %{{.*}} = kernel.max %{{.*}}, %{{.*}} : i8, i8 -> i8
  %3 = kernel.max %a, %b : i8, i8 -> i8
  // CHECK-NEXT: %{{.*}} = kernel.relu %{{.*}} : i8
  %4 = kernel.relu %a : i8
  // CHECK-NEXT: %{{.*}} = kernel.mac %{{.*}}, %{{.*}}, %{{.*}} : i8, i8, i32 -> i32
  %5 = kernel.mac %a, %b, %acc : i8, i8, i32 -> i32
  // CHECK-NEXT: %{{.*}} = kernel.qmac %{{.*}}, %{{.*}} zp %{{.*}}, %{{.*}} acc %{{.*}} : i8, i8, i32, i32, i32 -> i32
  %6 = kernel.qmac %a, %b zp %za, %zb acc %acc : i8, i8, i32, i32, i32 -> i32
  // CHECK-NEXT: %{{.*}} = kernel.rescale %{{.*}} zp 0 mul 1518500250 shift 38 out_zp -128 clamp -128, 127 : i32 -> i8
  %7 = kernel.rescale %x zp 0 mul 1518500250 shift 38 out_zp -128 clamp -128, 127 : i32 -> i8
  // The float32 scale by its bits (hex accepted, printed in decimal): 0x3C23D70A is 0.01f.
  // CHECK-NEXT: %{{.*}} = kernel.rescale_f32 %{{.*}} scale 1008981770 out_zp -3 clamp -128, 100 : i32 -> i8
  %8 = kernel.rescale_f32 %x scale 0x3C23D70A out_zp -3 clamp -128, 100 : i32 -> i8
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8 : i8, i32, i8, i8, i8, i32, i32, i8, i8
}

// The float32 QLinearAdd: rA, rB, F by their bits (0.5, 0.25, -96.25; F negative).
// CHECK-LABEL: func.func @add_f32(
// CHECK-NEXT: %{{.*}} = kernel.add_f32 %{{.*}}, %{{.*}} zp -128, -128 scales 1056964608, 1048576000 offset 3267395584 out_zp -128 clamp -128, 127 : i8, i8 -> i8
func.func @add_f32(%a: i8, %b: i8) -> i8 {
  %0 = kernel.add_f32 %a, %b zp -128, -128 scales 0x3F000000, 0x3E800000 offset 0xC2C08000 out_zp -128 clamp -128, 127 : i8, i8 -> i8
  func.return %0 : i8
}
