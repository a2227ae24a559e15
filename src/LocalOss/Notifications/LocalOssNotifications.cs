using System.Text;
using LocalOss.Storage;

namespace LocalOss.Notifications;

/// <summary>
/// The notification parts of one server: the recorder the handler calls, the background sender, and (MNS format)
/// the development signing certificate with the endpoint that serves it.
/// </summary>
internal sealed class LocalOssNotifications : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping;

    private LocalOssNotifications(ObjectEventRecorder recorder, NotificationSender sender, MnsSigningCertificate? certificate, CancellationTokenSource stopping)
    {
        Recorder = recorder;
        Sender = sender;
        Certificate = certificate;
        _stopping = stopping;
    }

    public ObjectEventRecorder Recorder { get; }

    public NotificationSender Sender { get; }

    public MnsSigningCertificate? Certificate { get; }

    public Uri? CertificateUrl => Certificate?.BaseAddress is null ? null : Certificate.Url;

    /// <summary>Null when <see cref="LocalOssOptions.Notify"/> has no URL.</summary>
    public static LocalOssNotifications? Create(LocalOssOptions options, MetadataStore store, TimeProvider time, ILogger logger, HttpMessageHandler? handler = null)
    {
        var notify = options.Notify;
        if (notify.Url is null)
        {
            return null;
        }

        var certificate = notify.Format == LocalOssNotifyFormat.Mns ? new MnsSigningCertificate(time) : null;
        INotificationFormatter formatter = certificate is null ? new CloudEventFormatter(notify) : new MnsNotificationFormatter(notify, certificate);
        var sender = new NotificationSender(notify, formatter, time, logger, handler);
        var stopping = new CancellationTokenSource();
        return new LocalOssNotifications(new ObjectEventRecorder(store, sender, options, time, logger, stopping.Token), sender, certificate, stopping);
    }

    public void Started(Uri baseAddress)
    {
        if (Certificate is not null)
        {
            Certificate.BaseAddress = baseAddress;
        }
    }

    /// <summary>Requests under <c>/_mns/</c> (no bucket can be named <c>_mns</c>).</summary>
    public static bool Handles(HttpContext http) => http.Request.Path.StartsWithSegments("/_mns", StringComparison.Ordinal);

    /// <summary>GET of the certificate's path answers its PEM; anything else under <c>/_mns/</c> is 404.</summary>
    public Task ServeCertificateAsync(HttpContext http)
    {
        if (Certificate is null || !HttpMethods.IsGet(http.Request.Method) || http.Request.Path.Value != Certificate.Path)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var pem = Encoding.ASCII.GetBytes(Certificate.Pem);
        http.Response.ContentType = "application/x-pem-file";
        http.Response.ContentLength = pem.Length;
        return http.Response.Body.WriteAsync(pem, http.RequestAborted).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Sender.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        Certificate?.Dispose();
    }
}
