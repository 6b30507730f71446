namespace System.Runtime.CompilerServices
{
    // The compiler honours it by name: the platform keeps its types internal and opens them to its own
    // test and benchmark guests only.
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    public sealed class InternalsVisibleToAttribute : Attribute
    {
        public InternalsVisibleToAttribute(string assemblyName) { }
    }
}
