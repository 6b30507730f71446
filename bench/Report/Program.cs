using Unikernel.Bench.Report;

// ukbench: the benchmarks under Xen in QEMU (hypercall batching, Hello's boot time against memory), and their CSVs, charts and tables.
return BenchCommand.Create().Parse(args).Invoke();
