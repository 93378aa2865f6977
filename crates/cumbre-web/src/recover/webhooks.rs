//! Calling a webhook the way a receiver can trust and an attacker cannot turn against the
//! company's own network:
//! - signed by the Standard Webhooks scheme: `webhook-id`, `webhook-timestamp` and
//!   `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, with a secret
//!   per endpoint (`whsec_<base64>`), shown once to the administrator who registered it;
//! - only to public addresses: the host is resolved first and every address checked
//!   (loopback, private, link-local, unique-local, multicast and unspecified are refused
//!   unless `webhook_allow` names them), and the call connects to the checked address, so
//!   a second lookup cannot swap it;
//! - no redirects are followed.

use crate::platform::networks::Networks;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::IpAddr;
use std::time::Duration;

/// A new endpoint secret: `whsec_` and 24 random bytes in base64.
pub fn new_secret() -> anyhow::Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
    Ok(format!("whsec_{}", STANDARD.encode(bytes)))
}

/// The `webhook-signature` value for `body` sent as `id` at `timestamp` (Unix seconds).
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> anyhow::Result<String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|e| anyhow::anyhow!("webhook secret is not base64: {e}"))?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&key).map_err(|e| anyhow::anyhow!("webhook secret: {e}"))?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Whether an address is one of the company's own (or this machine's), which a webhook
/// must not reach unless allowed.
pub fn is_internal(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                // 100.64.0.0/10, carrier-grade NAT; 0.0.0.0/8.
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
                || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Why a call was not made or not accepted; `permanent` ones are not retried.
pub struct Failure {
    pub permanent: bool,
    pub message: String,
}

fn fail(permanent: bool, message: impl Into<String>) -> Failure {
    Failure {
        permanent,
        message: message.into(),
    }
}

/// Posts `body` to `url`, signed with `secret`, as message `id`.
pub async fn call(
    url: &str,
    id: &str,
    body: &str,
    secret: Option<&str>,
    allow: &Networks,
    now_unix: i64,
) -> Result<(), Failure> {
    let Some(secret) = secret else {
        return Err(fail(
            true,
            "the endpoint is not registered: an administrator saves the rule again to register it",
        ));
    };
    let parsed = reqwest::Url::parse(url).map_err(|_| fail(true, "not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(fail(true, "only http and https webhooks are called"));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| fail(true, "the URL has no host"))?
        .trim_matches(['[', ']'])
        .to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| fail(false, format!("cannot resolve {host}: {e}")))?
        .collect();
    let Some(first) = addrs.first().copied() else {
        return Err(fail(false, format!("{host} has no address")));
    };
    if let Some(bad) = addrs
        .iter()
        .find(|a| is_internal(a.ip()) && !allow.contains(a.ip()))
    {
        return Err(fail(
            true,
            format!(
                "refused: {host} is an internal address ({}); list it in webhook_allow to call it",
                bad.ip()
            ),
        ));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .user_agent("Cumbre")
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, first)
        .build()
        .map_err(|e| fail(false, e.to_string()))?;
    let signed = signature(secret, id, now_unix, body).map_err(|e| fail(true, e.to_string()))?;
    let response = client
        .post(parsed)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", now_unix.to_string())
        .header("webhook-signature", signed)
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| fail(false, e.to_string()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    if status.is_redirection() {
        return Err(fail(
            true,
            format!("HTTP {status}: redirects are not followed"),
        ));
    }
    let permanent = status.is_client_error()
        && status != reqwest::StatusCode::REQUEST_TIMEOUT
        && status != reqwest::StatusCode::TOO_MANY_REQUESTS;
    Err(fail(permanent, format!("HTTP {status}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let sig = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
