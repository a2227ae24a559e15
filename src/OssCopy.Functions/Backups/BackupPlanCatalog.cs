using System.Text.Json;
using Microsoft.Extensions.Options;
using NCrontab;
using OssCopy.Core.Backup;

namespace OssCopy.Functions.Backups;

/// <summary>
/// The configured plans, loaded once at start through Core's plan model and checks (<see cref="BackupPlanLoader"/>):
/// the app runs plans in exactly the CLI's format. A plan that cannot load stops the app, naming its setting.
/// </summary>
public sealed class BackupPlanCatalog
{
    private readonly Dictionary<string, ConfiguredPlan> _plans;

    public BackupPlanCatalog(IOptions<BackupOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        _plans = Load(options.Value, AppContext.BaseDirectory, errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(BackupOptions.SectionName, typeof(BackupOptions), errors);
        }
    }

    /// <summary>The plans in name order.</summary>
    public IReadOnlyList<ConfiguredPlan> Plans => [.. _plans.Values.OrderBy(p => p.Name, StringComparer.Ordinal)];

    public ConfiguredPlan? Find(string name) => _plans.GetValueOrDefault(name);

    /// <summary>Loads every plan of <paramref name="options"/>; what is wrong goes to <paramref name="errors"/>, each naming its setting.</summary>
    public static Dictionary<string, ConfiguredPlan> Load(BackupOptions options, string baseDirectory, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        var plans = new Dictionary<string, ConfiguredPlan>(StringComparer.Ordinal);
        foreach (var (name, setting) in options.Plans)
        {
            var plan = LoadOne(name, setting ?? new BackupPlanSetting(), baseDirectory, errors);
            if (plan is not null)
            {
                plans[name] = plan;
            }
        }

        return plans;
    }

    private static ConfiguredPlan? LoadOne(string name, BackupPlanSetting setting, string baseDirectory, List<string> errors)
    {
        var path = $"{BackupOptions.SectionName}:Plans:{name}";
        var before = errors.Count;
        CrontabSchedule? schedule = null;
        if (!string.IsNullOrWhiteSpace(setting.Schedule))
        {
            schedule = ConfiguredPlan.ParseSchedule(setting.Schedule);
            if (schedule is null)
            {
                errors.Add($"{path}:Schedule '{setting.Schedule}' is not a 6-field NCRONTAB expression ({{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}, e.g. '0 0 2 * * *').");
            }
        }

        var hasFile = !string.IsNullOrWhiteSpace(setting.File);
        var hasJson = !string.IsNullOrWhiteSpace(setting.Json);
        if (hasFile == hasJson)
        {
            errors.Add($"{path} must set exactly one of {path}:File (a plan file) and {path}:Json (the plan's JSON).");
            return null;
        }

        var source = hasFile ? $"{path}:File" : $"{path}:Json";
        string json;
        if (hasFile)
        {
            var file = Path.IsPathRooted(setting.File!) ? setting.File! : Path.Combine(baseDirectory, setting.File!);
            try
            {
                json = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{source}: the plan file '{file}' cannot be read ({ex.GetType().Name}: {ex.Message}).");
                return null;
            }
        }
        else
        {
            json = setting.Json!;
        }

        BackupPlan? plan;
        try
        {
            plan = JsonSerializer.Deserialize<BackupPlan>(json, BackupPlanLoader.JsonOptions);
        }
        catch (JsonException ex)
        {
            errors.Add($"{source}: the plan is not valid plan JSON at {ex.Path ?? "$"}: {ex.Message}");
            return null;
        }

        if (plan is null)
        {
            errors.Add($"{source}: the plan is empty.");
            return null;
        }

        // The setting's name is the plan's name; a plan file may leave it out, but must not contradict it.
        if (string.IsNullOrEmpty(plan.Name))
        {
            plan.Name = name;
        }
        else if (!string.Equals(plan.Name, name, StringComparison.Ordinal))
        {
            errors.Add($"{source}: the plan is named '{plan.Name}', but its setting names it '{name}'; use one name.");
        }

        foreach (var error in BackupPlanLoader.Validate(plan))
        {
            errors.Add($"{source}: {error.Field} {error.Message}");
        }

        return errors.Count == before ? new ConfiguredPlan(plan, schedule, schedule is null ? null : setting.Schedule!.Trim(), path) : null;
    }
}
