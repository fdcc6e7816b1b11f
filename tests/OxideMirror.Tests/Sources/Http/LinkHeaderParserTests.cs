namespace OxideMirror.Tests.Sources.Http;

public sealed class LinkHeaderParserTests
{
    [Theory]
    [InlineData("<https://api.example.com/items?page=2>; rel=\"next\"", "https://api.example.com/items?page=2")]
    [InlineData("</items?page=1>; rel=\"first\", </items?page=3>; rel=\"next\", </items?page=9>; rel=\"last\"", "/items?page=3")]
    [InlineData("</a?x=1,2>; rel=\"prev\", </b?y=3,4>; title=\"a, b\"; rel=\"next\"", "/b?y=3,4")]
    [InlineData("</items?page=2>; REL=\"prefetch Next\"", "/items?page=2")]
    [InlineData("</items?page=2>; rel=next", "/items?page=2")]
    public void FindNext_HeaderWithNext_ReturnsItsTarget(string header, string expected)
    {
        LinkHeaderParser.FindNext(header).Should().Be(expected);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("</items?page=1>; rel=\"prev\"")]
    [InlineData("</items?page=1>; rel=\"nextpage\"")]
    [InlineData("garbage")]
    public void FindNext_NoNextLink_ReturnsNull(string? header)
    {
        LinkHeaderParser.FindNext(header).Should().BeNull();
    }
}
