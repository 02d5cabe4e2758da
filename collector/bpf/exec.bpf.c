// SPDX-License-Identifier: GPL-2.0
/* Program starts, from tp_btf/sched_process_exec: who ran what, from
 * which parent, as which user, with its first arguments, and, for a
 * script started through its shebang line, the interpreter the kernel
 * actually ran (bprm->interp), so `/etc/cron.daily/x` is a bash script.
 *
 * One fixed-size record per exec goes to a ring buffer; when the buffer
 * is full the event is counted in `exec_lost` instead, and user space
 * reports it as coverage loss. Aggregation (by image, never a row per
 * run) happens in user space.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ring_wakeup.h"

#define COMM_LEN 16
#define PATH_LEN 256
#define ARGV_LEN 512

/* Shared with collector/src/ebpf/exec_event.rs: keep the two in step. */
struct exec_event {
	__u64 boot_ns;
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__u32 argv_len;
	char comm[COMM_LEN];
	char parent_comm[COMM_LEN];
	char filename[PATH_LEN];
	char interp[PATH_LEN];
	/* NUL-separated, cut at ARGV_LEN. */
	char argv[ARGV_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* Sized by user space before load (--ring-buffer); this is the default. */
	__uint(max_entries, 1 << 22);
} exec_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} exec_lost SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(temper_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct exec_event *event = bpf_ringbuf_reserve(&exec_events, sizeof(*event), 0);
	if (!event) {
		__u32 zero = 0;
		__u64 *lost = bpf_map_lookup_elem(&exec_lost, &zero);
		if (lost)
			*lost += 1;
		return 0;
	}
	event->boot_ns = bpf_ktime_get_boot_ns();
	event->pid = BPF_CORE_READ(task, tgid);
	event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	event->uid = (__u32)bpf_get_current_uid_gid();
	BPF_CORE_READ_STR_INTO(&event->comm, task, comm);
	BPF_CORE_READ_STR_INTO(&event->parent_comm, task, real_parent, comm);
	bpf_probe_read_kernel_str(event->filename, sizeof(event->filename), BPF_CORE_READ(bprm, filename));
	bpf_probe_read_kernel_str(event->interp, sizeof(event->interp), BPF_CORE_READ(bprm, interp));

	/* The new image's arguments are in its user memory, just copied there by exec. */
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	__u32 len = end > start ? end - start : 0;
	/* One byte short of the buffer, so the mask below bounds it for the verifier. */
	if (len > ARGV_LEN - 1)
		len = ARGV_LEN - 1;
	len &= ARGV_LEN - 1;
	event->argv_len = 0;
	if (len > 0 && bpf_probe_read_user(event->argv, len, (const void *)start) == 0)
		event->argv_len = len;
	bpf_ringbuf_submit(event, wakeup_flags_reserved(&exec_events, sizeof(*event)));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
