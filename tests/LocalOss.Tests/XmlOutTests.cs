using System.Text;
using LocalOss.Http;
using Microsoft.AspNetCore.Http;

namespace LocalOss.Tests;

/// <summary>
/// <see cref="XmlOut.WriteToAsync"/> counts the document's UTF-8 length chunk by chunk and then encodes it in
/// slices: a character split across a StringBuilder chunk or a slice (a surrogate pair, or a lone surrogate that
/// becomes U+FFFD) must count and encode as it does in the whole string.
/// </summary>
public class XmlOutTests
{
    private const int Documents = 80;

    // Emoji (surrogate pairs), two- and three-byte characters, lone surrogates, characters to escape and a control character.
    private static readonly string[] Pieces = ["😀", "ü", "a", "相", "\uD800", "\uDC00", "<", "&", "\u0001"];

    [Fact]
    public async Task Random_documents_are_written_as_their_UTF8_bytes_with_that_length()
    {
        for (var seed = 1; seed <= Documents; seed++)
        {
            var xml = RandomDocument(new Random(seed));
            var expected = Encoding.UTF8.GetBytes(xml.ToString());
            var context = new DefaultHttpContext();
            using var body = new MemoryStream();
            context.Response.Body = body;

            await xml.WriteToAsync(context.Response, CancellationToken.None);

            var written = body.ToArray();
            Assert.True(expected.Length == context.Response.ContentLength,
                $"Seed {seed}: Content-Length {context.Response.ContentLength}, UTF-8 length {expected.Length}.");
            Assert.True(expected.AsSpan().SequenceEqual(written),
                $"Seed {seed}: {written.Length} bytes written, first difference at byte {expected.AsSpan().CommonPrefixLength(written)} of {expected.Length}.");
        }
    }

    /// <summary>Up to 4,000 elements of mixed characters, now and then a value over 8,192 characters (one chunk written in slices).</summary>
    private static XmlOut RandomDocument(Random random)
    {
        var xml = new XmlOut().Open("R");
        for (var i = random.Next(1, 4000); i > 0; i--)
        {
            var value = new StringBuilder();
            for (var n = random.Next(500) == 0 ? random.Next(5000, 20000) : random.Next(1, 30); n > 0; n--)
            {
                value.Append(Pieces[random.Next(Pieces.Length)]);
            }

            xml.Element("K", value.ToString());
            if (random.Next(10) == 0)
            {
                xml.Element("S", (long)random.Next());
            }
        }

        return xml.Close("R");
    }
}
