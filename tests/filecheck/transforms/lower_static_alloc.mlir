// RUN: snax-opt %s -p lower-static-alloc | filecheck %s
// RUN: snax-opt %s -p lower-static-alloc,strip-memory-spaces | filecheck %s --check-prefix=STRIP

// CHECK-LABEL: func.func @buffers(
// L1 buffer at TCDM base + 64 = 0x10000040.
// CHECK-NEXT: %[[A:.*]] = arith.constant 268435520 : i32
// CHECK-NEXT: %[[P:.*]] = llvm.inttoptr %[[A]] : i32 to !llvm.ptr
// CHECK-NEXT: %[[D0:.*]] = llvm.mlir.undef : !llvm.struct<(!llvm.ptr, !llvm.ptr, i32, !llvm.array<2 x i32>, !llvm.array<2 x i32>)>
// CHECK-NEXT: %[[D1:.*]] = llvm.insertvalue %[[P]], %[[D0]][0]
// CHECK-NEXT: %[[D2:.*]] = llvm.insertvalue %[[P]], %[[D1]][1]
// CHECK-NEXT: %[[OFF:.*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[D3:.*]] = llvm.insertvalue %[[OFF]], %[[D2]][2]
// CHECK-NEXT: %[[S0:.*]] = arith.constant 4 : i32
// CHECK-NEXT: %[[D4:.*]] = llvm.insertvalue %[[S0]], %[[D3]][3, 0]
// CHECK-NEXT: %[[T0:.*]] = arith.constant 8 : i32
// CHECK-NEXT: %[[D5:.*]] = llvm.insertvalue %[[T0]], %[[D4]][4, 0]
// CHECK-NEXT: %[[S1:.*]] = arith.constant 8 : i32
// CHECK-NEXT: %[[D6:.*]] = llvm.insertvalue %[[S1]], %[[D5]][3, 1]
// CHECK-NEXT: %[[T1:.*]] = arith.constant 1 : i32
// CHECK-NEXT: %[[D7:.*]] = llvm.insertvalue %[[T1]], %[[D6]][4, 1]
// CHECK-NEXT: %{{.*}} = builtin.unrealized_conversion_cast %[[D7]] : {{.*}} to memref<4x8xi8, #snax.memory_space<l1>>
// L3 buffer at L3 base + 4096 = 0x80001000 (a negative i32).
// CHECK: arith.constant -2147479552 : i32
// CHECK-NOT: snax.static_alloc

// STRIP-LABEL: func.func @buffers(
// STRIP: builtin.unrealized_conversion_cast %{{.*}} to memref<4x8xi8>
// STRIP: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x8xi8>
// STRIP: builtin.unrealized_conversion_cast %{{.*}} to memref<16xi32>
// STRIP-NOT: #snax.memory_space
func.func @buffers(%v: i8, %i: index) {
  %a = snax.static_alloc offset 64 : memref<4x8xi8, #snax.memory_space<l1>>
  memref.store %v, %a[%i, %i] : memref<4x8xi8, #snax.memory_space<l1>>
  %b = snax.static_alloc offset 4096 : memref<16xi32, #snax.memory_space<l3>>
  func.return
}
