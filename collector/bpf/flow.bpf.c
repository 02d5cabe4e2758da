// SPDX-License-Identifier: GPL-2.0
/* Handshake bytes and new UDP flows from a TC classifier (TCX on 6.6+, a
 * clsact qdisc before). It never changes a packet: it always returns
 * TC_ACT_UNSPEC, so the next program or the stack decides as if it were
 * not there.
 *
 * What reaches user space (the ring buffer), and nothing else:
 *   - the first bytes of a TCP payload that starts like a message the
 *     dissectors read: a TLS handshake record (wherever it starts, so also
 *     after STARTTLS), an SSH banner and the KEXINIT after it, an SMB1/SMB2
 *     control command (NEGOTIATE, SESSION_SETUP, TREE_CONNECT, CREATE;
 *     never READ/WRITE), the first HTTP requests and responses of a
 *     connection (NTLM/Negotiate authentication happens there), an RDP
 *     X.224 connection request or confirm, Kerberos over TCP port 88;
 *     plus the rest of such a message when it spans packets;
 *   - each new UDP flow (either direction, once), and the datagrams of
 *     Kerberos over UDP port 88;
 *   - FIN and RST of a TCP flow that had a record, so user space closes it.
 * Bulk data never matches: it costs one header parse and one map lookup
 * per packet, and the bare ACKs coming back only the parse.
 *
 * Bounded: at most FLOW_BUDGET bytes per flow, and a per-CPU token bucket
 * (RATE_BYTES per second, BURST_BYTES deep) for everything; a record that
 * does not fit is counted in flow_lost and reported as coverage loss.
 *
 * On `lo` it is attached to ingress only, where every loopback packet
 * passes exactly once; elsewhere to ingress and egress.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ring_wakeup.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define AF_INET 2
#define AF_INET6 10

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* Bytes copied from one packet: enough for a ClientHello with post-quantum
 * key shares, a KEXINIT, an SMB SESSION_SETUP with a Kerberos ticket. */
#define MAX_COPY 8192
#define FLOW_BUDGET (64 * 1024)
/* HTTP messages read per direction: NTLM and Negotiate authenticate a
 * connection in its first three requests. */
#define HTTP_MESSAGES 4
#define KERBEROS_PORT 88
#define RATE_BYTES (4 * 1024 * 1024)
#define BURST_BYTES (1024 * 1024)
#define HEAD_LEN 24

/* Record kinds. Shared with collector/src/ebpf/flow_record.rs. */
#define KIND_CONTROL 0 /* FIN or RST of a flow that had records */
#define KIND_MESSAGE 1 /* the payload starts a protocol message */
#define KIND_CONTINUATION 2 /* the rest of the message before it */
#define KIND_UDP_FLOW 3 /* first datagram of a new UDP flow */
#define KIND_DATAGRAM 4 /* a later datagram worth reading (Kerberos) */

/* Shared with collector/src/ebpf/flow_record.rs: keep the two in step. */
struct flow_record {
	__u64 boot_ns;
	__u32 seq;
	/* The packet's whole payload length; `copied` of it follow. */
	__u32 wire_len;
	__u16 family;
	__u16 src_port;
	__u16 dst_port;
	__u16 copied;
	__u8 protocol;
	__u8 tcp_flags;
	__u8 kind;
	/* 0: unknown, 1: the sender is the connection's client, 2: its server. */
	__u8 from_client;
	__u8 egress;
	__u8 pad[3];
	__u8 src[16];
	__u8 dst[16];
	__u8 data[MAX_COPY];
};

#define RECORD_HEADER_LEN 64

/* A flow, the same key for both directions: side a is the lower address. */
struct flow_key {
	__u8 a[16];
	__u8 b[16];
	__u16 a_port;
	__u16 b_port;
	__u8 protocol;
	__u8 pad[3];
};

struct flow_state {
	__u32 copied;
	/* Per direction (0: a to b, 1: b to a): where a message that spans
	 * packets continues, and how many of its bytes are still to come. */
	__u32 cont_seq[2];
	__u32 cont_left[2];
	/* 0: unknown, 1: side a is the client, 2: side b. */
	__u8 client;
	__u8 ssh;
	__u8 kexinit[2];
	__u8 http[2];
	__u8 reported;
	__u8 pad;
};

/* Link-layer header length per interface index, set by user space from
 * the interface's type: TC programs see the packet from that header on,
 * and payload bytes must be read with bpf_skb_load_bytes, which (unlike
 * the network-relative helper) also reads the paged part of the packet,
 * where TCP payload usually is. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} link_header_len SEC(".maps");

struct bucket {
	__u64 tokens;
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} flow_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} flow_lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow_key);
	__type(value, struct flow_state);
} flows SEC(".maps");

/* Records are built here, then copied into the ring at their real size. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_record);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bucket);
} rate SEC(".maps");

struct packet {
	__u16 family;
	__u8 protocol;
	__u8 tcp_flags;
	__u16 src_port;
	__u16 dst_port;
	__u32 seq;
	/* Offset of the payload from the network header until locate_payload()
	 * makes it from the start of the packet; and its length. */
	__u32 payload_at;
	__u32 payload_len;
	__u8 src[16];
	__u8 dst[16];
};

/* Per-packet working memory: the BPF stack (512 bytes) is too small for it. */
struct work {
	struct packet p;
	struct flow_key key;
	struct flow_state fresh;
	__u8 ip[40];
	__u8 th[20];
	__u8 head[HEAD_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct work);
} working SEC(".maps");

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&flow_lost, &zero);
	if (lost)
		*lost += 1;
}

/* Takes `bytes` from this CPU's bucket; false when it is empty. */
static __always_inline int take_tokens(__u64 bytes)
{
	__u32 zero = 0;
	struct bucket *b = bpf_map_lookup_elem(&rate, &zero);
	if (!b)
		return 0;
	__u64 now = bpf_ktime_get_boot_ns();
	__u64 elapsed = now - b->last_ns;
	/* Refill (RATE_BYTES per second), capped at the burst. */
	__u64 refill = elapsed >= 1000000000ULL ? BURST_BYTES : elapsed * (RATE_BYTES / 1024) / (1000000000ULL / 1024);
	__u64 tokens = b->tokens + refill;
	if (tokens > BURST_BYTES)
		tokens = BURST_BYTES;
	b->last_ns = now;
	if (tokens < bytes) {
		b->tokens = tokens;
		return 0;
	}
	b->tokens = tokens - bytes;
	return 1;
}

static __always_inline int load_net(struct __sk_buff *skb, __u32 at, void *to, __u32 len)
{
	return bpf_skb_load_bytes_relative(skb, at, to, len, BPF_HDR_START_NET);
}

/* Network and transport headers (read relative to the network header: the
 * stack keeps them in the linear part); 0 when the packet is not TCP or UDP
 * over IP. */
static __always_inline int parse(struct __sk_buff *skb, struct work *w)
{
	struct packet *p = &w->p;
	__u8 *ip = w->ip;
	__u32 l4;
	__u32 total;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (load_net(skb, 0, ip, 20))
			return 0;
		__u32 ihl = (ip[0] & 0x0f) * 4;
		/* Later fragments carry no transport header. */
		if (ihl < 20 || ((ip[6] & 0x1f) | ip[7]))
			return 0;
		p->family = AF_INET;
		p->protocol = ip[9];
		__builtin_memcpy(p->src, &ip[12], 4);
		__builtin_memcpy(p->dst, &ip[16], 4);
		l4 = ihl;
		total = ((__u32)ip[2] << 8) | ip[3];
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (load_net(skb, 0, ip, 40))
			return 0;
		/* Extension headers are not followed: TCP and UDP come first in practice. */
		p->family = AF_INET6;
		p->protocol = ip[6];
		__builtin_memcpy(p->src, &ip[8], 16);
		__builtin_memcpy(p->dst, &ip[24], 16);
		l4 = 40;
		total = 40 + (((__u32)ip[4] << 8) | ip[5]);
	} else {
		return 0;
	}
	__u8 *th = w->th;
	if (p->protocol == IPPROTO_TCP) {
		if (load_net(skb, l4, th, 20))
			return 0;
		__u32 doff = (th[12] >> 4) * 4;
		if (doff < 20)
			return 0;
		p->seq = ((__u32)th[4] << 24) | ((__u32)th[5] << 16) | ((__u32)th[6] << 8) | th[7];
		p->tcp_flags = th[13];
		p->payload_at = l4 + doff;
	} else if (p->protocol == IPPROTO_UDP) {
		if (load_net(skb, l4, th, 8))
			return 0;
		p->payload_at = l4 + 8;
	} else {
		return 0;
	}
	p->src_port = ((__u16)th[0] << 8) | th[1];
	p->dst_port = ((__u16)th[2] << 8) | th[3];
	/* The IP length, not skb->len: Ethernet pads short frames. */
	p->payload_len = total > p->payload_at ? total - p->payload_at : 0;
	return 1;
}

/* Makes payload_at count from the start of the packet, where
 * bpf_skb_load_bytes reads; 0 when the packet comes from an interface user
 * space did not describe. Only packets whose payload is read pay for this
 * map lookup, not every SYN, FIN and ACK. */
static __always_inline int locate_payload(struct __sk_buff *skb, struct packet *p)
{
	__u32 ifindex = skb->ifindex;
	__u32 *link = bpf_map_lookup_elem(&link_header_len, &ifindex);
	if (!link)
		return 0;
	p->payload_at += *link;
	return 1;
}

/* Orders the two ends so both directions share a key; returns the direction (0: a to b). */
static __always_inline int flow_key_of(const struct packet *p, struct flow_key *k)
{
	int swap = 0;
	int decided = 0;
#pragma unroll
	for (int i = 0; i < 16; i++) {
		if (!decided && p->src[i] != p->dst[i]) {
			swap = p->src[i] > p->dst[i];
			decided = 1;
		}
	}
	if (!decided)
		swap = p->src_port > p->dst_port;
	if (swap) {
		__builtin_memcpy(k->a, p->dst, 16);
		__builtin_memcpy(k->b, p->src, 16);
		k->a_port = p->dst_port;
		k->b_port = p->src_port;
	} else {
		__builtin_memcpy(k->a, p->src, 16);
		__builtin_memcpy(k->b, p->dst, 16);
		k->a_port = p->src_port;
		k->b_port = p->dst_port;
	}
	k->protocol = p->protocol;
	return swap;
}

static __always_inline __u32 be16_at(const __u8 *b)
{
	return ((__u32)b[0] << 8) | b[1];
}

static __always_inline __u32 be24_at(const __u8 *b)
{
	return ((__u32)b[0] << 16) | ((__u32)b[1] << 8) | b[2];
}

static __always_inline __u32 be32_at(const __u8 *b)
{
	return ((__u32)b[0] << 24) | ((__u32)b[1] << 16) | ((__u32)b[2] << 8) | b[3];
}

static __always_inline int starts(const __u8 *h, char c0, char c1, char c2, char c3)
{
	return h[0] == c0 && h[1] == c1 && h[2] == c2 && h[3] == c3;
}

static __always_inline int http_start(const __u8 *h)
{
	return starts(h, 'G', 'E', 'T', ' ') || starts(h, 'P', 'O', 'S', 'T') || starts(h, 'P', 'U', 'T', ' ') ||
	       starts(h, 'H', 'E', 'A', 'D') || starts(h, 'O', 'P', 'T', 'I') || starts(h, 'D', 'E', 'L', 'E') ||
	       starts(h, 'P', 'A', 'T', 'C') || starts(h, 'P', 'R', 'O', 'P') || starts(h, 'R', 'P', 'C', '_') ||
	       starts(h, 'H', 'T', 'T', 'P');
}

/* SMB control commands the dissector reads (smb.rs); READ, WRITE and the
 * rest are file data and are never copied. */
static __always_inline int smb_control(const __u8 *h, __u32 len)
{
	if (h[0] != 0 || h[5] != 'S' || h[6] != 'M' || h[7] != 'B')
		return 0;
	if (h[4] == 0xff) {
		__u8 command = h[8];
		return command == 0x72 || command == 0x73 || command == 0x75 || command == 0xa2;
	}
	if (h[4] == 0xfe && len >= HEAD_LEN) {
		__u32 command = h[16] | ((__u32)h[17] << 8);
		return command <= 5 && command != 2;
	}
	return 0;
}

/* The length of the message a payload starts (header included), or 0 when
 * it starts none the dissectors read. */
static __always_inline __u32 message_len(const struct packet *p, struct flow_state *s, int dir, const __u8 *h,
					 __u32 len)
{
	/* TLS handshake record (RFC 8446 5.1). */
	if (h[0] == 0x16 && h[1] == 3 && h[2] <= 4)
		return 5 + be16_at(&h[3]);
	if (starts(h, 'S', 'S', 'H', '-')) {
		s->ssh = 1;
		return len;
	}
	/* SSH binary packet carrying KEXINIT (RFC 4253 6, 7.1): once per direction. */
	if (s->ssh && !s->kexinit[dir & 1] && h[5] == 20) {
		s->kexinit[dir & 1] = 1;
		return 4 + be32_at(h);
	}
	if (smb_control(h, len))
		return 4 + be24_at(&h[1]);
	/* Kerberos over TCP (RFC 4120 7.2.2): a length, then an application tag. */
	if ((p->src_port == KERBEROS_PORT || p->dst_port == KERBEROS_PORT) &&
	    ((h[4] >= 0x6a && h[4] <= 0x6d) || h[4] == 0x7e))
		return 4 + be32_at(h);
	/* RDP: TPKT, then an X.224 connection request or confirm (MS-RDPBCGR 2.2.1.1). */
	if (h[0] == 3 && h[1] == 0 && (h[5] == 0xe0 || h[5] == 0xd0))
		return be16_at(&h[2]);
	if (s->http[dir & 1] < HTTP_MESSAGES && http_start(h)) {
		s->http[dir & 1] += 1;
		return len;
	}
	return 0;
}

/* Copies `len` payload bytes (from `offset` into the payload) and the
 * header into the ring; false when the record was lost. */
static __always_inline int emit(struct __sk_buff *skb, const struct packet *p, __u8 kind, __u8 from_client,
				__u32 offset, __u32 len, __u8 egress)
{
	__u32 zero = 0;
	struct flow_record *r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 0;
	if (len > MAX_COPY)
		len = MAX_COPY;
	if (!take_tokens(RECORD_HEADER_LEN + len)) {
		count_lost();
		return 0;
	}
	r->boot_ns = bpf_ktime_get_boot_ns();
	r->seq = p->seq + offset;
	r->wire_len = p->payload_len - offset;
	r->family = p->family;
	r->src_port = p->src_port;
	r->dst_port = p->dst_port;
	r->protocol = p->protocol;
	r->tcp_flags = p->tcp_flags;
	r->kind = kind;
	r->from_client = from_client;
	r->egress = egress;
	__builtin_memcpy(r->src, p->src, 16);
	__builtin_memcpy(r->dst, p->dst, 16);
	r->copied = 0;
	if (len >= 1 && len <= MAX_COPY) {
		/* The same value, but masked where the compiler cannot drop it,
		 * so the verifier sees 1 <= n <= MAX_COPY (a power of two) at the call. */
		__u64 n = len - 1;
		asm volatile("%[n] &= %[mask]" : [n] "+r"(n) : [mask] "i"(MAX_COPY - 1));
		n += 1;
		if (bpf_skb_load_bytes(skb, p->payload_at + offset, r->data, n))
			return 0;
		r->copied = n;
	}
	__u64 size = RECORD_HEADER_LEN + (__u64)r->copied;
	if (size > sizeof(*r))
		return 0;
	if (bpf_ringbuf_output(&flow_events, r, size,
			       wakeup_flags_before(bpf_ringbuf_query(&flow_events, BPF_RB_AVAIL_DATA), size))) {
		count_lost();
		return 0;
	}
	return 1;
}

static __always_inline __u8 from_client(const struct flow_state *s, int dir)
{
	if (!s->client)
		return 0;
	return (s->client == 1) == (dir == 0) ? 1 : 2;
}

static __always_inline void on_udp(struct __sk_buff *skb, struct work *w, __u8 egress)
{
	struct packet *p = &w->p;
	struct flow_key *key = &w->key;
	flow_key_of(p, key);
	int kerberos = p->src_port == KERBEROS_PORT || p->dst_port == KERBEROS_PORT;
	__u32 copy = kerberos ? p->payload_len : 0;
	struct flow_state *s = bpf_map_lookup_elem(&flows, key);
	/* A known flow's datagrams are read only for Kerberos: the rest
	 * return here, before the interface's header length is looked up. */
	if (s && (!kerberos || s->copied >= FLOW_BUDGET))
		return;
	if (!locate_payload(skb, p))
		return;
	if (!s) {
		struct flow_state *fresh = &w->fresh;
		__builtin_memset(fresh, 0, sizeof(*fresh));
		if (copy > MAX_COPY)
			copy = MAX_COPY;
		fresh->copied = copy;
		fresh->reported = 1;
		bpf_map_update_elem(&flows, key, fresh, BPF_NOEXIST);
		emit(skb, p, KIND_UDP_FLOW, 0, 0, copy, egress);
		return;
	}
	if (copy > FLOW_BUDGET - s->copied)
		copy = FLOW_BUDGET - s->copied;
	s->copied += copy;
	emit(skb, p, KIND_DATAGRAM, 0, 0, copy, egress);
}

static __always_inline void on_tcp(struct __sk_buff *skb, struct work *w, __u8 egress)
{
	struct packet *p = &w->p;
	__u8 flags = p->tcp_flags;
	/* A bare ACK has nothing to read and closes nothing: most packets of
	 * a connection's setup and teardown, and of a transfer's way back. */
	if (!(flags & (TCP_SYN | TCP_FIN | TCP_RST)) && p->payload_len == 0)
		return;
	struct flow_key *key = &w->key;
	struct flow_state *fresh = &w->fresh;
	int dir = flow_key_of(p, key);
	if (flags & TCP_SYN) {
		/* The client's SYN starts the flow; a retransmitted one starts it
		 * again, which loses nothing since no data has flowed. The
		 * server's SYN+ACK is not looked up: a flow whose SYN came before
		 * the program was attached starts at its first payload, with its
		 * client left for user space to infer. */
		if (!(flags & TCP_ACK)) {
			__builtin_memset(fresh, 0, sizeof(*fresh));
			fresh->client = dir == 0 ? 1 : 2;
			bpf_map_update_elem(&flows, key, fresh, BPF_ANY);
		}
		return;
	}
	struct flow_state *s = bpf_map_lookup_elem(&flows, key);
	if (!s && p->payload_len >= 8) {
		/* A flow that began before the program was attached. */
		__builtin_memset(fresh, 0, sizeof(*fresh));
		bpf_map_update_elem(&flows, key, fresh, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&flows, key);
	}
	if (!s)
		return;
	if (flags & (TCP_FIN | TCP_RST)) {
		if (s->reported)
			emit(skb, p, KIND_CONTROL, from_client(s, dir), 0, 0, egress);
		/* A flow nothing was read from is forgotten at its first bare
		 * FIN, so the map holds live connections rather than every
		 * recent one, and a connect storm does not churn it through
		 * LRU eviction. Data after a half-close starts a new entry. */
		if ((flags & TCP_RST) || (!s->reported && p->payload_len == 0)) {
			bpf_map_delete_elem(&flows, key);
			return;
		}
	}
	if (p->payload_len == 0 || s->copied >= FLOW_BUDGET || !locate_payload(skb, p))
		return;
	__u32 budget = FLOW_BUDGET - s->copied;
	int d = dir & 1;
	__u32 len = 0;
	__u8 kind = KIND_MESSAGE;
	__u32 message = 0;
	if (s->cont_left[d] && s->cont_seq[d] == p->seq) {
		kind = KIND_CONTINUATION;
		message = s->cont_left[d];
	} else {
		__u8 *h = w->head;
		__builtin_memset(h, 0, HEAD_LEN);
		if (p->payload_len < 8)
			return;
		if (p->payload_len >= HEAD_LEN) {
			if (bpf_skb_load_bytes(skb, p->payload_at, h, HEAD_LEN))
				return;
		} else if (bpf_skb_load_bytes(skb, p->payload_at, h, 8)) {
			return;
		}
		message = message_len(p, s, d, h, p->payload_len);
		if (!message)
			return;
	}
	len = message < p->payload_len ? message : p->payload_len;
	if (len > MAX_COPY)
		len = MAX_COPY;
	if (len > budget)
		len = budget;
	/* Whole packet copied and the message goes on: follow it into the next. */
	if (len == p->payload_len && message > len) {
		s->cont_seq[d] = p->seq + len;
		s->cont_left[d] = message - len;
	} else {
		s->cont_left[d] = 0;
	}
	s->copied += len;
	if (emit(skb, p, kind, from_client(s, dir), 0, len, egress))
		s->reported = 1;
}

static __always_inline int classify(struct __sk_buff *skb, __u8 egress)
{
	__u32 zero = 0;
	struct work *w = bpf_map_lookup_elem(&working, &zero);
	if (!w)
		return TC_ACT_UNSPEC;
	__builtin_memset(&w->p, 0, sizeof(w->p));
	__builtin_memset(&w->key, 0, sizeof(w->key));
	if (!parse(skb, w))
		return TC_ACT_UNSPEC;
	if (w->p.protocol == IPPROTO_TCP)
		on_tcp(skb, w, egress);
	else
		on_udp(skb, w, egress);
	return TC_ACT_UNSPEC;
}

/* One program per hook, so a record says which way its packet crossed. */
SEC("classifier")
int temper_flow_in(struct __sk_buff *skb)
{
	return classify(skb, 0);
}

SEC("classifier")
int temper_flow_out(struct __sk_buff *skb)
{
	return classify(skb, 1);
}

char LICENSE[] SEC("license") = "GPL";
