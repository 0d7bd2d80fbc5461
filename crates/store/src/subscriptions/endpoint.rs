//! Where a rest-hook may send: the rule checked when a Subscription is written and
//! again before each delivery.
//!
//! Why: a notification carries patient data to an address a client chose. Plain
//! `http://` would send it in clear text, and an address inside the server's own
//! network (loopback, private ranges, link-local such as the cloud metadata service
//! 169.254.169.254) would let a client use the server to reach machines it cannot
//! reach itself. Both are refused unless the operator allows them (tests, the demo:
//! `--subscriptions-allow-http`, `--subscriptions-allow-private-hosts`). A host name
//! is checked here by its form (`localhost`); the addresses it resolves to are
//! checked by the deliverer's resolver on every connection.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What the operator allows besides `https://` to public hosts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointRule {
    /// Accept `http://` endpoints.
    pub allow_http: bool,
    /// Accept loopback, private and link-local hosts.
    pub allow_private: bool,
}

impl EndpointRule {
    /// Everything allowed (tests and the demo, whose receivers run on 127.0.0.1).
    pub const OPEN: EndpointRule = EndpointRule {
        allow_http: true,
        allow_private: true,
    };

    /// Whether `ip` may be connected to.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip)
    }
}

/// Checks `endpoint`; the error is the text for the client's OperationOutcome.
pub fn check_endpoint(endpoint: &str, rule: EndpointRule) -> Result<(), &'static str> {
    let url = url::Url::parse(endpoint).map_err(|_| "channel.endpoint must be an absolute URL")?;
    match url.scheme() {
        "https" => {}
        "http" if rule.allow_http => {}
        "http" => {
            return Err(
                "channel.endpoint must be an https:// URL (http:// is not allowed on this server)",
            )
        }
        _ => return Err("channel.endpoint must be an https:// URL"),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("channel.endpoint must not carry credentials; use channel.header");
    }
    if rule.allow_private {
        return Ok(());
    }
    let private = match url.host() {
        None => return Err("channel.endpoint must name a host"),
        Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
    };
    if private {
        return Err(
            "channel.endpoint must not be a loopback, private or link-local address on this server",
        );
    }
    Ok(())
}

/// Addresses on the public internet: not loopback, private, link-local, shared
/// (carrier NAT), unspecified, broadcast, multicast or documentation ranges.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || o[0] >= 240)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b) // NAT64 to v4 ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_to_public_hosts_only_by_default() {
        let strict = EndpointRule::default();
        assert_eq!(
            check_endpoint("https://ehr.example.no/hook", strict),
            Ok(())
        );
        assert_eq!(check_endpoint("https://8.8.8.8/hook", strict), Ok(()));
        for bad in [
            "http://ehr.example.no/hook",
            "ftp://ehr.example.no/",
            "https://127.0.0.1:8080/hook",
            "https://localhost/hook",
            "https://api.localhost/hook",
            "https://10.1.2.3/",
            "https://192.168.0.1/",
            "https://172.16.0.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://0x7f000001/",
            "https://[::1]/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://user:pw@ehr.example.no/",
            "not a url",
        ] {
            assert!(check_endpoint(bad, strict).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_operator_may_open_http_and_private_hosts() {
        let http_only = EndpointRule {
            allow_http: true,
            allow_private: false,
        };
        assert_eq!(
            check_endpoint("http://ehr.example.no/hook", http_only),
            Ok(())
        );
        assert!(check_endpoint("http://127.0.0.1:9/hook", http_only).is_err());
        assert_eq!(
            check_endpoint("http://127.0.0.1:9/hook", EndpointRule::OPEN),
            Ok(())
        );
        assert!(check_endpoint("ftp://127.0.0.1/", EndpointRule::OPEN).is_err());
        assert!(!EndpointRule::default().allows_ip("169.254.169.254".parse().unwrap()));
        assert!(EndpointRule::default().allows_ip("8.8.8.8".parse().unwrap()));
    }
}
