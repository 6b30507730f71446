using System;
using Unikernel.Core.Paravirt;

namespace Unikernel.Tests.Core.Paravirt;

using Paravirt = Unikernel.Core.Paravirt.Paravirt; // the class, not this test namespace

// Event-mask semantics against an in-memory EventFlags (the vcpu_info pending/mask pair).
public unsafe class EventMaskTests
{
    [ThreadStatic] private static int t_forced;
    private static void CountForce() => t_forced++;

    [Fact]
    public void Save_reports_the_interrupt_flag_when_unmasked()
    {
        var flags = new EventFlags { Mask = 0 };
        Assert.Equal(Paravirt.InterruptFlag, EventMask.SaveFlags(&flags));
        flags.Mask = 1;
        Assert.Equal(0UL, EventMask.SaveFlags(&flags));
    }

    [Fact]
    public void Enable_with_nothing_pending_does_not_force_the_callback()
    {
        t_forced = 0;
        var flags = new EventFlags { Mask = 1 };
        EventMask.Enable(&flags, &CountForce);
        Assert.Equal(0, flags.Mask);
        Assert.Equal(0, t_forced);
    }

    [Fact]
    public void Enable_forces_the_callback_for_an_event_that_arrived_while_masked()
    {
        t_forced = 0;
        var flags = new EventFlags { Mask = 1, Pending = 1 };
        EventMask.Enable(&flags, &CountForce);
        Assert.Equal(0, flags.Mask);
        Assert.Equal(1, t_forced);
    }

    [Fact]
    public void Nested_save_disable_restore_keeps_the_outer_state()
    {
        t_forced = 0;
        var flags = new EventFlags { Mask = 0 };
        ulong outer = EventMask.SaveFlags(&flags);
        EventMask.Disable(&flags);
        ulong inner = EventMask.SaveFlags(&flags);
        EventMask.Disable(&flags);
        flags.Pending = 1;
        EventMask.Restore(&flags, inner, &CountForce);
        Assert.Equal(1, flags.Mask);
        Assert.Equal(0, t_forced); // still masked: nothing delivered yet
        EventMask.Restore(&flags, outer, &CountForce);
        Assert.Equal(0, flags.Mask);
        Assert.Equal(1, t_forced);
    }

    [Fact]
    public void Random_nesting_matches_a_model()
    {
        var random = new Random(7);
        for (int round = 0; round < 2000; round++)
        {
            t_forced = 0;
            var flags = new EventFlags { Mask = (byte)random.Next(2) };
            var saved = new System.Collections.Generic.Stack<ulong>();
            int expectedForced = 0;
            for (int step = 0; step < 20; step++)
            {
                if (random.Next(3) == 0) flags.Pending = 1;
                if (saved.Count > 0 && random.Next(2) == 0)
                {
                    ulong s = saved.Pop();
                    bool willEnable = (s & Paravirt.InterruptFlag) != 0;
                    if (willEnable && flags.Pending != 0) expectedForced++;
                    EventMask.Restore(&flags, s, &CountForce);
                    Assert.Equal(willEnable ? 0 : 1, flags.Mask);
                    if (willEnable) flags.Pending = 0; // the forced callback delivered it
                }
                else
                {
                    saved.Push(EventMask.SaveFlags(&flags));
                    EventMask.Disable(&flags);
                    Assert.Equal(1, flags.Mask);
                }
            }
            Assert.Equal(expectedForced, t_forced);
        }
    }
}

public unsafe class ParavirtOpsTests
{
    private static int s_disables;
    private static void Disable() => s_disables++;
    private static void Enable() { }
    private static ulong Save() => Paravirt.InterruptFlag;
    private static void Restore(ulong flags) { }
    private static ulong Cr2() => 0x1234;
    private static void Nothing() { }
    private static ulong Zero() => 0;
    private static void TakeAddress(ulong address) { }
    private static void SetPte(ulong* entry, ulong value) => *entry = value;
    private static void Cpuid(uint leaf, uint subleaf, CpuidResult* result) => result->Eax = leaf + subleaf;

    private static ParavirtOps Complete() => new()
    {
        IrqDisable = &Disable, IrqEnable = &Enable, SaveFlags = &Save, RestoreFlags = &Restore, SafeHalt = &Nothing,
        Halt = &Nothing, ReadCr2 = &Cr2, ReadCr3 = &Zero, WriteCr3 = &TakeAddress, FlushTlbSingle = &TakeAddress,
        FlushTlbAll = &Nothing, SetPte = &SetPte, EnterLazyMmu = &Nothing, LeaveLazyMmu = &Nothing, Cpuid = &Cpuid,
    };

    [Fact]
    public void An_installed_table_is_what_callers_reach()
    {
        Paravirt.Install(Complete());
        Paravirt.Ops.IrqDisable();
        Assert.Equal(1, s_disables);
        Assert.Equal(0x1234UL, Paravirt.Ops.ReadCr2());
        Assert.Equal(Paravirt.InterruptFlag, Paravirt.Ops.SaveFlags());
        ulong entry = 0;
        Paravirt.Ops.SetPte(&entry, 0x5063);
        Assert.Equal(0x5063UL, entry);
        CpuidResult result;
        Paravirt.Ops.Cpuid(3, 4, &result);
        Assert.Equal(7u, result.Eax);
    }

    [Fact]
    public void A_table_with_a_hole_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Paravirt.Install(new ParavirtOps { IrqDisable = &Disable }));
        // Every entry counts: drop each one in turn.
        var fields = typeof(ParavirtOps).GetFields();
        Assert.Equal(15, fields.Length);
        foreach (var field in fields)
        {
            object table = Complete();
            field.SetValue(table, IntPtr.Zero);
            Assert.False(((ParavirtOps)table).IsComplete, field.Name);
        }
        Assert.True(Complete().IsComplete);
    }
}
