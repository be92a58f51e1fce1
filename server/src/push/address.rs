//! Where the server may send a push: a push endpoint is chosen by whoever subscribed, so it must
//! not make the server reach into its own network (SSRF). Checked twice:
//!
//! - when a device subscribes ([`endpoint`]): an `https://` URL, parsed as a browser parses it
//!   (WHATWG: `https://127.1/` and `https://0x7f.0.0.1/` are the address 127.0.0.1), without
//!   credentials, whose host is a public address or a name that is not a local one;
//! - when the worker connects ([`PublicOnly`], its DNS resolver, and [`connectable`] for an
//!   address in the URL, which no resolver sees): every address a name resolves to that is not
//!   public is dropped, and a name with no public address fails with [`NotPublic`]. A name that
//!   resolved to a public address at subscription and to 127.0.0.1 later (DNS rebinding) is
//!   refused when it matters.
//!
//! "Public" excludes loopback, private (RFC 1918), link-local, CGNAT (100.64/10), multicast,
//! broadcast, unspecified, documentation, benchmarking and reserved ranges, and their IPv6
//! counterparts (unique local, link-local, site-local, IPv4-mapped, -compatible, NAT64, 6to4 and
//! Teredo addresses, which carry an IPv4 address inside).
//!
//! `allow_local` (`SAFESNAP_PUSH_ALLOW_HTTP`, a push service on a trusted network, and the tests'
//! push service on loopback) lifts both rules and allows `http://`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::{Host, Url};

/// Longest push endpoint URL accepted.
pub const MAX_ENDPOINT_CHARS: usize = 1024;

/// Why an endpoint is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not a URL, not `https://`, with credentials, or too long.
    Malformed,
    /// A host on the server's own network (an address or a local name).
    NotPublic,
}

/// The endpoint as a URL, when a device may subscribe with it.
pub fn endpoint(endpoint: &str, allow_local: bool) -> Result<Url, Refused> {
    checked(endpoint, allow_local, true)
}

/// The endpoint as a URL, when the worker may connect to it: as [`endpoint`], except that a
/// name is left to the resolver ([`PublicOnly`]), which sees what it resolves to now.
pub fn connectable(endpoint: &str, allow_local: bool) -> Result<Url, Refused> {
    checked(endpoint, allow_local, false)
}

fn checked(endpoint: &str, allow_local: bool, check_names: bool) -> Result<Url, Refused> {
    if endpoint.chars().count() > MAX_ENDPOINT_CHARS {
        return Err(Refused::Malformed);
    }
    let url = Url::parse(endpoint).map_err(|_| Refused::Malformed)?;
    let scheme_ok = url.scheme() == "https" || (allow_local && url.scheme() == "http");
    if !scheme_ok || !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::Malformed);
    }
    let public = match url.host().ok_or(Refused::Malformed)? {
        _ if allow_local => true,
        Host::Ipv4(a) => is_public(IpAddr::V4(a)),
        Host::Ipv6(a) => is_public(IpAddr::V6(a)),
        Host::Domain(name) => !check_names || !is_local_name(name),
    };
    if public {
        Ok(url)
    } else {
        Err(Refused::NotPublic)
    }
}

/// A name that only means something on the local network (or this machine).
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || [".localhost", ".local", ".internal", ".lan", ".home.arpa"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
        // A single label (`intranet`, `vm`) is resolved through the local search domains.
        || !name.contains('.')
}

/// Whether an address is reachable on the public internet (see the module's list).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => public_v4(a),
        IpAddr::V6(a) => public_v6(a),
    }
}

fn public_v4(a: Ipv4Addr) -> bool {
    let [o0, o1, o2, _] = a.octets();
    !(a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_documentation()
        || o0 == 0
        || (o0 == 100 && (o1 & 0xc0) == 64)
        || (o0 == 192 && o1 == 0 && o2 == 0)
        || (o0 == 198 && (o1 & 0xfe) == 18)
        || o0 >= 240)
}

fn public_v6(a: Ipv6Addr) -> bool {
    if let Some(v4) = a.to_ipv4_mapped() {
        return public_v4(v4);
    }
    let s = a.segments();
    !(a.is_loopback()
        || a.is_unspecified()
        || a.is_multicast()
        // IPv4-compatible (::a.b.c.d, deprecated), which also covers ::1 and ::.
        || (s[..6].iter().all(|&x| x == 0))
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4, Teredo, documentation.
        || (s[0] == 0x64 && s[1] == 0xff9b)
        || s[0] == 0x2002
        || (s[0] == 0x2001 && s[1] == 0)
        || (s[0] == 0x2001 && s[1] == 0xdb8))
}

/// The resolver's refusal: the name has no public address.
#[derive(Debug)]
pub struct NotPublic(pub String);

impl std::fmt::Display for NotPublic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves to no public address", self.0)
    }
}

impl std::error::Error for NotPublic {}

/// The push client's DNS resolver: the system's, without the addresses that are not public.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(NotPublic(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether an error (of the push client) is, somewhere in its chain, the resolver's refusal.
pub fn refused_by_resolver(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(err) = cause {
        if err.is::<NotPublic>() {
            return true;
        }
        cause = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = MAX_ENDPOINT_CHARS;

    #[test]
    fn endpoints_must_be_https_on_public_hosts() {
        for ok in [
            "https://fcm.googleapis.com/fcm/send/abc",
            "https://updates.push.services.mozilla.com/wpush/v2/x",
            "https://8.8.8.8/x",
            "https://[2606:4700::1111]/x",
        ] {
            assert!(endpoint(ok, false).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("http://fcm.googleapis.com/x", Refused::Malformed),
            ("ftp://push.example/x", Refused::Malformed),
            ("https://user@push.example/x", Refused::Malformed),
            ("https://user:pw@push.example/x", Refused::Malformed),
            ("not a url", Refused::Malformed),
            ("https://localhost/x", Refused::NotPublic),
            ("https://LOCALHOST./x", Refused::NotPublic),
            ("https://a.localhost/x", Refused::NotPublic),
            ("https://127.0.0.1:8443/x", Refused::NotPublic),
            // How a browser (and the URL standard) reads these: 127.0.0.1.
            ("https://127.1/x", Refused::NotPublic),
            ("https://0x7f.0.0.1/x", Refused::NotPublic),
            ("https://0177.0.0.1/x", Refused::NotPublic),
            ("https://2130706433/x", Refused::NotPublic),
            ("https://10.0.0.5/x", Refused::NotPublic),
            ("https://192.168.1.1/x", Refused::NotPublic),
            ("https://172.16.0.1/x", Refused::NotPublic),
            ("https://169.254.169.254/latest", Refused::NotPublic),
            ("https://100.64.0.1/x", Refused::NotPublic),
            ("https://0.0.0.0/x", Refused::NotPublic),
            ("https://224.0.0.1/x", Refused::NotPublic),
            ("https://[::1]/x", Refused::NotPublic),
            ("https://[::]/x", Refused::NotPublic),
            ("https://[fd00::1]/x", Refused::NotPublic),
            ("https://[fe80::1]/x", Refused::NotPublic),
            ("https://[::ffff:127.0.0.1]/x", Refused::NotPublic),
            ("https://[::ffff:7f00:1]/x", Refused::NotPublic),
            ("https://[64:ff9b::a00:1]/x", Refused::NotPublic),
            ("https://[2002:7f00:1::]/x", Refused::NotPublic),
            ("https://[ff02::1]/x", Refused::NotPublic),
            ("https://intranet/x", Refused::NotPublic),
            ("https://vm:8443/x", Refused::NotPublic),
            ("https://db.internal/x", Refused::NotPublic),
            ("https://printer.local/x", Refused::NotPublic),
        ] {
            assert_eq!(endpoint(bad, false).err(), Some(why), "{bad}");
        }
        let long = format!("https://push.example/{}", "a".repeat(MAX));
        assert_eq!(endpoint(&long, false).err(), Some(Refused::Malformed));
        // At connection time a name goes to the resolver; an address is judged here.
        assert!(connectable("https://vm:8443/x", false).is_ok());
        assert_eq!(
            connectable("https://0x7f.0.0.1/x", false).err(),
            Some(Refused::NotPublic)
        );
        assert!(endpoint("http://127.0.0.1:8080/push/1", true).is_ok());
        assert!(endpoint("https://vm:8443/x", true).is_ok());
    }

    #[tokio::test]
    async fn the_resolver_drops_addresses_that_are_not_public() {
        use reqwest::dns::Resolve;
        use std::str::FromStr;
        // `localhost` resolves to loopback only: refused, with the refusal findable in the chain.
        let name = reqwest::dns::Name::from_str("localhost").unwrap();
        let Err(e) = PublicOnly.resolve(name).await else {
            panic!("localhost resolved to a public address");
        };
        assert!(refused_by_resolver(e.as_ref()), "{e}");
    }
}
