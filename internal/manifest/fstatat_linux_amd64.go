package manifest

import "syscall"

// sysFstatat is fstatat(2)'s number here (package syscall exports no
// Fstatat on amd64).
const sysFstatat = syscall.SYS_NEWFSTATAT
