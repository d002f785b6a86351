package syscalls

// Native is the ABI of this build.
const Native = ArchAArch64
