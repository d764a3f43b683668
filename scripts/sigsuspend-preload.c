/*
 * `make profile` only: lets valgrind 3.19 run verifyd. libdispatch's main thread (Swift's async main ends in
 * dispatch_main) calls sigsuspend with a mask in read-only memory, and valgrind's rt_sigsuspend wrapper writes into
 * that mask, so its core dies with SIGSEGV. Preloaded, this sigsuspend passes a copy on the stack instead.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, (size_t)8);
}
