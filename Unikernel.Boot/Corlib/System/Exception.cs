namespace System
{
    // Exceptions exist so that code shared with the host can throw; in the guest every throw is fatal
    // (RhpThrowEx prints the message and crashes the domain). There is no catch.
    public class Exception
    {
        private readonly string? _message;
        public Exception() { }
        public Exception(string? message) { _message = message; }
        public virtual string? Message => _message;
    }

    public class InvalidOperationException : Exception { public InvalidOperationException() { } public InvalidOperationException(string? message) : base(message) { } }
    public class ArgumentException : Exception { public ArgumentException() { } public ArgumentException(string? message) : base(message) { } }
    public class ArgumentOutOfRangeException : ArgumentException { public ArgumentOutOfRangeException() { } public ArgumentOutOfRangeException(string? paramName, string? message) : base(message) { } }
    public class NotSupportedException : Exception { public NotSupportedException() { } public NotSupportedException(string? message) : base(message) { } }
    public class FormatException : Exception { public FormatException() { } public FormatException(string? message) : base(message) { } }
}
