// The library's namespaces, so that each test names the types it exercises without a using per file.
global using OxideMirror.Hosting;
global using OxideMirror.Http;
global using OxideMirror.Kernel;
