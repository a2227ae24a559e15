using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using OssCopy.Oss.Internal;
using OssCopy.Oss.Models;
using OssCopy.Oss.Tests.Support;

namespace OssCopy.Oss.Tests.Client;

/// <summary>
/// The forward-only ListObjectsV2 reader: every field of a page, URL-decoding, and the same answers the earlier
/// LINQ-to-XML reading gave (kept below as the reference) on pages shaped in unusual but well-formed ways.
/// </summary>
public class ListObjectsV2ParsingTests
{
    private static async Task<ListObjectsV2Result> ListAsync(string xml, string bucket = "examplebucket")
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, xml);
        return await TestClients.Create(handler).ListObjectsV2Async(new ListObjectsV2Request { Bucket = bucket });
    }

    [Fact]
    public async Task Every_field_of_a_page_and_of_each_object_is_read()
    {
        var page = await ListAsync("""
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult>
              <Name>examplebucket</Name>
              <Prefix>fun%2F</Prefix>
              <StartAfter>fun%2Fa%20b</StartAfter>
              <ContinuationToken>tok%2B0</ContinuationToken>
              <MaxKeys>3</MaxKeys>
              <Delimiter>%2F</Delimiter>
              <EncodingType>url</EncodingType>
              <IsTruncated>true</IsTruncated>
              <NextContinuationToken>tok%2B1</NextContinuationToken>
              <KeyCount>3</KeyCount>
              <Contents>
                <Key>fun%2Fmovie%2F001.avi</Key>
                <LastModified>2012-02-24T08:43:07.123Z</LastModified>
                <ETag>"5B3C1A2E053D763E1B002CC607C5A0FE1****"</ETag>
                <Type>Normal</Type>
                <Size>344606</Size>
                <StorageClass>Standard</StorageClass>
                <Owner><ID>0022012****</ID><DisplayName>user-example</DisplayName></Owner>
                <RestoreInfo>ongoing-request="true"</RestoreInfo>
              </Contents>
              <Contents>
                <Key>fun%2F%E4%B8%AD%E6%96%87%2B%25.txt</Key>
                <LastModified>2012-02-24T08:43:27Z</LastModified>
                <ETag>&quot;5B3C1A2E053D763E1B002CC607C5A0FE-3&quot;</ETag>
                <Type>Multipart</Type>
                <Size>0</Size>
                <StorageClass>IA</StorageClass>
              </Contents>
              <CommonPrefixes><Prefix>fun%2Fsub%20dir%2F</Prefix></CommonPrefixes>
              <CommonPrefixes><Prefix>fun%2Fz%2F</Prefix></CommonPrefixes>
            </ListBucketResult>
            """);

        Assert.Equal(200, page.StatusCode);
        Assert.Equal("5C3D9175B6FC201293AD4890", page.RequestId);
        Assert.Equal("application/xml", page.Headers["content-type"]);
        Assert.Equal("examplebucket", page.Name);
        Assert.Equal(("fun/", "fun/a b", "tok+0", "tok+1", "/"), (page.Prefix, page.StartAfter, page.ContinuationToken, page.NextContinuationToken, page.Delimiter));
        Assert.Equal((3, 3, true, "url"), (page.MaxKeys, page.KeyCount, page.IsTruncated, page.EncodingType));
        Assert.Equal(
            new OssObjectSummary("fun/movie/001.avi", 344606, "\"5B3C1A2E053D763E1B002CC607C5A0FE1****\"",
                new DateTimeOffset(2012, 2, 24, 8, 43, 7, 123, TimeSpan.Zero), "Standard", "Normal", "0022012****", "user-example"),
            page.Contents[0]);
        Assert.Equal(
            new OssObjectSummary("fun/中文+%.txt", 0, "\"5B3C1A2E053D763E1B002CC607C5A0FE-3\"",
                new DateTimeOffset(2012, 2, 24, 8, 43, 27, TimeSpan.Zero), "IA", "Multipart"),
            page.Contents[1]);
        Assert.Equal(["fun/sub dir/", "fun/z/"], page.CommonPrefixes);
    }

    [Fact]
    public async Task The_objects_of_a_page_share_one_string_per_storage_class_and_type_and_keep_unknown_ones_as_written()
    {
        var page = await ListAsync("""
            <ListBucketResult>
              <Contents><Key>a</Key><Type>Normal</Type><StorageClass>Standard</StorageClass></Contents>
              <Contents><Key>b</Key><Type>Normal</Type><StorageClass>Standard</StorageClass></Contents>
              <Contents><Key>c</Key><Type>Appendable</Type><StorageClass>ColdArchive</StorageClass></Contents>
              <Contents><Key>d</Key><Type>Newfangled</Type><StorageClass>standard</StorageClass></Contents>
            </ListBucketResult>
            """);

        Assert.Same(OssStorageClass.Standard, page.Contents[0].StorageClass);
        Assert.Same(page.Contents[0].StorageClass, page.Contents[1].StorageClass);
        Assert.Same(page.Contents[0].ObjectType, page.Contents[1].ObjectType);
        Assert.Equal("Normal", page.Contents[1].ObjectType);
        Assert.Same(OssStorageClass.ColdArchive, page.Contents[2].StorageClass);
        Assert.Equal(("Appendable", "Newfangled", "standard"), (page.Contents[2].ObjectType, page.Contents[3].ObjectType, page.Contents[3].StorageClass));
    }

    [Fact]
    public async Task Without_url_encoding_keys_are_taken_as_written()
    {
        var page = await ListAsync("""
            <ListBucketResult><Name>b</Name><Prefix></Prefix><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><KeyCount>1</KeyCount>
            <Contents><Key>a%20b &amp; c</Key><Size>1</Size></Contents><CommonPrefixes><Prefix>x%2F</Prefix></CommonPrefixes></ListBucketResult>
            """);

        Assert.Null(page.EncodingType);
        Assert.Equal("a%20b & c", Assert.Single(page.Contents).Key);
        Assert.Equal(["x%2F"], page.CommonPrefixes);
        Assert.Equal(string.Empty, page.Prefix);
    }

    [Fact]
    public async Task An_empty_page_has_no_objects_and_the_requested_bucket_when_unnamed()
    {
        var page = await ListAsync("<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>", "my-bucket");

        Assert.Equal("my-bucket", page.Name);
        Assert.Empty(page.Contents);
        Assert.Empty(page.CommonPrefixes);
        Assert.Equal((0, 0, false), (page.KeyCount, page.MaxKeys, page.IsTruncated));
        Assert.Null(page.NextContinuationToken);

        var empty = await ListAsync("<ListBucketResult/>", "my-bucket");
        Assert.Equal("my-bucket", empty.Name);
        Assert.Empty(empty.Contents);
    }

    [Fact]
    public async Task A_truncated_page_carries_its_continuation_token_decoded()
    {
        var page = await ListAsync("""
            <ListBucketResult><EncodingType>URL</EncodingType><IsTruncated>True</IsTruncated><NextContinuationToken>Q2hn%3D%3D</NextContinuationToken>
            <Contents><Key>k%2F1</Key></Contents></ListBucketResult>
            """);

        Assert.True(page.IsTruncated);
        Assert.Equal("Q2hn==", page.NextContinuationToken);
        Assert.Equal("k/1", Assert.Single(page.Contents).Key);
    }

    [Fact]
    public async Task Keys_before_the_EncodingType_element_are_decoded_too()
    {
        var page = await ListAsync("""
            <ListBucketResult><Contents><Key>a%2Fb</Key></Contents><CommonPrefixes><Prefix>c%2F</Prefix></CommonPrefixes>
            <EncodingType>url</EncodingType><Contents><Key>d%2Fe</Key></Contents></ListBucketResult>
            """);

        Assert.Equal(["a/b", "d/e"], page.Contents.Select(c => c.Key));
        Assert.Equal(["c/"], page.CommonPrefixes);
    }

    [Fact]
    public async Task An_object_without_a_key_and_malformed_xml_are_invalid_responses()
    {
        var noKey = await Assert.ThrowsAsync<OssException>(() => ListAsync("<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>"));
        Assert.Equal(OssErrorCodes.InvalidResponse, noKey.ErrorCode);

        foreach (var broken in new[] { "<ListBucketResult><Contents><Key>a</Key>", "", "<ListBucketResult></ListBucketResult><extra/>", "not xml" })
        {
            var error = await Assert.ThrowsAsync<OssException>(() => ListAsync(broken));
            Assert.Equal(OssErrorCodes.InvalidResponse, error.ErrorCode);
        }
    }

    public static TheoryData<string> OddPages => new()
    {
        // Duplicates: the first element of a name wins, as Element(name) found it.
        "<ListBucketResult><Name>one</Name><Name>two</Name><Contents><Key>k</Key><Key>other</Key><Size>5</Size><Size>6</Size><Owner><ID>i1</ID></Owner><Owner><ID>i2</ID></Owner></Contents></ListBucketResult>",
        // Comments, processing instructions, CDATA, split text and whitespace in values.
        "<ListBucketResult><!-- c --><?pi x?><Contents><Key><![CDATA[a<b]]>c<!-- mid -->d</Key><ETag> \"E\" </ETag><Size> 12 </Size><LastModified>2012-02-24 08:43:07</LastModified></Contents></ListBucketResult>",
        // Unknown elements, nested unknowns, empty elements and a namespaced look-alike that is not ours.
        "<ListBucketResult xmlns:o=\"urn:x\"><Unknown><Contents><Key>nested</Key></Contents></Unknown><o:Contents><Key>ns</Key></o:Contents><Contents><Key>k</Key><Size/><ETag/><Owner/></Contents><CommonPrefixes/><CommonPrefixes><Prefix/></CommonPrefixes></ListBucketResult>",
        // Times the direct reading leaves to the general parser, and one it takes.
        "<ListBucketResult><Contents><Key>a</Key><LastModified>2012-13-24T08:43:07.000Z</LastModified></Contents><Contents><Key>b</Key><LastModified>2024-02-29T23:59:59.999Z</LastModified></Contents><Contents><Key>c</Key><LastModified>2023-02-29T00:00:00.000Z</LastModified></Contents><Contents><Key>d</Key><LastModified>2012-02-24T08:43:07+08:00</LastModified></Contents><Contents><Key>e</Key><LastModified>garbage</LastModified></Contents></ListBucketResult>",
        // Sizes and counts that do not parse count as zero.
        "<ListBucketResult><MaxKeys>x</MaxKeys><KeyCount>-1</KeyCount><IsTruncated>yes</IsTruncated><Contents><Key>a</Key><Size>99999999999999999999</Size></Contents></ListBucketResult>",
        // Encoded names, a URL-encoded page whose EncodingType comes last.
        "<ListBucketResult><Prefix>p%2F</Prefix><Contents><Key>%E4%B8%AD%20x</Key></Contents><EncodingType>url</EncodingType></ListBucketResult>",
    };

    [Theory]
    [MemberData(nameof(OddPages))]
    public async Task Unusual_pages_read_as_the_tree_reading_read_them(string xml)
    {
        var page = await ListAsync(xml);

        AssertSamePage(Reference(XDocument.Parse(xml).Root!, "examplebucket"), page);
    }

    /// <summary>
    /// Random small pages, built from the pieces the odd pages above are made of (duplicates, empty and unknown
    /// elements, comments, processing instructions, CDATA, entities, whitespace, encoded and malformed values, keys
    /// missing), read as the client reads them and as the tree reading did with the client's reader settings. A
    /// failure names the seed and the page.
    /// </summary>
    [Fact]
    public async Task Random_pages_read_as_the_tree_reading_read_them()
    {
        const int Pages = 10_000;
        for (var seed = 1; seed <= Pages; seed++)
        {
            var xml = RandomPage(new Random(seed));
            var expected = Reference(OssXml.ParseRoot(xml), "examplebucket");
            var refused = expected.Contents.Any(c => c.Key is null);
            try
            {
                var page = ListObjectsV2Parser.ToResult(
                    await OssXml.ParseAsync(new StringContent(xml), "ListObjectsV2", ListObjectsV2Parser.Parse, CancellationToken.None),
                    "examplebucket", 200, string.Empty, new Dictionary<string, string>());
                Assert.False(refused, "A <Contents> without a <Key> was read.");
                AssertSamePage(expected, page);
            }
            catch (OssException ex) when (refused && ex.ErrorCode == OssErrorCodes.InvalidResponse)
            {
                // A <Contents> without a <Key> is refused, as the tree reading refused it.
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"Seed {seed}: {ex.Message}{Environment.NewLine}{xml}", ex);
            }
        }
    }

    private static readonly string[] Values =
    [
        "a", "a%2Fb", "%E4%B8%AD", " x ", "&amp;", "&lt;k&gt;", "<![CDATA[c d]]>", "a<!--c-->b", "<?pi x?>z", "", "a+b", "12", " 34 ", "true", "TRUE",
        "2012-02-24T08:43:07.000Z", "2012-02-24T08:43:07Z", "2012-13-24T08:43:07.000Z", "&#x20;", "  ", "\t\n", "<i>in</i>n", "%zz",
    ];

    private static readonly string[] PageElements =
        ["Name", "Prefix", "Delimiter", "StartAfter", "ContinuationToken", "NextContinuationToken", "MaxKeys", "KeyCount", "IsTruncated", "EncodingType", "Other"];

    private static readonly string[] ObjectElements = ["Key", "Size", "ETag", "LastModified", "StorageClass", "Type", "Junk"];

    private static string RandomPage(Random random)
    {
        string Value() => Values[random.Next(Values.Length)];
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult>");
        for (var i = random.Next(0, 12); i > 0; i--)
        {
            switch (random.Next(10))
            {
                case < 4:
                    xml.Append("<Contents>");
                    if (random.Next(5) > 0)
                    {
                        xml.Append("<Key>").Append(Value()).Append("</Key>");
                    }

                    for (var j = random.Next(0, 5); j > 0; j--)
                    {
                        var name = ObjectElements[random.Next(ObjectElements.Length)];
                        xml.Append('<').Append(name).Append('>').Append(Value()).Append("</").Append(name).Append('>');
                    }

                    if (random.Next(4) == 0)
                    {
                        xml.Append("<Owner><ID>").Append(Value()).Append("</ID><DisplayName>").Append(Value()).Append("</DisplayName></Owner>");
                    }

                    xml.Append(random.Next(6) == 0 ? "<Owner/>" : string.Empty);
                    xml.Append(random.Next(8) == 0 ? "<x:Key xmlns:x=\"urn:x\">ns</x:Key>" : string.Empty);
                    xml.Append("</Contents>");
                    break;
                case 4:
                    xml.Append(random.Next(3) == 0 ? "<CommonPrefixes/>" : $"<CommonPrefixes><Prefix>{Value()}</Prefix></CommonPrefixes>");
                    break;
                case 5:
                    xml.Append(random.Next(3) switch
                    {
                        0 => " \n ",
                        1 => "<!-- c -->",
                        _ => "<o:Contents xmlns:o=\"urn:x\"><Key>ns</Key></o:Contents><o:IsTruncated xmlns:o=\"urn:x\">true</o:IsTruncated>",
                    });
                    break;
                case 6:
                    xml.Append("<EncodingType>").Append(random.Next(2) == 0 ? "url" : Value()).Append("</EncodingType>");
                    break;
                default:
                    var element = PageElements[random.Next(PageElements.Length)];
                    xml.Append(random.Next(8) == 0 ? $"<{element}/>" : $"<{element}>{Value()}</{element}>");
                    break;
            }
        }

        return xml.Append("</ListBucketResult>").ToString();
    }

    private static void AssertSamePage(ListObjectsV2Result expected, ListObjectsV2Result page)
    {
        Assert.Equal(expected.Name, page.Name);
        Assert.Equal((expected.Prefix, expected.Delimiter, expected.StartAfter, expected.ContinuationToken, expected.NextContinuationToken),
            (page.Prefix, page.Delimiter, page.StartAfter, page.ContinuationToken, page.NextContinuationToken));
        Assert.Equal((expected.MaxKeys, expected.KeyCount, expected.IsTruncated, expected.EncodingType), (page.MaxKeys, page.KeyCount, page.IsTruncated, page.EncodingType));
        Assert.Equal(expected.Contents, page.Contents);
        Assert.Equal(expected.CommonPrefixes, page.CommonPrefixes);
    }

    [Fact]
    public async Task A_full_page_of_a_thousand_keys_reads_every_key_in_order()
    {
        var keys = Enumerable.Range(0, 1000).Select(i => "dir/" + i.ToString("D6", CultureInfo.InvariantCulture)).ToList();
        var xml = "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextContinuationToken>n</NextContinuationToken><KeyCount>1000</KeyCount>"
                  + string.Concat(keys.Select((k, i) => $"<Contents><Key>{Uri.EscapeDataString(k)}</Key><LastModified>2026-11-25T03:25:48.404Z</LastModified><ETag>&quot;E{i}&quot;</ETag><Type>Normal</Type><Size>{i}</Size><StorageClass>Standard</StorageClass></Contents>"))
                  + "</ListBucketResult>";

        var page = await ListAsync(xml);

        Assert.Equal(keys, page.Contents.Select(c => c.Key));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), page.Contents.Select(c => c.Size));
        Assert.All(page.Contents, c => Assert.Equal(new DateTimeOffset(2026, 11, 25, 3, 25, 48, 404, TimeSpan.Zero), c.LastModified));
        Assert.Equal("\"E999\"", page.Contents[999].ETag);
    }

    /// <summary>The reading this parser replaced, word for word, as the reference for odd pages.</summary>
    private static ListObjectsV2Result Reference(XElement root, string bucket)
    {
        var encoded = string.Equals(Text(root, "EncodingType"), "url", StringComparison.OrdinalIgnoreCase);
        return new ListObjectsV2Result
        {
            Name = Text(root, "Name") ?? bucket,
            Prefix = Decoded(root, "Prefix", encoded),
            Delimiter = Decoded(root, "Delimiter", encoded),
            StartAfter = Decoded(root, "StartAfter", encoded),
            ContinuationToken = Decoded(root, "ContinuationToken", encoded),
            NextContinuationToken = Decoded(root, "NextContinuationToken", encoded),
            MaxKeys = int.TryParse(Text(root, "MaxKeys"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var maxKeys) ? maxKeys : 0,
            KeyCount = int.TryParse(Text(root, "KeyCount"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var keyCount) ? keyCount : 0,
            IsTruncated = string.Equals(Text(root, "IsTruncated"), "true", StringComparison.OrdinalIgnoreCase),
            EncodingType = Text(root, "EncodingType"),
            Contents = root.Elements("Contents").Select(c => new OssObjectSummary(
                Decoded(c, "Key", encoded)!,
                long.TryParse(Text(c, "Size"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) ? size : 0,
                Text(c, "ETag"),
                DateTimeOffset.TryParse(Text(c, "LastModified"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                    ? time
                    : null,
                Text(c, "StorageClass"),
                Text(c, "Type"),
                c.Element("Owner") is { } o1 ? Text(o1, "ID") : null,
                c.Element("Owner") is { } o2 ? Text(o2, "DisplayName") : null)).ToList(),
            CommonPrefixes = root.Elements("CommonPrefixes").Select(p => Decoded(p, "Prefix", encoded) ?? string.Empty).ToList(),
        };

        static string? Text(XElement parent, string name) => parent.Element(name)?.Value;

        static string? Decoded(XElement parent, string name, bool urlEncoded) =>
            Text(parent, name) is { } value && urlEncoded ? Uri.UnescapeDataString(value) : Text(parent, name);
    }
}
