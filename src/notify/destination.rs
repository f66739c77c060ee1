//! Outbound destinations chosen by users: refuse private, loopback and other
//! non-public addresses unless the operator allows them.
//!
//! The check sits where the connection is made, not beside it: the HTTP client
//! resolves every host name through [`GuardedResolver`], which drops forbidden
//! addresses from the answer it hands to the connector. A name that answers a public
//! address to one query and 127.0.0.1 to the next (DNS rebinding) can therefore
//! never reach loopback: there is no second, unchecked resolution. URLs whose host
//! is an IP literal skip DNS and are checked by [`check_url`].

use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

fn forbidden_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    a == 0 // "this network", 0.0.0.0/8
        || v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || a == 100 && (64..128).contains(&b) // carrier-grade NAT, 100.64/10
        || a == 192 && b == 0 && v4.octets()[2] == 0 // IETF protocol assignments
        || a == 198 && (b == 18 || b == 19) // benchmarking, 198.18/15
        || v4.is_multicast() // 224/4
        || a >= 240 // reserved 240/4, and the broadcast address
}

fn forbidden_v6(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    if let Some(v4) = v6.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return forbidden_v4(Ipv4Addr::from((u32::from(s[6]) << 16) | u32::from(s[7])));
    }
    v6.is_loopback()
        || v6.is_unspecified()
        || s[..6] == [0; 6] // IPv4-compatible ::a.b.c.d (deprecated, never public)
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link local
        || (s[0] & 0xffc0) == 0xfec0 // site local (deprecated)
        || v6.is_multicast()
}

/// Whether user-chosen URLs may not reach `ip` (unless private destinations are allowed).
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

/// Checks that `url` is http(s) and, unless `allow_private`, that a literal IP host
/// is allowed. Host names are checked when they are resolved, by [`GuardedResolver`].
pub fn check_url(url: &str, allow_private: bool) -> Result<(), String> {
    let u = reqwest::Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!("URL scheme {} is not http(s)", u.scheme()));
    }
    let host = u.host_str().ok_or("URL has no host")?;
    let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() else {
        return Ok(());
    };
    if !allow_private && is_forbidden(ip) {
        return Err(forbidden_message(&ip.to_string()));
    }
    Ok(())
}

fn forbidden_message(host: &str) -> String {
    format!(
        "{host} resolves only to private, loopback or reserved addresses; \
         set allow_private_destinations to allow it"
    )
}

/// The resolver's refusal; found again in the client's error chain by [`refusal`].
#[derive(Debug)]
struct Forbidden(String);

impl std::fmt::Display for Forbidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Forbidden {}

/// If a send failed because every address of its host is forbidden, why.
pub fn refusal(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(f) = err.downcast_ref::<Forbidden>() {
            return Some(f.0.clone());
        }
        cur = err.source();
    }
    None
}

/// Resolves host names once, for the connection itself, and keeps only the
/// addresses user-chosen URLs may reach.
#[derive(Clone)]
pub struct GuardedResolver {
    nameserver: Option<Arc<TokioResolver>>,
    allow_private: bool,
}

impl GuardedResolver {
    /// Uses the system resolver, or the DNS server at `nameserver` when given.
    pub fn new(nameserver: Option<SocketAddr>, allow_private: bool) -> GuardedResolver {
        let nameserver = nameserver.map(|ns| {
            let group = NameServerConfigGroup::from_ips_clear(&[ns.ip()], ns.port(), true);
            let cfg = ResolverConfig::from_parts(None, vec![], group);
            Arc::new(
                TokioResolver::builder_with_config(cfg, TokioConnectionProvider::default()).build(),
            )
        });
        GuardedResolver {
            nameserver,
            allow_private,
        }
    }

    async fn lookup(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        match &self.nameserver {
            Some(r) => r
                .lookup_ip(host)
                .await
                .map(|l| l.iter().collect())
                .map_err(|e| format!("cannot resolve {host}: {e}")),
            None => tokio::net::lookup_host((host, 0))
                .await
                .map(|it| it.map(|a| a.ip()).collect())
                .map_err(|e| format!("cannot resolve {host}: {e}")),
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let me = self.clone();
        Box::pin(async move {
            let host = name.as_str();
            let ips = me.lookup(host).await?;
            let allowed: Vec<SocketAddr> = ips
                .into_iter()
                .filter(|ip| me.allow_private || !is_forbidden(*ip))
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if allowed.is_empty() {
                let e: Box<dyn std::error::Error + Send + Sync> =
                    Box::new(Forbidden(forbidden_message(host)));
                return Err(e);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_ranges_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.1.2.3",
            "198.18.0.1",
            "198.19.255.1",
            "240.0.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "::8.8.8.8",
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
        ] {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "2606:4700::1111",
            "64:ff9b::5db8:d822",
            "::ffff:93.184.216.34",
        ] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn literal_ip_urls_are_checked_without_dns() {
        assert!(check_url("http://127.0.0.1:9/hook", false).is_err());
        assert!(check_url("http://[::1]:9/hook", false).is_err());
        assert!(check_url("http://127.0.0.1:9/hook", true).is_ok());
        assert!(check_url("http://hooks.example/x", false).is_ok());
        assert!(check_url("ftp://example.com/x", true).is_err());
    }

    #[tokio::test]
    async fn the_resolver_drops_forbidden_answers() {
        let r = GuardedResolver::new(None, false);
        let err = r
            .resolve("localhost".parse::<Name>().unwrap())
            .await
            .err()
            .expect("localhost is refused");
        assert!(refusal(err.as_ref()).is_some(), "{err}");
        let ok = GuardedResolver::new(None, true)
            .resolve("localhost".parse::<Name>().unwrap())
            .await
            .expect("allowed");
        assert!(ok.count() > 0);
    }
}
