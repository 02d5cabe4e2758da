// SPDX-License-Identifier: GPL-2.0
/* TCP connections from the inet_sock_set_state tracepoint (tp_btf, so no
 * tracefs is needed): inbound
 * accepts (SYN_RECV -> ESTABLISHED) and outbound connects (SYN_SENT ->
 * ESTABLISHED), IPv4 and IPv6, with local and peer address and port.
 *
 * Both completing transitions run in softirq context, where the current
 * task is whatever was running. So an outbound connect takes its process
 * from the CLOSE -> SYN_SENT transition, which runs in the connecting
 * task, remembered per socket; an inbound accept carries no process and
 * user space attributes it to the listening socket's owner (/proc).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ring_wakeup.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_CLOSE 7
#define COMM_LEN 16

/* Shared with collector/src/ebpf/tcp_event.rs: keep the two in step. */
struct tcp_event {
	__u64 boot_ns;
	__u32 pid;
	__u16 family;
	__u16 local_port;
	__u16 peer_port;
	/* 0: inbound (this host accepted), 1: outbound (this host connected). */
	__u8 outbound;
	__u8 pad[5];
	__u8 local_addr[16];
	__u8 peer_addr[16];
	char comm[COMM_LEN];
};

struct connector {
	__u32 pid;
	char comm[COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} tcp_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} tcp_lost SEC(".maps");

/* Connecting sockets and their task; LRU so sockets that never complete age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct connector);
} connecting SEC(".maps");

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(temper_tcp, const struct sock *sk, const int old, const int new)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__u64 sock = (__u64)sk;

	if (old == TCP_CLOSE && new == TCP_SYN_SENT) {
		struct connector who = { .pid = bpf_get_current_pid_tgid() >> 32 };
		bpf_get_current_comm(&who.comm, sizeof(who.comm));
		bpf_map_update_elem(&connecting, &sock, &who, BPF_ANY);
		return 0;
	}
	if (new != TCP_ESTABLISHED || (old != TCP_SYN_RECV && old != TCP_SYN_SENT))
		return 0;

	struct tcp_event *event = bpf_ringbuf_reserve(&tcp_events, sizeof(*event), 0);
	if (!event) {
		__u32 zero = 0;
		__u64 *lost = bpf_map_lookup_elem(&tcp_lost, &zero);
		if (lost)
			*lost += 1;
		return 0;
	}
	__builtin_memset(event, 0, sizeof(*event));
	event->boot_ns = bpf_ktime_get_boot_ns();
	event->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	/* skc_num is in host order, skc_dport in network order. */
	event->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	event->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	event->outbound = old == TCP_SYN_SENT;
	if (event->family == AF_INET6) {
		BPF_CORE_READ_INTO(&event->local_addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&event->peer_addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		BPF_CORE_READ_INTO((__u32 *)event->local_addr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)event->peer_addr, sk, __sk_common.skc_daddr);
	}
	if (event->outbound) {
		struct connector *who = bpf_map_lookup_elem(&connecting, &sock);
		if (who) {
			event->pid = who->pid;
			__builtin_memcpy(event->comm, who->comm, COMM_LEN);
			bpf_map_delete_elem(&connecting, &sock);
		}
	}
	bpf_ringbuf_submit(event, wakeup_flags(&tcp_events));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
