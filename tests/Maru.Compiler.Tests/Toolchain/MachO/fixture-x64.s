# Hand-written Mach-O x86-64 assembly standing in for the osx-x64 code generator: an exported function that calls a
# hidden one and the C library's printf and reads a global; the hidden function must stay out of the exports.
	.section __TEXT,__text,regular,pure_instructions
	.globl _answer
	.p2align 4
_answer:
	pushq %rbp
	movq %rsp, %rbp
	leaq L_greeting(%rip), %rdi
	xorl %eax, %eax
	callq _printf
	callq _helper
	addq _counter(%rip), %rax
	popq %rbp
	retq

	.private_extern _helper
	.globl _helper
	.p2align 4
_helper:
	movl $35, %eax
	retq

	.section __TEXT,__cstring,cstring_literals
L_greeting:
	.asciz "hello\n"

	.section __DATA,__data
	.p2align 3
_counter:
	.quad 7

.subsections_via_symbols
