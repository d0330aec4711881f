// RUN: snax-opt %s -p lower-accfg --split-input-file --verify-diagnostics | filecheck %s

"accfg.accelerator"() <{name = @simd0, fields = {op = 0x20011100 : i32}, launch_fields = {launch = 0x20011000 : i32}, barrier = 0x20011004 : i32}> : () -> ()
func.func @unknown_field(%v: i32) {
  %s = accfg.setup "simd0" to ("opcode" = %v : i32) : !accfg.state<"simd0">
  func.return
}
// CHECK: lower-accfg: accelerator 'simd0' has no field 'opcode'

// -----

func.func @undeclared(%v: i32) {
  %s = accfg.setup "gemm9" to ("k" = %v : i32) : !accfg.state<"gemm9">
  func.return
}
// CHECK: lower-accfg: accfg.setup of accelerator 'gemm9', which no accfg.accelerator declares

// -----

"accfg.accelerator"() <{name = @simd0, fields = {op = 0x20011100 : i32}, launch_fields = {launch = 0x20011000 : i32}, barrier = 0x20011004 : i32}> : () -> ()
func.func @wide(%v: i64) {
  %s = accfg.setup "simd0" to ("op" = %v : i64) : !accfg.state<"simd0">
  func.return
}
// CHECK: lower-accfg: a register value of type i64 does not fit 32 bits
