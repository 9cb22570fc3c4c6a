// Each test builds its own copy of a test asset in its own folder: two run at once, which the SDK test time budget needs.
[assembly: Parallelize(Workers = 2, Scope = ExecutionScope.MethodLevel)]
