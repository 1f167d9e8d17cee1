//! The one rule for addresses Recoup sends secrets or signed events to (the endpoint a device
//! links to, a webhook receiver): `https://`, or plain `http://` only to a loopback host
//! (127.0.0.0/8, `::1`, `localhost`), where nothing crosses a network. A token or an event sent
//! in clear to a remote host could be read on the way.

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    /// Not an absolute URL at all.
    #[error("{0} is not a URL: {1}")]
    NotAUrl(String, String),
    /// A scheme other than `https` or `http`.
    #[error("{0} must start with https:// (or http:// for a host on this machine)")]
    Scheme(String),
    /// `http://` to a host that is not this machine.
    #[error(
        "{0} is not https://: a remote host must be reached over https:// (plain http:// only for 127.0.0.1, ::1 or localhost)"
    )]
    Insecure(String),
}

/// `given`, trimmed and without a trailing `/`, when it is `https://`, or `http://` to a
/// loopback host.
///
/// ```
/// use recoup_api::{secure_url, UrlRefusal};
/// assert_eq!(secure_url(" https://e.example/ ").unwrap(), "https://e.example");
/// assert!(matches!(secure_url("ftp://e.example"), Err(UrlRefusal::Scheme(_))));
/// assert!(matches!(secure_url("http://e.example"), Err(UrlRefusal::Insecure(_))));
/// assert!(secure_url("http://127.0.0.1:8787").is_ok());
/// assert!(secure_url("http://[::1]:8787/hook").is_ok());
/// assert!(matches!(secure_url("http://127.0.0.1.example.com"), Err(UrlRefusal::Insecure(_))));
/// ```
pub fn secure_url(given: &str) -> Result<String, UrlRefusal> {
    let trimmed = given.trim().trim_end_matches('/').to_owned();
    let parsed = url::Url::parse(&trimmed)
        .map_err(|e| UrlRefusal::NotAUrl(trimmed.clone(), e.to_string()))?;
    match parsed.scheme() {
        "https" => Ok(trimmed),
        "http" if is_loopback(&parsed) => Ok(trimmed),
        "http" => Err(UrlRefusal::Insecure(trimmed)),
        _ => Err(UrlRefusal::Scheme(trimmed)),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
