using System.Text.Json;

namespace OxideMirror.PostgreSql.Tests;

[Collection(PostgresTests.Name)]
public sealed class PageWriteTests(PostgresServer server)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [PostgresFact]
    public async Task ApplyPageAsync_DeltaTooLargeMidPage_CommitsNothing()
    {
        var (store, cs) = await Mirrors.OpenAsync(server, o => o.MaxPayloadBytes = 1024);
        await using var _ = store;
        var page = new[]
        {
            Delta.Upsert("customers", "c1", new { name = "Acme" }, "crm"),
            Delta.Upsert("customers", "c2", new { name = new string('x', 2000) }, "crm"),
        };

        var act = () => store.ApplyPageAsync(page, LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));

        (await act.Should().ThrowAsync<InvalidDeltaException>()).Which.Index.Should().Be(1);
        (await Mirrors.CountAsync(cs, "mirror_events")).Should().Be(0);
        (await Mirrors.CountAsync(cs, "mirror_records")).Should().Be(0);
        (await Mirrors.CountAsync(cs, "mirror_resources")).Should().Be(0, "the resource table the first delta created rolled back with it");
        (await store.GetCursorAsync("crm")).Should().BeNull();
        (await store.GetRecordAsync("customers", "c1")).Should().BeNull();
    }

    [PostgresFact]
    public async Task ApplyPageAsync_StrategyThrowsMidPage_CommitsNothing_AndTheStoreStaysUsable()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.ApplyPageAsync([Delta.Upsert("customers", "c0", new { name = "Before" }, "crm")], LastWriteWins.Instance, new CursorUpdate("crm", "page-0"));
        var page = new[]
        {
            Delta.Upsert("customers", "c1", new { name = "Acme" }, "crm"),
            Delta.Upsert("customers", "boom", new { name = "Globex" }, "crm"),
        };

        var act = () => store.ApplyPageAsync(page, new ThrowingStrategy("boom"), new CursorUpdate("crm", "page-1"));

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*boom*");
        (await Mirrors.CountAsync(cs, "mirror_events")).Should().Be(1);
        (await store.GetCursorAsync("crm")).Should().Be("page-0");
        (await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM oxidemirror.customers")).Should().Be(1L);

        var results = await store.ApplyPageAsync(page, LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));
        results.Select(r => r.Decision).Should().Equal(ApplyDecision.Inserted, ApplyDecision.Inserted);
        (await store.GetCursorAsync("crm")).Should().Be("page-1");
    }

    [PostgresFact]
    public async Task ApplyPageAsync_SameDeltaIdTwice_SecondIsADuplicateThatWritesNothing()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        var delta = Delta.Upsert("customers", "c1", new { name = "Acme" }, "crm").WithId("evt-1").At(T0);

        var first = await store.ApplyAsync(delta, LastWriteWins.Instance);
        var second = await store.ApplyAsync(delta with { Payload = JsonSerializer.SerializeToElement(new { name = "Changed" }) }, LastWriteWins.Instance);
        var inPage = await store.ApplyPageAsync([delta, delta], LastWriteWins.Instance, new CursorUpdate("crm", "p"));

        first.Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 1));
        second.Should().Be(new AppliedDelta(false, ApplyDecision.Duplicate, 1));
        inPage.Should().AllSatisfy(r => r.Decision.Should().Be(ApplyDecision.Duplicate));
        (await Mirrors.CountAsync(cs, "mirror_events")).Should().Be(1);
        (await store.GetRecordAsync("customers", "c1"))!.Payload.GetProperty("name").GetString().Should().Be("Acme");
    }

    [PostgresFact]
    public async Task ApplyAsync_SamePayloadAgain_IsUnchanged_LoggedWithTheVersionKept()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        var delta = Delta.Upsert("customers", "c1", JsonDocument.Parse("""{"name":"Acme","tier":"gold"}""").RootElement, "crm");

        await store.ApplyAsync(delta, LastWriteWins.Instance);
        var again = await store.ApplyAsync(delta with { Payload = JsonDocument.Parse("""{"tier":"gold","name":"Acme"}""").RootElement }, LastWriteWins.Instance);

        again.Should().Be(new AppliedDelta(false, ApplyDecision.Unchanged, 1));
        (await Mirrors.CountAsync(cs, "mirror_events")).Should().Be(2);
        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(decision, ',' ORDER BY seq) FROM oxidemirror.mirror_events")).Should().Be("insert,unchanged");
    }

    [PostgresFact]
    public async Task ApplyAsync_Delete_LeavesATombstone_RemovesTheRow_AndASecondDeleteIsUnchanged()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Acme" }, "crm").At(T0), LastWriteWins.Instance);

        var deleted = await store.ApplyAsync(Delta.Delete("customers", "c1", "crm").At(T0.AddMinutes(1)), LastWriteWins.Instance);
        var again = await store.ApplyAsync(Delta.Delete("customers", "c1", "crm").At(T0.AddMinutes(2)), LastWriteWins.Instance);
        var unknown = await store.ApplyAsync(Delta.Delete("customers", "never", "crm"), LastWriteWins.Instance);

        deleted.Should().Be(new AppliedDelta(true, ApplyDecision.Deleted, 2));
        again.Should().Be(new AppliedDelta(false, ApplyDecision.Unchanged, 2));
        unknown.Should().Be(new AppliedDelta(true, ApplyDecision.Deleted, 1), "a delete of a record never seen keeps a tombstone, as in the SQLite store");
        (await store.GetRecordAsync("customers", "c1")).Should().BeNull();
        var tombstone = await store.GetTombstoneAsync("customers", "c1");
        tombstone.Should().NotBeNull();
        tombstone!.Version.Should().Be(2);
        tombstone.OccurredAt.Should().Be(T0.AddMinutes(1));
        (await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM oxidemirror.customers")).Should().Be(0L);

        var back = await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Acme again" }, "crm").At(T0.AddMinutes(3)), LastWriteWins.Instance);
        back.Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 3));
    }

    [PostgresFact]
    public async Task ApplyPageAsync_HighestConfidence_SkipsTheLessTrustedChange_AndLogsIt()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        var strategy = new HighestConfidence();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Trusted" }, "crm").WithConfidence(0.9).At(T0), strategy);

        var lower = await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Rumour" }, "crm").WithConfidence(0.2).At(T0.AddMinutes(1)), strategy);
        var higher = await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Certain" }, "crm").WithConfidence(1).At(T0.AddMinutes(2)), strategy);

        lower.Should().Be(new AppliedDelta(false, ApplyDecision.Skipped, 1));
        higher.Should().Be(new AppliedDelta(true, ApplyDecision.Updated, 2));
        (await store.GetRecordAsync("customers", "c1"))!.Payload.GetProperty("name").GetString().Should().Be("Certain");
        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(decision || ':' || strategy, ',' ORDER BY seq) FROM oxidemirror.mirror_events"))
            .Should().Be("insert:highest-confidence,skip:highest-confidence,update:highest-confidence");
        (await Mirrors.ScalarAsync(cs, "SELECT name FROM oxidemirror.customers WHERE record_id = 'c1'")).Should().Be("Certain");
    }

    [PostgresFact]
    public async Task ApplyPageAsync_MergeJson_StoresTheMergeInTheRecordAndTheEvent()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        var strategy = new MergeJson();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Acme", tier = "gold" }, "crm").At(T0), strategy);

        var merged = await store.ApplyAsync(Delta.Upsert("customers", "c1", new { seats = 12 }, "crm").At(T0.AddMinutes(1)), strategy);

        merged.Decision.Should().Be(ApplyDecision.Merged);
        var record = await store.GetRecordAsync("customers", "c1");
        record!.Payload.GetProperty("name").GetString().Should().Be("Acme");
        record.Payload.GetProperty("seats").GetInt32().Should().Be(12);
        (await Mirrors.ScalarAsync(cs, "SELECT merged_payload::text FROM oxidemirror.mirror_events WHERE decision = 'merge'")).Should().Be(record.Payload.GetRawText());
        (await Mirrors.ScalarAsync(cs, "SELECT tier || '/' || seats FROM oxidemirror.customers")).Should().Be("gold/12");
    }

    [PostgresFact]
    public async Task ApplyPageAsync_ResourceTable_HasTypedColumns_AndAValueOfAnotherKindWidensItToText()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;
        await store.ApplyPageAsync(
            [
                Delta.Upsert("invoices", "i1", new { amount = 12.5, paid = true, lines = new[] { 1, 2 } }, "billing"),
                Delta.Upsert("invoices", "i2", new { amount = 7, paid = false, lines = Array.Empty<int>() }, "billing"),
            ],
            LastWriteWins.Instance,
            new CursorUpdate("billing", "p1"));

        (await Mirrors.ScalarAsync(cs, "SELECT sum(amount)::text FROM oxidemirror.invoices")).Should().Be("19.5");
        (await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM oxidemirror.invoices WHERE paid")).Should().Be(1L);
        (await Mirrors.ScalarAsync(cs, "SELECT jsonb_array_length(lines) FROM oxidemirror.invoices WHERE record_id = 'i1'")).Should().Be(2);

        await store.ApplyAsync(Delta.Upsert("invoices", "i3", new { amount = "unknown" }, "billing"), LastWriteWins.Instance);

        (await Mirrors.ScalarAsync(cs, "SELECT data_type FROM information_schema.columns WHERE table_schema = 'oxidemirror' AND table_name = 'invoices' AND column_name = 'amount'")).Should().Be("text");
        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(amount, ',' ORDER BY record_id) FROM oxidemirror.invoices")).Should().Be("12.5,7,unknown");
    }

    [PostgresFact]
    public async Task ApplyPageAsync_CompletedPass_DeletesTheSourcesUnlistedRecords()
    {
        var (store, _) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var s = store;
        await store.ApplyPageAsync(
            [Delta.Upsert("tickets", "t1", new { title = "a" }, "desk"), Delta.Upsert("tickets", "t2", new { title = "b" }, "desk"), Delta.Upsert("tickets", "t3", new { title = "c" }, "desk")],
            LastWriteWins.Instance,
            new CursorUpdate("desk", "p1"));

        var results = await store.ApplyPageAsync([Delta.Upsert("tickets", "t3", new { title = "c2" }, "desk")], LastWriteWins.Instance, new CursorUpdate("desk", "p2"), [new CompletedPass("tickets", ["t1"])]);

        results.Select(r => r.Decision).Should().Equal(ApplyDecision.Updated, ApplyDecision.Deleted);
        (await store.GetRecordAsync("tickets", "t1")).Should().NotBeNull();
        (await store.GetRecordAsync("tickets", "t2")).Should().BeNull();
        (await store.GetTombstoneAsync("tickets", "t2")).Should().NotBeNull();
        (await store.GetRecordAsync("tickets", "t3")).Should().NotBeNull();
    }

    [PostgresFact]
    public async Task ApplyPageAsync_InvalidDelta_IsRefusedBeforeAnythingIsWritten_NamingTheField()
    {
        var (store, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = store;

        var act = () => store.ApplyPageAsync([Delta.Upsert("customers", "c1", new { a = 1 }, "crm"), Delta.Upsert("customers", " ", new { a = 1 }, "crm")], LastWriteWins.Instance, new CursorUpdate("crm", "p"));

        var thrown = await act.Should().ThrowAsync<InvalidDeltaException>();
        thrown.Which.Field.Should().Be("RecordId");
        thrown.Which.Message.Should().Contain("Delta 1 of the batch");
        (await Mirrors.CountAsync(cs, "mirror_events")).Should().Be(0);
    }

    [PostgresFact]
    public async Task OpenAsync_TwoProcessesAtOnce_MigrateOnce_AndReopeningIsANoOp()
    {
        var cs = await server.CreateDatabaseAsync();

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresMirrorStore.OpenAsync(cs)));
        await using var again = await PostgresMirrorStore.OpenAsync(cs);

        (await Mirrors.ScalarAsync(cs, "SELECT string_agg(version::text, ',' ORDER BY version) FROM oxidemirror.mirror_schema_migrations")).Should().Be("1,2,3");
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task OpenAsync_BadSchemaName_IsRefusedNamingIt()
    {
        var act = () => PostgresMirrorStore.OpenAsync("Host=127.0.0.1", new PostgresMirrorStoreOptions { Schema = "Bad-Name" });

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("'Bad-Name'").And.Contain("lower-case letters");
    }

    [PostgresFact]
    public async Task ApplyAsync_NulInAnId_IsAnInvalidDeltaNamingTheField_AndNulInThePayloadIsKept()
    {
        var (store, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _ = store;

        var act = () => store.ApplyAsync(Delta.Upsert("customers", "c\0", new { a = 1 }, "crm"), LastWriteWins.Instance);
        (await act.Should().ThrowAsync<InvalidDeltaException>()).Which.Field.Should().Be("RecordId");

        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "a\0b", meta = new { note = "x\0" } }, "crm"), LastWriteWins.Instance);

        (await store.GetRecordAsync("customers", "c1"))!.Payload.GetProperty("name").GetString().Should().Be("a\0b");
        (await Mirrors.ScalarAsync(cs, "SELECT name || '|' || (meta->>'note') FROM oxidemirror.customers")).Should().Be("a\uFFFDb|x\uFFFD");
    }

    private sealed class ThrowingStrategy(string recordId) : IConflictStrategy
    {
        public string Label => "throwing";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming) =>
            incoming.RecordId == recordId ? throw new InvalidOperationException("boom") : ConflictResolution.Apply;
    }
}
