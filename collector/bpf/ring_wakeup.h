/* When a ring-buffer record wakes the reader.
 *
 * Waking user space for every record costs a context switch per event, which
 * is most of the observer's cost during an exec or connect storm. Records are
 * submitted without a wakeup; the one whose bytes carry the waiting data past
 * a multiple of WAKEUP_BYTES wakes the reader, which also drains on its own
 * every 200 ms, so a quiet host still sees events promptly.
 *
 * Only the crossing wakes: a wakeup is an irq_work, which raises a self-IPI
 * (an exit to the hypervisor on a VM). Waking on every record once 64 KiB
 * wait, as this did first, sent one per record until the reader had run and
 * drained, and cost more than the record itself during a connect storm.
 * Producers on other CPUs may race the query, so a crossing can be missed
 * or seen twice; the reader's timer bounds what a missed one costs.
 */
#ifndef TEMPER_RING_WAKEUP_H
#define TEMPER_RING_WAKEUP_H

#define WAKEUP_BYTES (64 * 1024)
/* Each record also takes a header of this many bytes in the ring. */
#define RING_RECORD_HEADER 8

/* For a record of `size` bytes, with `waiting` bytes in the ring before it. */
static __always_inline __u64 wakeup_flags_before(__u64 waiting, __u64 size)
{
	__u64 after = waiting + size + RING_RECORD_HEADER;
	return after / WAKEUP_BYTES != waiting / WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* For a record of `size` bytes already reserved (and so counted as waiting). */
static __always_inline __u64 wakeup_flags_reserved(void *ring, __u64 size)
{
	__u64 waiting = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);
	__u64 before = waiting > size + RING_RECORD_HEADER ? waiting - size - RING_RECORD_HEADER : 0;
	return wakeup_flags_before(before, size);
}

#endif
