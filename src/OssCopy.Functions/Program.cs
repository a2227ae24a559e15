using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using OssCopy.Functions;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ErrorMappingMiddleware>();
builder.Services.AddOssCopyFunctions(builder.Configuration);
builder.Build().Run();
