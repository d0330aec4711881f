// RUN: snax-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @narrowing(%a: i32, %b: i32) -> i8 {
  %0 = kernel.add %a, %b : i32, i32 -> i8
  func.return %0 : i8
}
// CHECK: operand type i32 is wider than the result type i8

// -----

func.func @mac_acc(%a: i8, %b: i8, %acc: i16) -> i32 {
  %0 = "kernel.mac"(%a, %b, %acc) : (i8, i8, i16) -> i32
  func.return %0 : i32
}
// CHECK: accumulator and result types must be equal

// -----

func.func @clamp(%x: i32) -> i8 {
  %0 = kernel.rescale %x zp 0 mul 1 shift 0 out_zp 0 clamp 0, 300 : i32 -> i8
  func.return %0 : i8
}
// CHECK: clamp range [0, 300] must be ordered and inside [-128, 127] of i8

// -----

func.func @shift(%x: i32) -> i8 {
  %0 = kernel.rescale %x zp 0 mul 1 shift 64 out_zp 0 clamp -128, 127 : i32 -> i8
  func.return %0 : i8
}
// CHECK: shift must be in [0, 63], got 64

// -----

func.func @f32_scale(%x: i32) -> i8 {
  %0 = kernel.rescale_f32 %x scale 0xBF800000 out_zp 0 clamp -128, 127 : i32 -> i8
  func.return %0 : i8
}
// CHECK: scale_bits 0xbf800000 must be the bits of a positive normal float32

// -----

func.func @f32_subnormal(%x: i32) -> i8 {
  %0 = kernel.rescale_f32 %x scale 1 out_zp 0 clamp -128, 127 : i32 -> i8
  func.return %0 : i8
}
// CHECK: scale_bits 0x1 must be the bits of a positive normal float32

// -----

func.func @f32_clamp(%x: i32) -> i8 {
  %0 = kernel.rescale_f32 %x scale 0x3C23D70A out_zp 0 clamp 10, 5 : i32 -> i8
  func.return %0 : i8
}
// CHECK: clamp range [10, 5] must be ordered and inside [-128, 127] of i8

// -----

func.func @f32_wide(%x: i64) -> i8 {
  %0 = kernel.rescale_f32 %x scale 0x3C23D70A out_zp 0 clamp -128, 127 : i64 -> i8
  func.return %0 : i8
}
// CHECK: input type i64 is wider than i32

// -----

func.func @add_f32_inf(%a: i8, %b: i8) -> i8 {
  %0 = kernel.add_f32 %a, %b zp -128, -128 scales 0x7F800000, 0x3E800000 offset 0 out_zp -128 clamp -128, 127 : i8, i8 -> i8
  func.return %0 : i8
}
// CHECK: ra_bits 0x7f800000 must be the bits of a finite float32 below 2^100

// -----

func.func @add_f32_wide(%a: i32, %b: i8) -> i8 {
  %0 = kernel.add_f32 %a, %b zp -128, -128 scales 0x3F000000, 0x3E800000 offset 0 out_zp -128 clamp -128, 127 : i32, i8 -> i8
  func.return %0 : i8
}
// CHECK: kernel.add_f32 takes and gives i8, got i32
