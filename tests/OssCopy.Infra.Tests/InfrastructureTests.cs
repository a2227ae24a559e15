using OssCopy.Functions.Copy;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using OssCopy.AzureStorage;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;

namespace OssCopy.Infra.Tests;

/// <summary>What main.bicep deploys: the Flex Consumption app, its storage named as the app names it, the identity's least roles, and the plan parameter's shape.</summary>
public sealed partial class InfrastructureTests
{
    // Azure built-in role definition ids and what the app needs each for.
    private static readonly Dictionary<string, string> LeastRoles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner (host leases, deployment package, reports, state)",
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor (list/copy queues and their poison queues)",
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor (runs and outcomes)",
        ["4633458b-17de-408a-b874-0445c86b69e6"] = "Key Vault Secrets User (the OSS secret, keyvault mode)",
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher (Entra ID telemetry ingestion)",
    };

    [Fact]
    public void The_app_runs_dotnet_isolated_10_on_the_Flex_Consumption_plan()
    {
        var app = DeployedSettings.FunctionApp;
        var plan = app.ResourcesOfType("Microsoft.Web/serverfarms").Single();
        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);

        var config = DeployedSettings.Site()["properties"]!["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)config["runtime"]!["version"]);
        Assert.Equal("[parameters('maximumInstanceCount')]", (string?)config["scaleAndConcurrency"]!["maximumInstanceCount"]);
        Assert.Equal("[parameters('instanceMemoryMB')]", (string?)config["scaleAndConcurrency"]!["instanceMemoryMB"]);
        var storage = config["deployment"]!["storage"]!;
        Assert.Equal("blobContainer", (string?)storage["type"]);
        Assert.Equal("UserAssignedIdentity", (string?)storage["authentication"]!["type"]);
        Assert.Equal("[parameters('identityId')]", (string?)storage["authentication"]!["userAssignedIdentityResourceId"]);
        Assert.Equal("UserAssigned", (string?)DeployedSettings.Site()["identity"]!["type"]);

        // Flex Consumption refuses the runtime settings other plans take from app settings.
        var settings = DeployedSettings.For("oidc");
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", settings.Keys);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", settings.Keys);
        Assert.DoesNotContain("WEBSITE_RUN_FROM_PACKAGE", settings.Keys);

        Assert.Equal("int", (string?)CompiledTemplate.Main.Parameters["maximumInstanceCount"]!["type"]);
        Assert.Equal("int", (string?)CompiledTemplate.Main.Parameters["instanceMemoryMB"]!["type"]);
    }

    [Fact]
    public void Every_queue_table_and_container_the_app_uses_by_default_is_created()
    {
        var options = new AzureStorageOptions();
        var main = CompiledTemplate.Main;
        Assert.Equal(options.ListQueue, main.DefaultValue("listQueueName"));
        Assert.Equal(options.CopyQueue, main.DefaultValue("copyQueueName"));
        Assert.Equal(options.RunsTable, main.DefaultValue("runsTableName"));
        Assert.Equal(options.OutcomesTable, main.DefaultValue("outcomesTableName"));
        Assert.Equal(options.ReportsContainer, main.DefaultValue("reportsContainerName"));
        Assert.Equal(options.StateContainer, main.DefaultValue("stateContainerName"));
        Assert.Equal(options.Connection, DeployedSettings.For("oidc")["OssCopy__AzureStorage__Connection"]);

        var storage = main.Resources.Single(r => r.Name == "storage").Resource["properties"]!["parameters"]!;
        Assert.Equal(["[parameters('listQueueName')]", "[parameters('copyQueueName')]", AsyncCopyNames.Queue], Strings(storage["queueNames"]!["value"]!));
        Assert.Equal(
            ["[parameters('runsTableName')]", "[parameters('outcomesTableName')]", AsyncCopyNames.CopiesTable, AsyncCopyNames.IdempotencyTable, AsyncCopyNames.EventsTable],
            Strings(storage["tableNames"]!["value"]!));
        Assert.Equal(["[parameters('reportsContainerName')]", "[parameters('stateContainerName')]"], Strings(storage["containerNames"]!["value"]!));

        // The poison queues the Functions runtime writes to are the app's names too ({queue}-poison).
        Assert.Equal(options.CopyQueue + "-poison", options.CopyPoisonQueue);
        var allQueues = main.Module("storage").Variables["allQueues"]!.ToString();
        Assert.Contains("'{0}-poison'", allQueues, StringComparison.Ordinal);
        Assert.NotNull(main.Module("storage").ResourcesOfType("Microsoft.Storage/storageAccounts/queueServices/queues").Single()["copy"]);
        Assert.NotNull(main.Module("storage").ResourcesOfType("Microsoft.Storage/storageAccounts/tableServices/tables").Single()["copy"]);
    }

    [Fact]
    public void The_identity_gets_the_least_roles_and_no_other()
    {
        var granted = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (module, template) in CompiledTemplate.Main.Modules)
        {
            foreach (var (name, value) in template.Variables)
            {
                if (value is JsonValue v && v.TryGetValue<string>(out var text) && Guid().IsMatch(text))
                {
                    granted[text] = $"{module}.{name}";
                }
            }

            foreach (var assignment in template.ResourcesOfType("Microsoft.Authorization/roleAssignments"))
            {
                Assert.Equal("ServicePrincipal", (string?)assignment["properties"]!["principalType"]);
                Assert.Equal("[parameters('identityPrincipalId')]", (string?)assignment["properties"]!["principalId"]);
            }
        }

        Assert.Equal(LeastRoles.Keys.Order(StringComparer.OrdinalIgnoreCase), granted.Keys.Order(StringComparer.OrdinalIgnoreCase));
        Assert.Equal("keyVault.keyVaultSecretsUser", granted["4633458b-17de-408a-b874-0445c86b69e6"]);
    }

    [Fact]
    public void The_plan_parameter_has_the_shape_the_app_binds_plans_from()
    {
        var definitions = CompiledTemplate.Main.Root["definitions"]!.AsObject();
        AssertSameProperties(definitions, "backupPlan", typeof(BackupPlan), except: [nameof(BackupPlan.Oss)], extra: ["schedule"]);
        AssertSameProperties(definitions, "bucketLocation", typeof(BucketLocation));
        AssertSameProperties(definitions, "planOptions", typeof(BackupCopyOptions));
        AssertSameProperties(definitions, "tagRule", typeof(TagRule));
        Assert.Equal(Enum.GetNames<CopyVerification>().Order(), AllowedValues(definitions, "planOptions", "verification").Order());
        Assert.Equal(Enum.GetNames<TagAction>().Order(), AllowedValues(definitions, "tagRule", "action").Order());
    }

    [Fact]
    public void Plan_settings_as_the_template_writes_them_load_as_a_valid_plan_with_the_apps_plan_loader()
    {
        // main.bicep's planJson: ARM's string() of the plan object with the parameter's own (camelCase) keys, under
        // OssCopy__Backups__Plans__{name}__Json, which the app reads with the CLI's plan loader.
        var json = """
            {"name":"nightly-photos","source":{"bucket":"photos-src","prefix":"camera/"},"destination":{"bucket":"photos-backup","prefix":"camera-backup/"},"include":["**/*.jpg"],"exclude":["**/tmp/**"],"options":{"storageClass":"IA","forbidOverwrite":true,"verification":"Full","parallelism":16},"tagRules":[{"prefix":"raw/","action":"Replace","tagging":"Backup={plan}&Date={date}"}]}
            """;

        var plan = BackupPlanLoader.Parse(json);
        Assert.Empty(BackupPlanLoader.Validate(plan));
        Assert.Equal("nightly-photos", plan.Name);
        Assert.Equal("camera-backup/", plan.Destination.Prefix);
        Assert.True(plan.Options.ForbidOverwrite);
        Assert.Equal(CopyVerification.Full, plan.Options.Verification);
        Assert.Equal(16, plan.Options.Parallelism);
        Assert.Equal(TagAction.Replace, Assert.Single(plan.TagRules).Action);
        Assert.Equal(["**/*.jpg"], plan.Include);

        // and the template writes exactly those settings, named as the app's OssCopy:Backups section binds them.
        var functions = CompiledTemplate.Main.Root["functions"]!.ToString();
        Assert.Contains("OssCopy__Backups__Plans__{0}__Json", functions, StringComparison.Ordinal);
        Assert.Contains("OssCopy__Backups__Plans__{0}__Schedule", functions, StringComparison.Ordinal);
        Assert.Equal("OssCopy:Backups", OssCopy.Functions.Backups.BackupOptions.SectionName);
    }

    [Fact]
    public void The_outputs_name_what_the_Alibaba_side_of_OIDC_needs()
    {
        var outputs = CompiledTemplate.Main.Outputs;
        Assert.Equal("[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, tenant().tenantId)]", (string?)outputs["OIDC_ISSUER"]!["value"]);
        Assert.Equal("[reference('identity').outputs.principalId.value]", (string?)outputs["OIDC_SUBJECT"]!["value"]);
        Assert.Contains("parameters('ossTokenScope')", outputs["OIDC_AUDIENCE"]!["value"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal("functions", (string?)Regex.Match(DeployedSettings.Site()["tags"]!.ToString(), "'azd-service-name', '([^']+)'").Groups[1].Value);
    }

    [Fact]
    public void Azd_provisions_infra_main_bicep_and_deploys_the_functions_project()
    {
        var root = RepositoryRoot();
        var azureYaml = File.ReadAllText(Path.Combine(root, "azure.yaml"));
        Assert.Matches(@"(?m)^infra:\s*\n\s+provider: bicep\s*\n\s+path: infra\s*\n\s+module: main\s*$", azureYaml);
        Assert.Matches(@"(?m)^\s+functions:\s*\n\s+project: src/OssCopy\.Functions\s*\n\s+language: dotnet\s*\n\s+host: function\s*$", azureYaml);
        Assert.True(File.Exists(Path.Combine(root, "src", "OssCopy.Functions", "OssCopy.Functions.csproj")));

        // Every parameter main.parameters.json fills is one main.bicep declares, and every required one is filled.
        var parameterFile = File.ReadAllText(Path.Combine(root, "infra", "main.parameters.json"));
        var filled = Regex.Matches(parameterFile, "\"([A-Za-z]+)\": \\{ \"value\"").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var declared = CompiledTemplate.Main.Parameters;
        Assert.All(filled, p => Assert.True(declared.ContainsKey(p), $"main.parameters.json sets '{p}', which main.bicep does not declare."));
        Assert.All(declared.Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key), p => Assert.Contains(p, filled));
    }

    [Fact]
    public void The_azd_parameter_file_gives_each_parameter_a_value_of_its_type()
    {
        // azd substitutes ${NAME} (or its =default) in the file's text; the result must be JSON whose values have the
        // template's types: numbers and arrays unquoted, strings quoted.
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), "infra", "main.parameters.json"));
        var substituted = Regex.Replace(text, @"\$\{([A-Z_]+)(?:=([^}]*))?\}", m => m.Groups[2].Success ? m.Groups[2].Value : "sample-" + m.Groups[1].Value.ToLowerInvariant());
        var parameters = JsonNode.Parse(substituted)!["parameters"]!.AsObject();

        Assert.NotEmpty(parameters);
        foreach (var (name, entry) in parameters)
        {
            var value = entry!["value"]!;
            var type = (string?)CompiledTemplate.Main.Parameters[name]!["type"];
            var kind = value.GetValueKind();
            var matches = type switch
            {
                "int" => kind == JsonValueKind.Number,
                "array" => kind == JsonValueKind.Array,
                "bool" => kind is JsonValueKind.True or JsonValueKind.False,
                _ => kind == JsonValueKind.String,
            };
            Assert.True(matches, $"main.parameters.json gives '{name}' ({type}) a {kind}.");
        }

        Assert.Equal(CompiledTemplate.Main.DefaultValue("ossCredentialMode"), (string?)parameters["ossCredentialMode"]!["value"]);
        Assert.Equal(CompiledTemplate.Main.DefaultValue("backupSchedule"), (string?)parameters["backupSchedule"]!["value"]);
        Assert.Equal(CompiledTemplate.Main.DefaultValue("maximumInstanceCount"), parameters["maximumInstanceCount"]!["value"]!.ToString());
    }

    private static void AssertSameProperties(JsonObject definitions, string bicepType, Type appType, string[]? except = null, string[]? extra = null)
    {
        var bicep = definitions[bicepType]!["properties"]!.AsObject().Select(p => p.Key).Except(extra ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var app = appType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name)
            .Except(except ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.True(bicep.SetEquals(app), $"Bicep type {bicepType} has [{string.Join(", ", bicep.Order())}], {appType.Name} binds [{string.Join(", ", app.Order())}].");
    }

    private static string[] Strings(JsonNode array) => [.. array.AsArray().Select(v => (string)v!)];

    private static IEnumerable<string> AllowedValues(JsonObject definitions, string bicepType, string property) =>
        definitions[bicepType]!["properties"]![property]!["allowedValues"]!.AsArray().Select(v => (string)v!);

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "azure.yaml")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("No azure.yaml above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex Guid();
}
