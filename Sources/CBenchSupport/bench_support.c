#define _GNU_SOURCE
#include "bench_support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>

int trtc_bench_pin_thread(pid_t tid, int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(tid, sizeof set, &set) == 0 ? 0 : errno;
}

enum { BATCH = 64, SLICE = 2048, MAX_PORTS = 512 };

long trtc_bench_forward_batch(int fd, const uint16_t *ports, int port_count) {
    static __thread unsigned char buffers[BATCH][SLICE];
    struct iovec receive_vectors[BATCH];
    struct mmsghdr receive_headers[BATCH];
    memset(receive_headers, 0, sizeof receive_headers);
    for (int i = 0; i < BATCH; i++) {
        receive_vectors[i].iov_base = buffers[i];
        receive_vectors[i].iov_len = SLICE;
        receive_headers[i].msg_hdr.msg_iov = &receive_vectors[i];
        receive_headers[i].msg_hdr.msg_iovlen = 1;
    }
    int received = recvmmsg(fd, receive_headers, BATCH, MSG_WAITFORONE, NULL);
    if (received <= 0) return -errno;
    if (port_count > MAX_PORTS) port_count = MAX_PORTS;

    struct sockaddr_in targets[MAX_PORTS];
    for (int t = 0; t < port_count; t++) {
        memset(&targets[t], 0, sizeof targets[t]);
        targets[t].sin_family = AF_INET;
        targets[t].sin_port = htons(ports[t]);
        targets[t].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    long sent_total = 0;
    struct iovec send_vectors[BATCH];
    struct mmsghdr send_headers[BATCH];
    // One sendmmsg per destination and batch: the batch's datagrams to that destination.
    for (int t = 0; t < port_count; t++) {
        memset(send_headers, 0, sizeof(struct mmsghdr) * received);
        for (int i = 0; i < received; i++) {
            send_vectors[i].iov_base = buffers[i];
            send_vectors[i].iov_len = receive_headers[i].msg_len;
            send_headers[i].msg_hdr.msg_iov = &send_vectors[i];
            send_headers[i].msg_hdr.msg_iovlen = 1;
            send_headers[i].msg_hdr.msg_name = &targets[t];
            send_headers[i].msg_hdr.msg_namelen = sizeof targets[t];
        }
        int offset = 0;
        while (offset < received) {
            int sent = sendmmsg(fd, send_headers + offset, received - offset, 0);
            if (sent <= 0) break;
            offset += sent;
        }
        sent_total += offset;
    }
    return sent_total;
}
