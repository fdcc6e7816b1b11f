namespace OxideMirror.Tests.Log;

/// <summary>The net-change rule on its own: a record's state at the start of a range against its state at the end.</summary>
public sealed class ChangeRulesTests
{
    [Theory]
    [InlineData(false, true, ChangeKind.Inserted)]
    [InlineData(true, true, ChangeKind.Updated)]
    [InlineData(true, false, ChangeKind.Deleted)]
    [InlineData(false, false, ChangeKind.Deleted)]
    public void Net_StartAndEndState_GivesTheNetChange(bool existedAtStart, bool liveAtEnd, ChangeKind expected)
    {
        ChangeRules.Net(existedAtStart, liveAtEnd).Should().Be(expected);
    }

    [Theory]
    [InlineData(ApplyDecision.Inserted, false)]
    [InlineData(ApplyDecision.Updated, true)]
    [InlineData(ApplyDecision.Merged, true)]
    public void ExistedBefore_DecisionThatTells_Answers(ApplyDecision firstDecision, bool expected)
    {
        ChangeRules.ExistedBefore(LogVocabulary.Text(firstDecision)).Should().Be(expected);
    }

    [Theory]
    [InlineData(ApplyDecision.Deleted)]
    [InlineData(ApplyDecision.Snapshot)]
    public void ExistedBefore_DeleteOrSnapshot_LeavesItToTheLog(ApplyDecision firstDecision)
    {
        ChangeRules.ExistedBefore(LogVocabulary.Text(firstDecision)).Should().BeNull();
    }

    [Fact]
    public void NetAfterExistedBefore_CreatedThenDeleted_IsDeletedThatDidNotExistAtStart()
    {
        // The first event in the range inserted the record; the last deleted it.
        var existed = ChangeRules.ExistedBefore(LogVocabulary.Text(ApplyDecision.Inserted));

        existed.Should().BeFalse();
        ChangeRules.Net(existed!.Value, liveAtEnd: false).Should().Be(ChangeKind.Deleted);
    }

    [Fact]
    public void Add_EachKind_CountsItOnceInItsColumn()
    {
        var counts = default(ResourceChangeCounts);

        counts = ChangeRules.Add(counts, ChangeKind.Inserted);
        counts = ChangeRules.Add(counts, ChangeKind.Updated);
        counts = ChangeRules.Add(counts, ChangeKind.Updated);
        counts = ChangeRules.Add(counts, ChangeKind.Deleted);

        counts.Should().Be(new ResourceChangeCounts(Inserted: 1, Updated: 2, Deleted: 1));
    }
}
