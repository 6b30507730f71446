using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Unikernel.Analyzers
{
    // Reports C# that compiles but that the guest cannot run (ilc fails on it, or it does not do what it says),
    // and names what to use instead beside the compiler's own error where a BCL type or member is missing.
    // Active only in guest builds: Unikernel.Image.targets makes the property UnikernelGuest (set by
    // Unikernel.Guest.props) visible to the compiler; a host project never has it.
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class GuestAnalyzer : DiagnosticAnalyzer
    {
        public const string GuestProperty = "build_property.UnikernelGuest";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            Rules.Catch, Rules.Delegate, Rules.Boxing, Rules.Linq, Rules.StringConcat, Rules.Async, Rules.Threads,
            Rules.MissingBcl, Rules.InterpolatedString, Rules.FinallyAroundThrow);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                if (!start.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(GuestProperty, out string? guest)
                    || !string.Equals(guest?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
                    return;
                start.RegisterSyntaxNodeAction(CatchClause, SyntaxKind.CatchClause);
                start.RegisterSyntaxNodeAction(FinallyClause, SyntaxKind.FinallyClause);
                start.RegisterOperationAction(DelegateCreation, OperationKind.DelegateCreation);
                start.RegisterOperationAction(Conversion, OperationKind.Conversion);
                start.RegisterOperationAction(Invocation, OperationKind.Invocation);
                start.RegisterSyntaxNodeAction(Query, SyntaxKind.QueryExpression);
                start.RegisterOperationAction(Concatenation, OperationKind.Binary, OperationKind.CompoundAssignment);
                start.RegisterSyntaxNodeAction(AsyncModifier, SyntaxKind.MethodDeclaration, SyntaxKind.LocalFunctionStatement,
                    SyntaxKind.ParenthesizedLambdaExpression, SyntaxKind.SimpleLambdaExpression, SyntaxKind.AnonymousMethodExpression);
                start.RegisterSyntaxNodeAction(Await, SyntaxKind.AwaitExpression);
                start.RegisterSyntaxNodeAction(Lock, SyntaxKind.LockStatement);
                start.RegisterSyntaxNodeAction(UnboundName, SyntaxKind.IdentifierName, SyntaxKind.GenericName);
                start.RegisterSyntaxNodeAction(UsingDirective, SyntaxKind.UsingDirective);
                start.RegisterSyntaxNodeAction(Tuple, SyntaxKind.TupleType, SyntaxKind.TupleExpression);
                start.RegisterSyntaxNodeAction(InterpolatedString, SyntaxKind.InterpolatedStringExpression);
            });
        }

        // UK0001: every catch clause (exception filters included) is dead code in the guest.
        private static void CatchClause(SyntaxNodeAnalysisContext context)
        {
            var clause = (CatchClauseSyntax)context.Node;
            context.ReportDiagnostic(Diagnostic.Create(Rules.Catch, clause.CatchKeyword.GetLocation()));
        }

        // UK0010: a finally whose own try block throws (not in a nested function, not in a nested try that
        // has a catch, which UK0001 reports) never runs on that path.
        private static void FinallyClause(SyntaxNodeAnalysisContext context)
        {
            var clause = (FinallyClauseSyntax)context.Node;
            if (!(clause.Parent is TryStatementSyntax tryStatement)) return;
            SyntaxNode? thrown = tryStatement.Block.DescendantNodes(node =>
                    !(node is AnonymousFunctionExpressionSyntax || node is LocalFunctionStatementSyntax))
                .FirstOrDefault(node => node is ThrowStatementSyntax || node is ThrowExpressionSyntax);
            if (thrown == null) return;
            int line = thrown.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            context.ReportDiagnostic(Diagnostic.Create(Rules.FinallyAroundThrow, clause.FinallyKeyword.GetLocation(), line));
        }

        // UK0002: lambdas, anonymous methods and method groups made into a delegate, capturing or not
        // (ilc needs Delegate.InitializeClosedInstance/InitializeOpenStaticThunk, which the corlib lacks).
        private static void DelegateCreation(OperationAnalysisContext context)
        {
            var creation = (IDelegateCreationOperation)context.Operation;
            string what;
            switch (creation.Target)
            {
                case IAnonymousFunctionOperation function:
                    what = function.Syntax is AnonymousMethodExpressionSyntax ? "An anonymous method" : "A lambda";
                    break;
                case IMethodReferenceOperation method:
                    what = "Method group '" + method.Method.Name + "'";
                    break;
                default:
                    what = "A delegate";
                    break;
            }
            context.ReportDiagnostic(Diagnostic.Create(Rules.Delegate, creation.Syntax.GetLocation(), what,
                creation.Type?.ToDisplayString() ?? "?"));
        }

        // UK0003: a value converted to object, ValueType, Enum or an interface is boxed.
        private static void Conversion(OperationAnalysisContext context)
        {
            var conversion = (IConversionOperation)context.Operation;
            if (conversion.Operand.Type == null || conversion.Type == null) return;
            if (!conversion.GetConversion().IsBoxing) return;
            // A type parameter boxes only when instantiated with a value type: not known here, not reported.
            if (conversion.Operand.Type.TypeKind == TypeKind.TypeParameter) return;
            string type = conversion.Operand.Type.ToDisplayString();
            context.ReportDiagnostic(Diagnostic.Create(Rules.Boxing, conversion.Operand.Syntax.GetLocation(),
                $"Converting '{type}' to '{conversion.Type.ToDisplayString()}' boxes it",
                "keep the value in a variable of its own type, and take an interface as a generic parameter (void M<T>(T value) where T : IMyInterface)"));
        }

        // UK0003 too: object's ToString, Equals, GetHashCode or GetType called on a struct or enum that does not
        // override it boxes the value first.
        private static void Invocation(OperationAnalysisContext context)
        {
            var invocation = (IInvocationOperation)context.Operation;
            IMethodSymbol method = invocation.TargetMethod;
            ITypeSymbol? receiver = invocation.Instance?.Type;
            if (receiver == null || !receiver.IsValueType || receiver.TypeKind == TypeKind.TypeParameter) return;
            SpecialType owner = method.ContainingType.SpecialType;
            if (owner != SpecialType.System_Object && owner != SpecialType.System_ValueType && owner != SpecialType.System_Enum) return;
            string instead = method.Name == "ToString"
                ? "format it with Console.Write(value), TextBuilder.Append(value) or a hole of an interpolated string passed to them ($\"{value}\"), or override ToString in the struct"
                : $"override {method.Name} in the struct, or compare its fields directly";
            context.ReportDiagnostic(Diagnostic.Create(Rules.Boxing, invocation.Syntax.GetLocation(),
                $"'{receiver.ToDisplayString()}' does not override {method.Name}, so calling object.{method.Name} boxes it",
                instead));
        }

        // UK0004: query syntax (its clauses become delegates and LINQ calls).
        private static void Query(SyntaxNodeAnalysisContext context) =>
            context.ReportDiagnostic(Diagnostic.Create(Rules.Linq, context.Node.GetFirstToken().GetLocation(), "A LINQ query"));

        // UK0005: a string + that is not a constant (constants are folded by the compiler and work).
        private static void Concatenation(OperationAnalysisContext context)
        {
            IOperation operation = context.Operation;
            if (operation.ConstantValue.HasValue) return;
            if (operation is IBinaryOperation binary)
            {
                if (binary.OperatorKind != BinaryOperatorKind.Add || binary.Type?.SpecialType != SpecialType.System_String) return;
                // a + b + c is one concatenation: report the outermost + only.
                if (binary.Parent is IBinaryOperation outer && outer.OperatorKind == BinaryOperatorKind.Add
                    && outer.Type?.SpecialType == SpecialType.System_String && !outer.ConstantValue.HasValue) return;
            }
            else if (operation is ICompoundAssignmentOperation compound)
            {
                if (compound.OperatorKind != BinaryOperatorKind.Add || compound.Target.Type?.SpecialType != SpecialType.System_String) return;
            }
            else return;
            context.ReportDiagnostic(Diagnostic.Create(Rules.StringConcat, operation.Syntax.GetLocation()));
        }

        // UK0006: the async modifier and await.
        private static void AsyncModifier(SyntaxNodeAnalysisContext context)
        {
            SyntaxToken modifier = context.Node switch
            {
                MethodDeclarationSyntax method => method.Modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.AsyncKeyword)),
                LocalFunctionStatementSyntax local => local.Modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.AsyncKeyword)),
                AnonymousFunctionExpressionSyntax function => function.AsyncKeyword,
                _ => default,
            };
            if (modifier.IsKind(SyntaxKind.AsyncKeyword))
                context.ReportDiagnostic(Diagnostic.Create(Rules.Async, modifier.GetLocation(), "'async'"));
        }

        private static void Await(SyntaxNodeAnalysisContext context) =>
            context.ReportDiagnostic(Diagnostic.Create(Rules.Async, ((AwaitExpressionSyntax)context.Node).AwaitKeyword.GetLocation(), "'await'"));

        // UK0007: lock.
        private static void Lock(SyntaxNodeAnalysisContext context) =>
            context.ReportDiagnostic(Diagnostic.Create(Rules.Threads, ((LockStatementSyntax)context.Node).LockKeyword.GetLocation(), "'lock'"));

        // UK0008 (UK0004, UK0006, UK0007 for LINQ, task and thread names): a well-known BCL name that does not
        // bind here. Names that bind (to the corlib, Unikernel or the user's own types) are never reported.
        private static void UnboundName(SyntaxNodeAnalysisContext context)
        {
            var name = (SimpleNameSyntax)context.Node;
            if (!Bcl.Types.TryGetValue(name.Identifier.ValueText, out Bcl.Advice? advice)) return;
            if (name.Parent is UsingDirectiveSyntax || name.Parent is QualifiedNameSyntax q && q.Parent is UsingDirectiveSyntax) return;
            // Names that declare rather than refer: an alias (using Console = Unikernel.Console), a named argument.
            if (name.Parent is NameEqualsSyntax || name.Parent is NameColonSyntax) return;
            // Only a name on its own or after a namespace/type (System.Math), never a member of a value (x.Math).
            if (name.Parent is MemberAccessExpressionSyntax access && access.Name == name)
            {
                ISymbol? left = context.SemanticModel.GetSymbolInfo(access.Expression, context.CancellationToken).Symbol;
                if (!(left is INamespaceOrTypeSymbol)) return;
            }
            if (name.Parent is QualifiedNameSyntax qualified && qualified.Left == name) return;
            SymbolInfo info = context.SemanticModel.GetSymbolInfo(name, context.CancellationToken);
            if (info.Symbol != null || !info.CandidateSymbols.IsEmpty) return;
            if (context.SemanticModel.GetTypeInfo(name, context.CancellationToken).Type is ITypeSymbol type && type.TypeKind != TypeKind.Error) return;
            string shown = name is GenericNameSyntax generic ? name.Identifier.ValueText + "<" + new string(',', generic.Arity - 1) + ">" : name.Identifier.ValueText;
            context.ReportDiagnostic(Diagnostic.Create(advice.Rule, name.GetLocation(), Args(advice, shown)));
        }

        // UK0008's message takes the name and the advice; the others carry their advice in the message.
        private static object[] Args(Bcl.Advice advice, string name) =>
            advice.Rule == Rules.MissingBcl ? new object[] { name, advice.Instead } : new object[] { "'" + name + "'" };

        // UK0008 (and UK0004/6/7): a using of a BCL namespace the corlib lacks.
        private static void UsingDirective(SyntaxNodeAnalysisContext context)
        {
            var directive = (UsingDirectiveSyntax)context.Node;
            if (directive.Name == null || directive.Alias != null || !directive.StaticKeyword.IsKind(SyntaxKind.None)) return;
            string text = directive.Name.ToString();
            if (!Bcl.Namespaces.TryGetValue(text, out Bcl.Advice? advice)) return;
            if (context.SemanticModel.GetSymbolInfo(directive.Name, context.CancellationToken).Symbol != null) return;
            context.ReportDiagnostic(Diagnostic.Create(advice.Rule, directive.Name.GetLocation(), Args(advice, text)));
        }

        // UK0008: tuples need System.ValueTuple, which the corlib lacks.
        private static void Tuple(SyntaxNodeAnalysisContext context)
        {
            ITypeSymbol? type = context.SemanticModel.GetTypeInfo(context.Node, context.CancellationToken).Type;
            if (type is INamedTypeSymbol tuple && tuple.IsTupleType)
            {
                INamedTypeSymbol underlying = tuple.TupleUnderlyingType ?? tuple;
                if (underlying.OriginalDefinition.TypeKind != TypeKind.Error) return;
            }
            else if (type != null && type.TypeKind != TypeKind.Error) return;
            context.ReportDiagnostic(Diagnostic.Create(Rules.MissingBcl, context.Node.GetLocation(),
                "System.ValueTuple", "declare a struct for the values, or return them through out parameters"));
        }

        // UK0009: an interpolated string that is made into a string (or object) instead of going to a handler.
        private static void InterpolatedString(SyntaxNodeAnalysisContext context)
        {
            var node = (InterpolatedStringExpressionSyntax)context.Node;
            if (context.SemanticModel.GetConstantValue(node, context.CancellationToken).HasValue) return;
            TypeInfo info = context.SemanticModel.GetTypeInfo(node, context.CancellationToken);
            ITypeSymbol? target = info.ConvertedType ?? info.Type;
            if (target == null || target.TypeKind == TypeKind.Error) return;
            if (target.GetAttributes().Any(a => a.AttributeClass?.Name == "InterpolatedStringHandlerAttribute")) return;
            context.ReportDiagnostic(Diagnostic.Create(Rules.InterpolatedString, node.GetLocation(), target.ToDisplayString()));
        }
    }
}
