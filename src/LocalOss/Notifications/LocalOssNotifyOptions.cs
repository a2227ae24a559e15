namespace LocalOss.Notifications;

/// <summary>
/// Where LocalOss sends OSS event notifications after each successful write, and in which envelope: an EventBridge
/// CloudEvent (shared secret in a header) or an MNS HTTP push (signed with a development certificate LocalOss serves).
/// Off while <see cref="Url"/> is null.
/// </summary>
public sealed class LocalOssNotifyOptions
{
    /// <summary>The endpoint events are POSTed to (http or https), such as <c>http://localhost:7071/api/events</c>.</summary>
    public Uri? Url { get; set; }

    public LocalOssNotifyFormat Format { get; set; } = LocalOssNotifyFormat.CloudEvents;

    /// <summary>The CloudEvents shared secret, sent in <see cref="SecretHeader"/>; never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>The header the Functions app reads the shared secret from (its <c>Events:EventBridge:SecretHeader</c>).</summary>
    public string SecretHeader { get; set; } = "x-osscopy-event-secret";

    /// <summary>Events waiting to be sent at most; beyond it new events are dropped (and logged), never the OSS request slowed.</summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>Tries per event (the first one included) before it is dropped and logged.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The wait before the second try, doubled for each further one.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long one delivery may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    internal IEnumerable<string> Problems()
    {
        if (Url is null)
        {
            yield break;
        }

        if (!Url.IsAbsoluteUri || Url.Scheme is not ("http" or "https") || Url.UserInfo.Length > 0)
        {
            yield return "Notify.Url must be an absolute http or https URL without credentials.";
        }

        if (!Enum.IsDefined(Format))
        {
            yield return "Notify.Format must be CloudEvents or Mns.";
        }

        if (string.IsNullOrWhiteSpace(SecretHeader) || !SecretHeader.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            yield return "Notify.SecretHeader must be a header name (letters, digits and '-').";
        }

        if (Secret is { } secret && secret.Any(char.IsControl))
        {
            yield return "Notify.Secret must not hold control characters.";
        }

        if (QueueCapacity is < 1 or > 1_000_000)
        {
            yield return "Notify.QueueCapacity must be between 1 and 1000000.";
        }

        if (MaxAttempts is < 1 or > 100)
        {
            yield return "Notify.MaxAttempts must be between 1 and 100.";
        }

        if (RetryDelay < TimeSpan.Zero || Timeout <= TimeSpan.Zero)
        {
            yield return "Notify.RetryDelay cannot be negative and Notify.Timeout must be positive.";
        }
    }
}

/// <summary>The envelope of a notification.</summary>
public enum LocalOssNotifyFormat
{
    /// <summary>A structured-mode CloudEvent 1.0 (<c>application/cloudevents+json</c>) as an EventBridge HTTP target receives it.</summary>
    CloudEvents,

    /// <summary>An MNS HTTP push: the <c>&lt;Notification&gt;</c> XML with the Base64 event JSON, RSA-SHA1 signed.</summary>
    Mns,
}
