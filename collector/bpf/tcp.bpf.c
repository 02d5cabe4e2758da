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

/* A v6 address, read a 32-bit word at a time: tp_btf arguments are BTF
 * pointers the program may load from directly, but only in loads no wider
 * than the field's element. */
static __always_inline void copy_in6(__u8 *to, const struct in6_addr *from)
{
	__u32 *words = (__u32 *)to;
	words[0] = from->in6_u.u6_addr32[0];
	words[1] = from->in6_u.u6_addr32[1];
	words[2] = from->in6_u.u6_addr32[2];
	words[3] = from->in6_u.u6_addr32[3];
}

/* Fields are read directly, not with BPF_CORE_READ: this runs on every
 * state change of every socket, and a probe_read helper call per field
 * was most of its cost during a connect storm. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(temper_tcp, const struct sock *sk, const int old, const int new)
{
	if (sk->sk_protocol != IPPROTO_TCP)
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
	const struct sock_common *common = &sk->__sk_common;
	event->boot_ns = bpf_ktime_get_boot_ns();
	event->family = common->skc_family;
	/* skc_num is in host order, skc_dport in network order. */
	event->local_port = common->skc_num;
	event->peer_port = bpf_ntohs(common->skc_dport);
	event->outbound = old == TCP_SYN_SENT;
	if (event->family == AF_INET6) {
		copy_in6(event->local_addr, &common->skc_v6_rcv_saddr);
		copy_in6(event->peer_addr, &common->skc_v6_daddr);
	} else {
		*(__u32 *)event->local_addr = common->skc_rcv_saddr;
		*(__u32 *)event->peer_addr = common->skc_daddr;
	}
	if (event->outbound) {
		struct connector *who = bpf_map_lookup_elem(&connecting, &sock);
		if (who) {
			event->pid = who->pid;
			__builtin_memcpy(event->comm, who->comm, COMM_LEN);
			bpf_map_delete_elem(&connecting, &sock);
		}
	}
	bpf_ringbuf_submit(event, wakeup_flags_reserved(&tcp_events, sizeof(*event)));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
