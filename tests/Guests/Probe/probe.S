// Faulting instructions for the probe guest's trap tests.
        .text
        .globl probe_ud2
probe_ud2:
        ud2
        ret
        .globl probe_hlt
probe_hlt:
        hlt
        ret
