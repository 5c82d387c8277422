package manifest

import "syscall"

// sysFstatat is fstatat(2)'s number here.
const sysFstatat = syscall.SYS_FSTATAT
