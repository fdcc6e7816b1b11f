namespace OxideMirror.Tests.Storage;

/// <summary>A fact that needs <see cref="Tmpfs"/>: skipped, with the reason, where a tmpfs cannot be mounted.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Tmpfs.WhyNot is { } why)
        {
            Skip = "Needs a tmpfs mount: " + why + ".";
        }
    }
}
