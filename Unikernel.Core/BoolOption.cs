namespace Unikernel.Core
{
    // A boolean command-line option as read: its value, whether the key was there, and whether its value
    // failed to parse (then Value keeps the default and the guest can say "bad value, keeping default").
    public struct BoolOption
    {
        public bool Value;
        public bool Found;
        public bool BadValue;
    }
}
