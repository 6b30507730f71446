using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using Unikernel.Core.Text;

namespace Unikernel.Xen
{
    // Names for code addresses, from the table the build embeds (tools/ukboot/Image/GuestSymbolTable.cs):
    // { uint count, uint 0, count x { uint address, uint name offset }, names }. Empty in an image built
    // without it; lookups then find nothing and backtraces stay numeric.
    internal static unsafe class GuestSymbols
    {
        // Appends " name+0xoffset" for the function holding address, if the table knows one.
        public static void AppendName(ref TextBuilder text, ulong address)
        {
            uint* table = (uint*)TableAddress();
            uint count = table[0];
            uint* pairs = table + 2;
            byte* names = (byte*)(pairs + count * 2);
            // Last entry whose address is <= address.
            int low = 0, high = (int)count - 1, found = -1;
            while (low <= high)
            {
                int middle = (low + high) / 2;
                if (pairs[middle * 2] <= address) { found = middle; low = middle + 1; }
                else high = middle - 1;
            }
            if (found < 0) return;
            text.Append(' ');
            for (byte* c = names + pairs[found * 2 + 1]; *c != 0; c++) text.Append((char)*c);
            ulong offset = address - pairs[found * 2];
            if (offset != 0)
            {
                text.Append('+');
                text.AppendHex(offset);
            }
        }

        [RuntimeImport("uk_symbol_table_address")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void* TableAddress();
    }
}
