namespace OxideMirror;

/// <summary>Says how <see cref="MirrorStore.SearchAsync"/> reads its text.</summary>
public enum SearchMode
{
    /// <summary>Plain words, every one of which a record must hold: each run of non-space characters is searched as a quoted phrase, so no character of the text is query syntax.</summary>
    AllWords,

    /// <summary>Plain words, any of which a record may hold (records holding more of them, and rarer ones, rank higher); each is a quoted phrase, as in <see cref="AllWords"/>.</summary>
    AnyWord,

    /// <summary>The text is an FTS5 query, passed to <c>MATCH</c> as it is: phrases in double quotes, <c>AND</c>, <c>OR</c>, <c>NOT</c>, <c>NEAR(…)</c>, prefixes (<c>auth*</c>) and column filters (<c>title: crash</c>). Invalid syntax fails with a <see cref="QueryException"/>.</summary>
    Fts5,
}
