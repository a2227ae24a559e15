using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using OssCopy.Functions;

// The ASP.NET Core integration, the error-mapping middleware and services.AddOssCopyFunctions(configuration):
// one extension, so the tests build exactly this app (see FunctionsServiceCollectionExtensions).
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureOssCopyFunctions();
builder.Build().Run();
