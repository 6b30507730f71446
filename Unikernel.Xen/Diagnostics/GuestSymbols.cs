using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using Unikernel.Core.Text;

namespace Unikernel.Xen
{
    // Names for code addresses, from the table the build embeds (tools/ukboot/Image/GuestSymbolTable.cs):
    // { uint count, uint 0, count x { ULEB128 address delta, byte shared, name suffix, NUL } }, front-coded
    // in address order. Empty in an image built without it; lookups then find nothing and backtraces stay
    // numeric.
    internal static unsafe class GuestSymbols
    {
        private const int MaxName = 255; // GuestSymbolTable.MaxName

        // Appends " name+0xoffset" for the function holding address, if the table knows one.
        public static void AppendName(ref TextBuilder text, ulong address)
        {
            uint* table = (uint*)TableAddress();
            uint count = table[0];
            byte* entry = (byte*)(table + 2);
            byte* name = stackalloc byte[MaxName];
            int length = 0;
            ulong start = 0;
            bool any = false;
            // Decode front to back up to the last entry whose address is <= address.
            for (uint i = 0; i < count; i++)
            {
                ulong next = start;
                int shift = 0;
                byte b;
                do
                {
                    b = *entry++;
                    next += (ulong)(b & 0x7f) << shift;
                    shift += 7;
                } while ((b & 0x80) != 0);
                if (next > address) break;
                start = next;
                int shared = *entry++;
                length = shared;
                while (*entry != 0)
                {
                    if (length < MaxName) name[length++] = *entry;
                    entry++;
                }
                entry++;
                any = true;
            }
            if (!any) return;
            text.Append(' ');
            for (int i = 0; i < length; i++) text.Append((char)name[i]);
            ulong offset = address - start;
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
