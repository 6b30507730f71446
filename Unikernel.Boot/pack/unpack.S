// The entry of a self-extracting image (`ukboot pack`, Unikernel.Image.targets with UnikernelCompressImage):
// the loader maps the image's segments empty (zero-filled) and loads this stub with the compressed segments
// after it; the stub expands each segment in place and jumps to the image's own entry with the registers it
// was entered with (rsi, rsp), as if the loader had loaded the segments itself. Position-independent: it is
// copied out as raw bytes and runs wherever the packer puts it. Assembled with llvm-mc.
//
// Header (after the stub, 8-aligned): u64 entry, u64 count, count x { u64 address, u64 size }, then count
// streams, each decoded until it has written its segment's size. A stream is a run of sequences: a token
// (literal count in its high nibble, match length - 4 in its low one; 15 = more in following bytes, each
// added until one is not 255), the literals, and then, unless the segment is full, a 16-bit offset back
// into the output and the match length's extra bytes.
        .text
        .globl uk_unpack
uk_unpack:
        cld
        pushq %rsi                          // the loader's argument register: the image's entry gets it back
        leaq uk_unpack_header(%rip), %rsi
        movq 8(%rsi), %r9                   // segments left
        leaq 16(%rsi), %r10                 // next { address, size }
        movq %r9, %rax
        shlq $4, %rax
        leaq (%r10,%rax), %rsi              // the first stream
1:      testq %r9, %r9
        jz 9f
        movq (%r10), %rdi                   // output
        movq 8(%r10), %r11
        addq %rdi, %r11                     // output end
        addq $16, %r10
        decq %r9
2:      cmpq %r11, %rdi
        jae 1b
        movzbl (%rsi), %eax                 // token
        incq %rsi
        movl %eax, %ecx
        shrl $4, %ecx                       // literals
        call 5f
        rep movsb
        cmpq %r11, %rdi
        jae 1b
        movzwl (%rsi), %edx                 // offset
        addq $2, %rsi
        movl %eax, %ecx
        andl $15, %ecx                      // match length - 4
        call 5f
        addl $4, %ecx
        movq %rsi, %r8
        movq %rdi, %rsi
        subq %rdx, %rsi
        rep movsb                           // forward byte by byte, so an overlapping match repeats
        movq %r8, %rsi
        jmp 2b
// ecx += the extra length bytes when it is 15
5:      cmpl $15, %ecx
        jne 7f
6:      movzbl (%rsi), %r8d
        incq %rsi
        addl %r8d, %ecx
        cmpl $255, %r8d
        je 6b
7:      ret
9:      leaq uk_unpack_header(%rip), %rax
        popq %rsi
        jmpq *(%rax)
        .balign 8
uk_unpack_header:
