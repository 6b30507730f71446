using System;
using System.Runtime.CompilerServices;
using Unikernel.Core.Batching;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The Xen side of hypercall batching (after Linux's arch/x86/xen/multicalls.c): one BatchQueue for the
    // vCPU (we run on vCPU 0 only, so "per-CPU" is one queue) over static storage, issued with
    // HYPERVISOR_multicall, a batch of one as the plain hypercall. Xen writes each entry's result; a failed
    // entry is fatal and named by its hypercall, its index in the batch and its errno, and for an array call
    // (mmu_update, mmuext_op) by the request it stopped at, which Xen counts in the entry's done argument.
    //
    // Use: EnterLazy; Queue* as many calls as wanted; LeaveLazy (the outermost one issues them). Outside a
    // lazy section each Queue* call is issued at once. Code about to make a direct hypercall that must follow
    // the queued ones calls FlushBeforeDirect first (Hypercall's mmu_update, mmuext_op and
    // update_va_mapping wrappers do). Bulk MMU work (memory setup, ballooning) uses EnterBulk/LeaveBulk
    // instead: this is the one path for every mmu_update the platform batches.
    //
    // No event handler queues anything today, so the queue is not guarded by event masking; a handler that
    // starts to must mask events around its Reserve..Issue, as Linux's xen_mc_entry does.
    internal static unsafe class Multicalls
    {
        // multicall_entry.args of the array-taking calls (xen.h): mmu_update(req, count, done, domid) and
        // mmuext_op(op, count, done, domid).
        public const int ArrayArgument = 0, CountArgument = 1, DoneArgument = 2, DomainArgument = 3;

        // Argument space of a bulk section: mmu_update arrays of 128 requests per hypercall (16 bytes each)
        // where the queue's own space (Linux's MC_ARGS) holds 32.
        public const int BulkArgumentBytes = 128 * 16;

        // A preempted array call continues with this bit in its count (MMU_UPDATE_PREEMPTED, xen.h).
        private const ulong PreemptedCount = 1UL << 31;

        // Per slot of an array entry: where its array began (a multicall preempted in it continues with
        // the array pointer and count advanced in the entry) and the done count Xen writes.
        private struct ArrayProgress
        {
            public fixed ulong Start[BatchStorage.EntryCapacity];
            public fixed uint Done[BatchStorage.EntryCapacity];
        }

        private struct BulkArea { public fixed ulong Words[BulkArgumentBytes / sizeof(ulong)]; }

        private static BatchStorage s_storage;
        private static BatchQueue s_queue;
        private static ArrayProgress s_progress;
        private static BulkArea s_bulk;
        private static ulong* s_arrayStarts;
        private static uint* s_done;
        private static byte* s_bulkArea;
        private static BatchQueue* s_queueAddress; // &s_queue: one load gives the SetPte path its base

        internal static void Initialize()
        {
            var issuer = new BatchIssuer { IssueBatch = &IssueBatch, IssueSingle = &IssueSingle };
            fixed (BatchStorage* storage = &s_storage) s_queue = new BatchQueue(storage, issuer, &ReportFailure);
            fixed (ulong* starts = s_progress.Start) s_arrayStarts = starts;
            fixed (uint* done = s_progress.Done) s_done = done;
            fixed (ulong* bulk = s_bulk.Words) s_bulkArea = (byte*)bulk;
            fixed (BatchQueue* queue = &s_queue) s_queueAddress = queue;
        }

        public static ref BatchQueue Queue => ref s_queue;
        public static BatchStatistics Statistics => s_queue.Statistics;
        // Each non-empty flush is exactly one hypercall: the hypervisor entries the queue has made.
        public static ulong HypervisorEntries => s_queue.Statistics.Flushes;
        public static bool IsLazy => s_queue.IsLazy;

        public static void EnterLazy() => s_queue.EnterLazy();
        public static void LeaveLazy() => s_queue.LeaveLazy();

        // A lazy section over the bulk argument space. LeaveBulk issues everything queued, also inside an
        // outer lazy section: bulk callers use what they changed right away. Bulk sections do not nest.
        public static void EnterBulk()
        {
            s_queue.EnterLazy();
            s_queue.UseArgumentArea(s_bulkArea, BulkArgumentBytes);
        }

        public static void LeaveBulk()
        {
            s_queue.UseArgumentArea(null, 0);
            s_queue.LeaveLazy();
        }

        public static void Flush() => s_queue.Flush();
        // Cheap when nothing is queued (inlined into every direct MMU hypercall), and safe before Initialize
        // (an empty queue has nothing to issue).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void FlushBeforeDirect()
        {
            if (s_queue.PendingEntries != 0) s_queue.FlushBeforeDirect();
        }

        // One mmu_update request ({ptr, val}, xen.h). With coalesce, it joins the previous entry's array
        // when that entry is an mmu_update whose requests end the argument space (Linux's xen_extend_mmu_update).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void QueueMmuUpdate(ulong ptr, ulong value, bool coalesce = true)
        {
            var update = (MmuUpdate*)ArrayElement(HypercallNumber.MmuUpdate, sizeof(MmuUpdate), coalesce);
            update->Ptr = ptr;
            update->Val = value;
            s_queue.Issue();
        }

        // Lazy MMU mode's common case (SetPte): one more request on the open mmu_update array, with no
        // call. False when not lazy or nothing is open to extend; the caller then queues or calls as usual.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool TryAppendLazyMmuUpdate(ulong ptr, ulong value)
        {
            BatchQueue* queue = s_queueAddress; // set before the ops table that calls this is installed
            if (!queue->IsLazy || !queue->CanExtendLast((ulong)HypercallNumber.MmuUpdate, sizeof(MmuUpdate))) return false;
            var update = (MmuUpdate*)queue->ExtendLastUnchecked(sizeof(MmuUpdate), CountArgument);
            update->Ptr = ptr;
            update->Val = value;
            return true;
        }

        // An mmu_update request that starts a new array entry: for a caller that has just seen
        // TryAppendLazyMmuUpdate fail, so trying to coalesce again would only repeat its checks.
        public static void QueueMmuUpdateEntry(ulong ptr, ulong value)
        {
            var update = (MmuUpdate*)NewArrayEntry(HypercallNumber.MmuUpdate, sizeof(MmuUpdate));
            update->Ptr = ptr;
            update->Val = value;
            s_queue.Issue();
        }

        // A page-table entry, by the machine address of the entry (MMU_NORMAL_PT_UPDATE).
        public static void QueuePageTableEntry(ulong entryMachineAddress, ulong value) =>
            QueueMmuUpdate(entryMachineAddress | MmuUpdate.NormalPtUpdate, value);

        // The M2P entry of a machine frame (MMU_MACHPHYS_UPDATE).
        public static void QueueMachineToPhysical(ulong mfn, ulong pfn) =>
            QueueMmuUpdate((mfn << XenConstants.PageShift) | MmuUpdate.MachPhysUpdate, pfn);

        // One mmuext_op (xen.h), coalesced like mmu_update when asked.
        public static void QueueMmuextOp(uint command, ulong arg1, ulong arg2 = 0, bool coalesce = true)
        {
            var op = (MmuextOp*)ArrayElement(HypercallNumber.MmuextOp, sizeof(MmuextOp), coalesce);
            op->Cmd = command;
            op->Arg1 = arg1;
            op->Arg2 = arg2;
            s_queue.Issue();
        }

        // Room for one more element of an array-taking call (op(array, count, done, domid)): appended to
        // the previous entry's array when it may be, else a new entry of one. Inlined into each queueing
        // call; a new entry is then inlined too when it is every element's path (no coalescing) and kept
        // out of line when coalescing makes it the rare one.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void* ArrayElement(HypercallNumber op, int size, bool coalesce)
        {
            if (!coalesce) return NewArrayEntry(op, size);
            if (s_queue.TryExtendLast((ulong)op, size, CountArgument, out void* more)) return more;
            return NewArrayEntryOutOfLine(op, size);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void* NewArrayEntryOutOfLine(HypercallNumber op, int size) => NewArrayEntry(op, size);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void* NewArrayEntry(HypercallNumber op, int size)
        {
            s_queue.Reserve((ulong)op, size, out BatchEntry* entry, out void* slot);
            int index = s_queue.PendingEntries - 1;
            s_arrayStarts[index] = (ulong)slot;
            s_done[index] = 0;
            entry->Args[ArrayArgument] = (ulong)slot;
            entry->Args[CountArgument] = 1;
            entry->Args[DoneArgument] = (ulong)(s_done + index);
            entry->Args[DomainArgument] = DomainId.Self;
            return slot;
        }

        // update_va_mapping(va, pte, flags), xen.h.
        public static void QueueUpdateVaMapping(ulong virtualAddress, ulong pte, ulong flags) =>
            QueueImmediate(HypercallNumber.UpdateVaMapping, virtualAddress, pte, flags);

        // stack_switch(ss, sp), xen.h: the kernel stack Xen switches to on entry from guest user mode.
        public static void QueueStackSwitch(ulong stackSegment, ulong stackPointer) =>
            QueueImmediate(HypercallNumber.StackSwitch, stackSegment, stackPointer);

        // set_segment_base(which, base), xen.h; which is SEGBASE_* (arch-x86/xen-x86_64.h).
        public static void QueueSetSegmentBase(ulong which, ulong segmentBase) =>
            QueueImmediate(HypercallNumber.SetSegmentBase, which, segmentBase);

        // xen_version(cmd, arg), version.h: the cheapest hypercall there is.
        public static void QueueXenVersion(ulong command) => QueueImmediate(HypercallNumber.XenVersion, command);

        // A call whose arguments all fit in the entry.
        public static void QueueImmediate(HypercallNumber number, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0)
        {
            BatchEntry* entry = s_queue.Reserve((ulong)number);
            entry->Args[0] = a1;
            entry->Args[1] = a2;
            entry->Args[2] = a3;
            s_queue.Issue();
        }

        // HYPERVISOR_multicall(call_list, nr_calls), xen.h: Xen runs the entries in order and writes each
        // result; its own return is nonzero only if it could not read the list.
        private static long IssueBatch(BatchEntry* entries, int count) =>
            Hypercall.Invoke(HypercallNumber.Multicall, (ulong)entries, (ulong)count);

        // A batch of one costs a hypervisor entry either way: make the call itself, no multicall around it.
        // x86_64 hypercalls take at most five arguments.
        private static long IssueSingle(ref BatchEntry entry) =>
            Hypercall.Invoke((HypercallNumber)entry.Op, entry.Args[0], entry.Args[1], entry.Args[2], entry.Args[3], entry.Args[4]);

        private static void ReportFailure(BatchEntry* entry, int index, long result)
        {
            Span<char> buffer = stackalloc char[224];
            var text = new TextBuilder(buffer);
            if (entry == null) text.Append("hypercall multicall rejected the batch: ");
            else text.Append($"hypercall {HypercallName.Of(entry->Op)} failed in batch entry {index}: ");
            XenError.AppendResult(ref text, result);
            if (entry != null && entry->Args[DoneArgument] == (ulong)(s_done + index)) AppendStoppedAt(ref text, entry, index);
            Panic.Fail(text.Text);
        }

        // ", stopped at request K of N (ptr=... val=...)": the request Xen failed on, its done count.
        private static void AppendStoppedAt(ref TextBuilder text, BatchEntry* entry, int index)
        {
            bool mmuUpdate = entry->Op == (ulong)HypercallNumber.MmuUpdate;
            ulong size = mmuUpdate ? (ulong)sizeof(MmuUpdate) : (ulong)sizeof(MmuextOp);
            ulong start = s_arrayStarts[index], done = s_done[index];
            ulong count = (entry->Args[ArrayArgument] - start) / size + (entry->Args[CountArgument] & ~PreemptedCount);
            text.Append(", stopped at request ");
            text.Append(done);
            text.Append(" of ");
            text.Append(count);
            if (done >= count) return;
            var request = (ulong*)(start + done * size); // mmu_update {ptr, val}; mmuext_op {cmd, arg1, arg2}
            text.Append(mmuUpdate ? " (ptr=" : " (cmd=");
            text.AppendHex(mmuUpdate ? request[0] : (uint)request[0]);
            text.Append(mmuUpdate ? " val=" : " arg1=");
            text.AppendHex(request[1]);
            text.Append(")");
        }
    }
}
