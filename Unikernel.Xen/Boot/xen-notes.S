// The ELF notes the Xen domain builder reads (xen/include/public/elfnote.h). Owner "Xen".

        .macro xen_note type, body_start, body_end
        .balign 4
        .long 4                             // namesz: "Xen\0"
        .long \body_end - \body_start       // descsz
        .long \type
        .asciz "Xen"
        .endm

        .section .note.Xen, "a", @note

        xen_note 6, 1f, 2f                  // XEN_ELFNOTE_GUEST_OS
1:      .asciz "Unikernel.NET"
2:
        xen_note 5, 1f, 2f                  // XEN_ELFNOTE_XEN_VERSION
1:      .asciz "xen-3.0"
2:
        xen_note 8, 1f, 2f                  // XEN_ELFNOTE_LOADER
1:      .asciz "generic"
2:
        xen_note 3, 1f, 2f                  // XEN_ELFNOTE_VIRT_BASE
1:      .quad 0
2:
        xen_note 4, 1f, 2f                  // XEN_ELFNOTE_PADDR_OFFSET
1:      .quad 0
2:
        xen_note 1, 1f, 2f                  // XEN_ELFNOTE_ENTRY
1:      .quad _start
2:
        xen_note 2, 1f, 2f                  // XEN_ELFNOTE_HYPERCALL_PAGE
1:      .quad hypercall_page
2:
        xen_note 10, 1f, 2f                 // XEN_ELFNOTE_FEATURES
1:      .asciz "!writable_page_tables"
2:
        .balign 4
