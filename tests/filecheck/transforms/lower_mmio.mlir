// RUN: snax-opt %s -p lower-mmio | filecheck %s

// CHECK-LABEL: func.func @store_in_loop(
// CHECK: scf.for
// CHECK-NEXT: %[[V:.*]] = arith.index_cast
// CHECK-NEXT: %[[A:.*]] = arith.constant 536870916 : i32
// CHECK-NEXT: %[[P:.*]] = llvm.inttoptr %[[A]] : i32 to !llvm.ptr
// CHECK-NEXT: llvm.store volatile %[[V]], %[[P]] {alignment = 4 : i64} : i32, !llvm.ptr
// CHECK-NOT: snax.mmio
func.func @store_in_loop(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %v = arith.index_cast %i : index to i32
    snax.mmio_store %v to 0x20000004 : i32
  }
  func.return
}

// Loads keep a marker the backend turns into upstream's volatile flag. An address at or
// above 2^31 is the same 32 bits as a negative i32 constant.
// CHECK-LABEL: func.func @load(
// CHECK-NEXT: %[[A:.*]] = arith.constant -2147483648 : i32
// CHECK-NEXT: %[[P:.*]] = llvm.inttoptr %[[A]] : i32 to !llvm.ptr
// CHECK-NEXT: %[[R:.*]] = llvm.load %[[P]] {snax.volatile, alignment = 4 : i64} : !llvm.ptr -> i32
// CHECK-NEXT: func.return %[[R]] : i32
func.func @load() -> i32 {
  %r = snax.mmio_load 0x80000000 : i32
  func.return %r : i32
}
