using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace OxideMirror.Cli.Config;

/// <summary>
/// Reads typed values out of configuration sections and collects a <see cref="ConfigError"/> for every key that is
/// unknown, missing, of the wrong type or out of range, each named by its full path (<c>Sources:0:MaxRetries</c>).
/// Every string value has its <c>${NAME}</c> references expanded first (<see cref="VariableExpander"/>).
/// </summary>
internal sealed class ConfigReader(IReadOnlyDictionary<string, string> environment, EnvironmentOverrides overrides)
{
    private readonly List<ConfigError> _errors = [];

    public IReadOnlyList<ConfigError> Errors => _errors;

    public void Error(string key, string message) => _errors.Add(new ConfigError(key, message));

    /// <summary>
    /// Reports every child of <paramref name="section"/> that is not one of <paramref name="known"/> (compared as
    /// configuration does, without regard to case), with the nearest known key, or where the key belongs when it is a
    /// setting of another section (<paramref name="elsewhere"/>).
    /// </summary>
    public void OnlyKeys(IConfigurationSection section, string what, string[] known, (string Where, string[] Keys)? elsewhere = null)
    {
        foreach (var child in section.GetChildren())
        {
            if (known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var near = known.Where(k => Distance(k, child.Key) <= 2).Select(k => $" Did you mean '{k}'?").FirstOrDefault()
                ?? elsewhere?.Keys.Where(k => Distance(k, child.Key) <= 2).Select(k => $" '{k}' is a setting of {elsewhere.Value.Where}.").FirstOrDefault()
                ?? "";
            var from = overrides.VariableFor(child.Path) is { } variable ? $" (it is set by the environment variable {variable})" : "";
            Error(child.Path, $"{child.Path} is not a setting of {what}{from}.{near} The settings are: {string.Join(", ", known)}.");
        }
    }

    /// <summary>Returns the key's text with its variables expanded, or <see langword="null"/> when it is not set (or has an error, reported).</summary>
    public string? String(IConfigurationSection parent, string key, bool required = false, string? hint = null)
    {
        var section = parent.GetSection(key);
        if (section.GetChildren().Any())
        {
            Error(section.Path, $"{P(parent, key)} is an object or an array, but it takes a text value.");
            return null;
        }

        if (section.Value is null || (section.Value.Length == 0 && required))
        {
            if (required)
            {
                Error(section.Path, $"{P(parent, key)} is missing. Set it{Hint(hint)}.");
            }

            return null;
        }

        var expanded = VariableExpander.Expand(section.Value, environment, out var problem);
        if (problem is not null)
        {
            Error(section.Path, $"{P(parent, key)} cannot be read: {problem}");
        }

        return expanded;
    }

    public int? Int(IConfigurationSection parent, string key, int min, int max) =>
        (int?)Integer(parent, key, min, max);

    public long? Long(IConfigurationSection parent, string key, long min, long max) =>
        Integer(parent, key, min, max);

    public double? Double(IConfigurationSection parent, string key, double min, double max)
    {
        if (Text(parent, key, "a number") is not { } text)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Error(parent.GetSection(key).Path, $"{P(parent, key)} is '{text}', which is not a number. Set a number from {F(min)} to {F(max)}.");
            return null;
        }

        if (value < min || value > max)
        {
            Error(parent.GetSection(key).Path, $"{P(parent, key)} is {F(value)}, out of range. Set a number from {F(min)} to {F(max)}.");
            return null;
        }

        return value;
    }

    public bool? Bool(IConfigurationSection parent, string key)
    {
        if (Text(parent, key, "true or false") is not { } text)
        {
            return null;
        }

        if (!bool.TryParse(text, out var value))
        {
            Error(parent.GetSection(key).Path, $"{P(parent, key)} is '{text}', which is not a boolean. Set true or false.");
            return null;
        }

        return value;
    }

    /// <summary>Reads a duration written as <c>hh:mm:ss</c> (<c>d.hh:mm:ss.fff</c>) or as a number and a unit: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>.</summary>
    public TimeSpan? Duration(IConfigurationSection parent, string key, TimeSpan min, TimeSpan max, bool allowInfinite = false)
    {
        if (Text(parent, key, "a duration") is not { } text)
        {
            return null;
        }

        var path = parent.GetSection(key).Path;
        if (allowInfinite && text.Equals("infinite", StringComparison.OrdinalIgnoreCase))
        {
            return Timeout.InfiniteTimeSpan;
        }

        if (!TryParseDuration(text, out var value))
        {
            Error(path, $"{P(parent, key)} is '{text}', which is not a duration. Write it as \"30s\", \"500ms\", \"5m\", \"2h\", \"1d\" or \"00:00:30\"{(allowInfinite ? ", or \"infinite\"" : "")}.");
            return null;
        }

        if (value < min || value > max)
        {
            Error(path, $"{P(parent, key)} is {text}, out of range. Set a duration from {D(min)} to {D(max)}{(allowInfinite ? ", or \"infinite\"" : "")}.");
            return null;
        }

        return value;
    }

    /// <summary>Returns the elements of an array section (keys 0, 1, 2, …), reporting a key that is not an index, a gap, or a value in place of the array.</summary>
    public IReadOnlyList<IConfigurationSection> Array(IConfigurationSection parent, string key, string element)
    {
        var section = parent.GetSection(key);
        if (section.Value is { Length: > 0 })
        {
            Error(section.Path, $"{P(parent, key)} is '{section.Value}', but it takes an array of {element} ([ {{ ... }} ]).");
            return [];
        }

        var children = section.GetChildren().ToList();
        var items = new List<IConfigurationSection>();
        foreach (var child in children)
        {
            if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                Error(child.Path, $"{P(parent, key)} takes an array of {element}, but has a key '{child.Key}'. Write {key} as a JSON array; an environment variable sets one element by its index ({key}__0__...).");
                return [];
            }
        }

        var ordered = children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            if (ordered[i].Key != i.ToString(CultureInfo.InvariantCulture))
            {
                Error(ordered[i].Path, $"{P(parent, key)} has element {ordered[i].Key} but no element {i}. Number the elements from 0 without gaps.");
                return [];
            }

            items.Add(ordered[i]);
        }

        return items;
    }

    /// <summary>Returns the string pairs of an object section (names to values, variables expanded).</summary>
    public IReadOnlyDictionary<string, string> Map(IConfigurationSection parent, string key)
    {
        var section = parent.GetSection(key);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (section.Value is { Length: > 0 })
        {
            Error(section.Path, $"{P(parent, key)} is '{section.Value}', but it takes an object of names and text values ({{ \"name\": \"value\" }}).");
            return map;
        }

        foreach (var child in section.GetChildren())
        {
            if (String(section, child.Key) is { } value)
            {
                map[child.Key] = value;
            }
        }

        return map;
    }

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        (string Suffix, double Ticks)[] units = [("ms", TimeSpan.TicksPerMillisecond), ("s", TimeSpan.TicksPerSecond), ("m", TimeSpan.TicksPerMinute), ("h", TimeSpan.TicksPerHour), ("d", TimeSpan.TicksPerDay)];
        foreach (var (suffix, ticks) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                && number * ticks < TimeSpan.MaxValue.Ticks)
            {
                value = TimeSpan.FromTicks((long)Math.Round(number * ticks));
                return true;
            }
        }

        return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }

    private long? Integer(IConfigurationSection parent, string key, long min, long max)
    {
        if (Text(parent, key, "a whole number") is not { } text)
        {
            return null;
        }

        var path = parent.GetSection(key).Path;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(path, string.Create(CultureInfo.InvariantCulture, $"{P(parent, key)} is '{text}', which is not a whole number. Set a whole number from {min:N0} to {max:N0}."));
            return null;
        }

        if (value < min || value > max)
        {
            Error(path, string.Create(CultureInfo.InvariantCulture, $"{P(parent, key)} is {value:N0}, out of range. Set a whole number from {min:N0} to {max:N0}."));
            return null;
        }

        return value;
    }

    /// <summary>Returns a scalar's expanded text, or null when it is not set; reports an object or array in its place.</summary>
    private string? Text(IConfigurationSection parent, string key, string takes)
    {
        var section = parent.GetSection(key);
        if (section.GetChildren().Any())
        {
            Error(section.Path, $"{P(parent, key)} is an object or an array, but it takes {takes}.");
            return null;
        }

        return string.IsNullOrEmpty(section.Value) ? null : String(parent, key);
    }

    private static string P(IConfigurationSection parent, string key) => parent.GetSection(key).Path;

    private static string Hint(string? hint) => hint is null ? "" : " " + hint;

    private static string F(double value) => value.ToString("#,0.###", CultureInfo.InvariantCulture);

    private static string D(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    private static int Distance(string a, string b)
    {
        a = a.ToUpperInvariant();
        b = b.ToUpperInvariant();
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }
}
