using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Tests.Tokenization;

public sealed class DnaAlphabetTests
{
    [Theory]
    [InlineData('A', 0)]
    [InlineData('a', 0)]
    [InlineData('C', 1)]
    [InlineData('c', 1)]
    [InlineData('T', 2)]
    [InlineData('t', 2)]
    [InlineData('U', 2)]
    [InlineData('u', 2)]
    [InlineData('G', 3)]
    [InlineData('g', 3)]
    public void Code_KmerLetters_FoldCaseAndUracil(char letter, int expected)
    {
        Assert.Equal(expected, DnaAlphabet.Code(letter));
        Assert.Equal(char.ToUpperInvariant(letter) == 'U' ? 'T' : char.ToUpperInvariant(letter), DnaAlphabet.LettersByCode[expected]);
    }

    [Fact]
    public void WhitespaceChars_EveryChar_AgreesWithIsPythonWhitespace()
    {
        for (int c = 0; c <= char.MaxValue; c++)
        {
            Assert.Equal(DnaAlphabet.IsPythonWhitespace((char)c), DnaAlphabet.WhitespaceChars.Contains((char)c));
        }

        Assert.True(DnaAlphabet.IsPythonWhitespace('\u001C'));
        Assert.False(DnaAlphabet.IsPythonWhitespace('\u200B'));
    }

    [Fact]
    public void Classify_EveryChar_HfIsStricterThanNormalizing()
    {
        for (int c = 0; c <= char.MaxValue; c++)
        {
            CharClass hf = DnaAlphabet.ClassifyHf((char)c);
            CharClass normalizing = DnaAlphabet.ClassifyNormalizing((char)c);
            if (hf is CharClass.KmerLetter or CharClass.NLike or CharClass.Whitespace)
            {
                Assert.Equal(hf, normalizing);
            }

            Assert.NotEqual(CharClass.Digit, hf);
            Assert.Equal(normalizing == CharClass.KmerLetter, DnaAlphabet.FoldingKmerLetters.Contains((char)c));
            Assert.Equal(hf == CharClass.KmerLetter, DnaAlphabet.StrictKmerLetters.Contains((char)c));
        }

        Assert.Equal(CharClass.NLike, DnaAlphabet.ClassifyNormalizing('y'));
        Assert.Equal(CharClass.Other, DnaAlphabet.ClassifyHf('y'));
        Assert.Equal(CharClass.Digit, DnaAlphabet.ClassifyNormalizing('7'));
        Assert.Equal(CharClass.Other, DnaAlphabet.ClassifyNormalizing('E'));
    }
}
