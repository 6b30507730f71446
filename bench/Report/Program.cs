using Unikernel.Bench.Report;

// ukbench: the hypercall batching benchmark guests under Xen in QEMU, and their CSV, chart and table.
return BenchCommand.Create().Parse(args).Invoke();
