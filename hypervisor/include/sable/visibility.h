/*
 * Included first in every hypervisor C file. The image is linked at
 * 0xffff82d080000000, outside the range -mcmodel=kernel can reach, so code is
 * compiled position-independent; hidden visibility tells the compiler that
 * every symbol is resolved inside this one image, so it emits direct
 * RIP-relative references instead of going through a GOT.
 */
#pragma GCC visibility push(hidden)
