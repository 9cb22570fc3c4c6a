// Hand-written Mach-O arm64 assembly standing in for the osx-arm64 code generator: an exported function that calls a
// hidden one and the C library's printf and reads a global; the hidden function must stay out of the exports.
	.section __TEXT,__text,regular,pure_instructions
	.globl _answer
	.p2align 2
_answer:
	stp x29, x30, [sp, #-16]!
	mov x29, sp
	adrp x0, l_greeting@PAGE
	add x0, x0, l_greeting@PAGEOFF
	bl _printf
	bl _helper
	adrp x8, _counter@PAGE
	ldr x8, [x8, _counter@PAGEOFF]
	add x0, x0, x8
	ldp x29, x30, [sp], #16
	ret

	.private_extern _helper
	.globl _helper
	.p2align 2
_helper:
	mov x0, #35
	ret

	.section __TEXT,__cstring,cstring_literals
l_greeting:
	.asciz "hello\n"

	.section __DATA,__data
	.p2align 3
_counter:
	.quad 7

.subsections_via_symbols
