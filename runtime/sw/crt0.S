/* snaxc control-core start-up code (RV32IM, Ibex).
 *
 * Ibex boots at boot address + 0x80 (boot address 0) with mtvec = boot address in vectored
 * mode. Ibex implements only the vectored mode (mtvec.MODE is hardwired to 1 and the base
 * is 256-byte aligned): every exception enters at base + 0 and interrupt i at base + 4*i.
 * The 32-entry table below therefore fills 0x00..0x7f exactly and sends everything to the
 * trap reporter, which is also installed explicitly in mtvec before anything else runs.
 *
 * The loader writes every loadable segment (.text, .rodata, .data, .l3), so nothing is
 * copied here; .bss is zeroed because a core memory may hold data from a previous program.
 * Addresses of the control block come from symbols defined by the generated linker script.
 */

    .section .vectors, "ax"
    .option norvc
    .globl __snax_vectors
__snax_vectors:
    .rept 32
    j __snax_trap
    .endr

    .section .text.start, "ax"
    .globl _start
    .type _start, @function
_start:
    la      t0, __snax_vectors
    ori     t0, t0, 1               /* MODE = vectored, the only mode Ibex implements */
    csrw    mtvec, t0
    la      sp, __stack_top
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      a0, __bss_start
    la      a1, __bss_end
1:  bgeu    a0, a1, 2f
    sw      zero, 0(a0)
    addi    a0, a0, 4
    j       1b
2:  li      a0, 0                   /* argc */
    li      a1, 0                   /* argv */
    call    main
    la      t0, __snax_ctrl_exit
    sw      a0, 0(t0)               /* EXIT: ends the simulation with main's return value */
3:  wfi
    j       3b
    .size _start, . - _start

/* Trap reporter: hands mcause, mepc and mtval to the control block. Writing TRAP_TVAL
 * ends the simulation, so it is written last. Nothing is saved: a trap is fatal. */
    .section .text.trap, "ax"
    .balign 4
    .globl __snax_trap
    .type __snax_trap, @function
__snax_trap:
    csrr    t0, mcause
    csrr    t1, mepc
    csrr    t2, mtval
    la      t3, __snax_ctrl_trap_cause
    sw      t0, 0(t3)
    la      t3, __snax_ctrl_trap_pc
    sw      t1, 0(t3)
    la      t3, __snax_ctrl_trap_tval
    sw      t2, 0(t3)
4:  wfi
    j       4b
    .size __snax_trap, . - __snax_trap
