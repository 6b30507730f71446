using System.Runtime.CompilerServices;

// Applications see only namespace Unikernel (Api/). The platform's own test and benchmark guests reach
// further in, to check the mechanisms themselves.
[assembly: InternalsVisibleTo("Probe")]
[assembly: InternalsVisibleTo("HypercallBench")]
