//! Logging: readable lines in a terminal, JSON lines with `LOG_FORMAT=json`.

use crate::config::LogFormat;
use tracing_subscriber::{fmt, fmt::MakeWriter, prelude::*, EnvFilter};

/// Installs the global subscriber. Safe to call more than once (later calls do nothing).
pub fn init(format: LogFormat, filter: &str) {
    init_with(format, filter, std::io::stdout)
}

/// [`init`], writing to `writer` (the tests read the log back).
pub fn init_with<W>(format: LogFormat, filter: &str, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Human => registry
            .with(
                fmt::layer()
                    .with_target(false)
                    .compact()
                    .with_writer(writer),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .with_writer(writer)
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init(),
    };
}

/// A request's path as the log shows it: a receipt code (the only key an anonymous reporter
/// holds) is replaced by `…`, so the log of the reporter's routes (`/r/{code}…`,
/// `/api/v1/receipts/{code}…`) cannot tie a request to a report. Addresses and phone numbers
/// are never logged at all.
pub fn path_for_log(path: &str) -> String {
    // The SMS provider's receipt address carries its secret token; a short link's code leads
    // to a page.
    for prefix in ["/r/", "/api/v1/receipts/", "/hooks/sms/aliyun/", "/n/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let after = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            return format!("{prefix}…{after}");
        }
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::path_for_log;

    #[test]
    fn receipt_codes_are_not_logged() {
        assert_eq!(path_for_log("/r/ABCDEFGHJK0"), "/r/…");
        assert_eq!(
            path_for_log("/hooks/sms/aliyun/secret-token"),
            "/hooks/sms/aliyun/…"
        );
        assert_eq!(path_for_log("/r/ABCD-EFGH-JK0/confirm"), "/r/…/confirm");
        assert_eq!(
            path_for_log("/api/v1/receipts/ABCDEFGHJK0/messages"),
            "/api/v1/receipts/…/messages"
        );
        assert_eq!(path_for_log("/api/v1/reports"), "/api/v1/reports");
        assert_eq!(path_for_log("/r"), "/r");
    }
}
