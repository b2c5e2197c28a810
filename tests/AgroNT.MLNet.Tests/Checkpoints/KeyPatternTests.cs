using AgroNT.MLNet.Checkpoints;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class KeyPatternTests
{
    [Theory]
    [InlineData("esm.contact_head.*", "esm.contact_head.regression.weight", true)]
    [InlineData("esm.contact_head.*", "esm.contact_head.", true)]
    [InlineData("esm.contact_head.*", "esm.contact_heads.x", false)]
    [InlineData("*.position_ids", "esm.embeddings.position_ids", true)]
    [InlineData("*.position_ids", "position_ids", false)]
    [InlineData("esm.encoder.layer.?.attention*", "esm.encoder.layer.7.attention.self.query.weight", true)]
    [InlineData("esm.encoder.layer.?.attention*", "esm.encoder.layer.17.attention.self.query.weight", false)]
    [InlineData("*", "", true)]
    [InlineData("", "a", false)]
    [InlineData("a*b*c", "aXXbYYbZc", true)]
    [InlineData("a*b*c", "aXXbYYbZ", false)]
    [InlineData("lm_head.bias", "lm_head.bias", true)]
    [InlineData("lm_head.bias", "LM_HEAD.BIAS", false)]
    public void IsMatch_Pattern_MatchesWholeKeys(string pattern, string key, bool expected)
    {
        Assert.Equal(expected, KeyPattern.IsMatch(pattern, key));
    }

    [Fact]
    public void MatchesAny_SeveralPatterns_TrueWhenOneMatches()
    {
        Assert.True(KeyPattern.MatchesAny(["x.*", "*.position_ids"], "esm.embeddings.position_ids"));
        Assert.False(KeyPattern.MatchesAny([], "anything"));
    }
}
