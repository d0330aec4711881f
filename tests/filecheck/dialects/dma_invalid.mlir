// RUN: snax-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @count_mismatch(%a: i32, %b: i32) {
  %t = dma.start %a to %b elem_bytes 8
      src <bounds = [4, 8], strides = [64, 8]>
      dst <bounds = [31], strides = [8]> : i32 to i32
  dma.wait %t
  func.return
}
// CHECK: source moves 32 elements but destination receives 31

// -----

func.func @elem_size(%a: i32, %b: i32) {
  %t = dma.start %a to %b elem_bytes 3
      src <bounds = [4], strides = [3]>
      dst <bounds = [4], strides = [3]> : i32 to i32
  dma.wait %t
  func.return
}
// CHECK: elem_bytes must be a power of two in [1, 64], got 3

// -----

func.func @lengths(%a: i32, %b: i32) {
  %t = dma.start %a to %b elem_bytes 8
      src <bounds = [4, 2], strides = [8]>
      dst <bounds = [8], strides = [8]> : i32 to i32
  dma.wait %t
  func.return
}
// CHECK: 2 bounds but 1 strides

// -----

func.func @zero_bound(%a: i32, %b: i32) {
  %t = dma.start %a to %b elem_bytes 8
      src <bounds = [0], strides = [8]>
      dst <bounds = [0], strides = [8]> : i32 to i32
  dma.wait %t
  func.return
}
// CHECK: bounds must be positive, got [0]
