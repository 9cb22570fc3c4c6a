namespace System.Runtime.CompilerServices;

/// <summary>What C# records need to compile for netstandard2.0, which lacks it.</summary>
internal static class IsExternalInit;
