namespace OxideMirror.Tests.Log;

/// <summary>The op and decision text the log stores (the file format), on its own: every value round-trips, and unknown text is refused.</summary>
public sealed class LogVocabularyTests
{
    public static TheoryData<ApplyDecision, string> Decisions => new()
    {
        { ApplyDecision.Inserted, "insert" },
        { ApplyDecision.Updated, "update" },
        { ApplyDecision.Merged, "merge" },
        { ApplyDecision.Deleted, "delete" },
        { ApplyDecision.Skipped, "skip" },
        { ApplyDecision.Unchanged, "unchanged" },
        { ApplyDecision.Duplicate, "duplicate" },
        { ApplyDecision.Snapshot, "snapshot" },
    };

    public static TheoryData<ChangeOp, string> Ops => new()
    {
        { ChangeOp.Upsert, "upsert" },
        { ChangeOp.Delete, "delete" },
        { ChangeOp.Snapshot, "snapshot" },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Text_Decision_IsTheStoredTextAndParsesBack(ApplyDecision decision, string text)
    {
        LogVocabulary.Text(decision).Should().Be(text);
        LogVocabulary.Decision(text).Should().Be(decision);
    }

    [Fact]
    public void Decisions_CoverEveryApplyDecision()
    {
        Decisions.Select(row => (ApplyDecision)row[0]).Should().BeEquivalentTo(Enum.GetValues<ApplyDecision>());
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void Text_Op_IsTheStoredTextAndParsesBack(ChangeOp op, string text)
    {
        LogVocabulary.Text(op).Should().Be(text);
        LogVocabulary.Op(text).Should().Be(op);
    }

    [Fact]
    public void Ops_CoverEveryChangeOp()
    {
        Ops.Select(row => (ChangeOp)row[0]).Should().BeEquivalentTo(Enum.GetValues<ChangeOp>());
    }

    [Theory]
    [InlineData(DeltaOp.Upsert, "upsert")]
    [InlineData(DeltaOp.Delete, "delete")]
    public void Text_DeltaOp_IsTheStoredOpText(DeltaOp op, string text)
    {
        LogVocabulary.Text(op).Should().Be(text);
    }

    [Theory]
    [InlineData("Insert")]
    [InlineData("inserted")]
    [InlineData("")]
    public void Decision_UnknownText_ThrowsMirrorExceptionNamingIt(string text)
    {
        var parse = () => LogVocabulary.Decision(text);

        parse.Should().Throw<MirrorException>().WithMessage(
            $"The event log holds the decision '{text}', which this version of OxideMirror does not know. Open the mirror with the version that wrote it.");
    }

    [Theory]
    [InlineData("Upsert")]
    [InlineData("insert")]
    [InlineData("")]
    public void Op_UnknownText_ThrowsMirrorExceptionNamingIt(string text)
    {
        var parse = () => LogVocabulary.Op(text);

        parse.Should().Throw<MirrorException>().WithMessage(
            $"The event log holds the op '{text}', which this version of OxideMirror does not know. Open the mirror with the version that wrote it.");
    }
}
