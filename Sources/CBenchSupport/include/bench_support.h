#ifndef TRTC_BENCH_SUPPORT_H
#define TRTC_BENCH_SUPPORT_H

#include <stdint.h>
#include <sys/types.h>

/// recvmmsg/sendmmsg, mmsghdr and sched_setaffinity need _GNU_SOURCE, which Swift's Glibc module is built without:
/// these few functions are compiled with it instead.

/// Pins thread `tid` to CPU `cpu`. 0 on success, else errno.
int trtc_bench_pin_thread(pid_t tid, int cpu);

/// Receives up to 64 datagrams on `fd` (waiting at most for the first, per SO_RCVTIMEO) and sends each to every
/// 127.0.0.1 port of `ports`. Returns the copies sent (≥ 0), or -errno when nothing was received.
long trtc_bench_forward_batch(int fd, const uint16_t *ports, int port_count);

#endif
