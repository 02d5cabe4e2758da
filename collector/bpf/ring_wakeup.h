/* When a ring-buffer record wakes the reader.
 *
 * Waking user space for every record costs a context switch per event, which
 * is most of the observer's cost during an exec or connect storm. Records are
 * submitted without a wakeup until a batch has accumulated; the reader also
 * drains on its own every 200 ms, so a quiet host still sees events promptly.
 */
#ifndef TEMPER_RING_WAKEUP_H
#define TEMPER_RING_WAKEUP_H

#define WAKEUP_BYTES (64 * 1024)

static __always_inline __u64 wakeup_flags(void *ring)
{
	return bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

#endif
