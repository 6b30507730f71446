namespace System
{
    // Arrays are laid out by ilc: MethodTable pointer, then the element count, then the elements.
    public abstract class Array
    {
#pragma warning disable 169, 649
        private int _numComponents;
#pragma warning restore 169, 649
        public int Length => _numComponents;
    }

    // ilc's generic array base; T[] derives from it.
    public class Array<T> : Array { }
}
