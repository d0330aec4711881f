// RUN: snax-opt %s -p "lower-dma{dims=2}" --verify-diagnostics | filecheck %s

func.func @too_many_loops(%a: i32, %b: i32) {
  %t = dma.start %a to %b elem_bytes 1
      src <bounds = [2, 2, 2], strides = [1000, 100, 10]>
      dst <bounds = [8], strides = [1]> : i32 to i32
  dma.wait %t
  func.return
}
// CHECK: dma.start: a pattern needs 3 loops after merging contiguous dims, the DMA has 2
