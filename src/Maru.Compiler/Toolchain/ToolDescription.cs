namespace Maru.Compiler.Toolchain;

/// <summary>One external tool of a platform toolchain and what a user needs to know when it is missing.</summary>
/// <param name="Role">What the tool is, in messages: "assembler" or "linker".</param>
/// <param name="Command">The command looked up on PATH when no path is given.</param>
/// <param name="EnvironmentVariable">The environment variable that overrides the command.</param>
/// <param name="OptionName">The <see cref="ToolchainOptions"/> property that overrides the command.</param>
/// <param name="Package">The Debian package that provides the command.</param>
internal sealed record ToolDescription(string Role, string Command, string EnvironmentVariable, string OptionName, string Package);
