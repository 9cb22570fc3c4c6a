namespace Maru.Compiler.Diagnostics;

/// <summary>
/// Every diagnostic code the compiler and its hosts report. Codes are stable: never renumber one.
/// docs/language.md lists each with what causes it.
/// </summary>
public static class DiagnosticCodes
{
    // Reading (lexical): MARU00xx
    public const string InvalidUtf8 = "MARU0001";            // a byte sequence that is not UTF-8
    public const string UnterminatedString = "MARU0002";     // end of file inside "..."
    public const string UnterminatedList = "MARU0003";       // end of file with a ( [ or { still open
    public const string UnexpectedCloseParen = "MARU0004";   // a ) ] or } with no matching opener, or closing a list of another kind: (a]
    public const string MalformedNumber = "MARU0005";        // 08, 12abc, 1+, 0x, 1., 1.e5, 1e
    public const string IntegerOutOfRange = "MARU0006";      // literal does not fit in 64 bits
    public const string InvalidEscape = "MARU0007";          // \q, \x4, \400, \uD800 ...
    public const string InvalidCharacterLiteral = "MARU0008";// ? not followed by one character and a delimiter
    public const string NestingTooDeep = "MARU0009";         // more open lists and prefixes than MaxNestingDepth
    public const string UnexpectedCharacter = "MARU0010";    // a character that starts no token (control characters ...); a ' ` , ,@ with no form after it
    public const string MalformedDottedList = "MARU0011";    // a misplaced '.': (. a), (a .), (a . b c), a '.' outside a list, '.
    public const string DoubleOutOfRange = "MARU0012";       // a double literal that rounds to infinity (1e400)
    public const string TooManyErrors = "MARU0099";          // more than 100 errors; the compiler stops reporting

    // Meaning (forms, names, arity): MARU01xx
    public const string MalformedForm = "MARU0100";          // a special form with the wrong shape, e.g. (let x) or (define-function f x)
    public const string InvalidTopLevelForm = "MARU0101";    // an expression or unknown form at top level
    public const string DuplicateDefinition = "MARU0102";    // a top-level name defined twice in the unit
    public const string WrongArgumentCount = "MARU0103";     // a call of a unit function or of an extern with a C signature with the wrong number of arguments
    public const string WrongOperandCount = "MARU0104";      // an operator or special form with the wrong number of operands
    public const string UndefinedName = "MARU0105";          // a name that is no parameter, local, global, function or extern
    public const string ReservedName = "MARU0106";           // binding or defining a special form or operator name (if, +, oop-at ...)
    public const string DuplicateBinding = "MARU0107";       // one name twice in a parameter list, a let, or a structure's fields
    public const string NotConstant = "MARU0108";            // a global initialiser that is not a constant expression
    public const string ConstantCycle = "MARU0109";          // constant globals whose initialisers depend on each other
    public const string ExportNotFunction = "MARU0110";      // (export x) where x is not a function of the unit
    public const string SymbolClash = "MARU0111";            // two names that give one native symbol, or one that clashes with an extern
    public const string BindingNameClash = "MARU0112";       // two exported functions that give one C# method name
    public const string InvalidMain = "MARU0113";            // main with a parameter count other than 0 or 2
    public const string NotSupported = "MARU0114";           // define-form, closures, quoted data, floats ... named, not yet supported
    public const string NotAssignable = "MARU0115";          // set/incr/address-of of a function, an extern or a non-variable
    public const string QuoteOutsideExtern = "MARU0116";     // 'name anywhere but (extern 'name)
    public const string InvalidFixedParameterCount = "MARU0117"; // (extern 'name n) where n is not an integer from 0 to 127
    public const string TooFewFixedArguments = "MARU0118";   // a call of an (extern 'name n) with fewer than n arguments
    public const string InvalidCSignature = "MARU0119";      // (extern 'name (T ...) R) with an unknown type, two ..., a float after ..., or no result type

    // Compile time (spec section 10: macros, compile regions, compile-time evaluation): MARU02xx
    public const string CompileTimeError = "MARU0200";       // an error while expanding or evaluating at compile time (a wrong type, an array bound ...)
    public const string ErrorCalled = "MARU0201";            // compile-time code called (error ...): its message
    public const string CompileTimeLimit = "MARU0202";       // a macro or compile-time computation that runs or nests past the documented limits
    public const string NotCompilable = "MARU0203";          // a compile region's definition whose final value is not a function, integer, string, extern or macro
    public const string LoadFailed = "MARU0204";             // (load "file") of a file that cannot be found or read, or loads nested too deeply
    public const string RegionMismatch = "MARU0205";         // (compile-end) without (compile-begin), or (compile-begin) without (compile-end)
    public const string MachineAtCompileTime = "MARU0206";   // compile-time code that calls a C function, return, address-of, or file/process functions
    public const string NotAFunction = "MARU0207";           // compile-time code that calls something that is not a function
    public const string WrongType = "MARU0208";              // a compile-time primitive given a value of the wrong type ((+ "a" 1))

    // Tools and outputs: MARU09xx
    public const string CannotReadSource = "MARU0900";       // a source file that cannot be read
    public const string ToolNotFound = "MARU0901";           // the assembler or linker is not installed / not at the given path
    public const string AssemblerError = "MARU0902";         // the assembler rejected the generated code (a compiler bug) or failed
    public const string LinkerError = "MARU0903";            // the linker failed (e.g. an unresolved symbol on a platform that needs it)
    public const string CannotWriteOutput = "MARU0904";      // the output library or assembly cannot be written
    public const string UnsupportedRuntime = "MARU0905";     // a runtime identifier this compiler has no target for
    public const string ToolFailed = "MARU0906";             // a tool crashed, timed out or could not be started
    public const string DuplicateSourceName = "MARU0907";    // one source file given twice to a unit; in Maru.Sdk, two MaruSource items with one file name
    public const string InvalidBindingName = "MARU0908";     // Maru.Sdk: a ClassName or MaruBindingsNamespace that is not a C# name
    public const string InvalidSdkSetting = "MARU0909";      // Maru.Sdk: a property with an unusable value (e.g. MaruLibraryName equal to the AssemblyName)
    public const string UnknownExtern = "MARU0910";          // an extern naming a C function the target's C library lacks, not listed as a process extern

    // Typed C# declarations ([Maru.MaruFunction]), reported by Maru.Sdk's source generator at the declaration: MARU092x
    public const string MaruFunctionNotExported = "MARU0920";     // a Maru name the project's Maru sources do not export
    public const string MaruFunctionParameterCount = "MARU0921";  // a declaration with another number of parameters than the Maru function
    public const string MaruFunctionTypeNotPassable = "MARU0922"; // a parameter or result type that cannot travel as a word (decimal, ref, string result ...)
    public const string InvalidMaruFunction = "MARU0923";         // a method that is not static partial without a body, is generic, in a type that is not partial, or where unsafe code is not allowed
}
