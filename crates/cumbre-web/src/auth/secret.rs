//! Random secrets (session, CSRF and API tokens) and the hashes we store instead of them.

use sha2::{Digest, Sha256};
use std::fmt::Write;

/// 32 random bytes from the OS, hex encoded (256 bits: unguessable).
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
    Ok(hex(&bytes))
}

/// SHA-256 of a token, hex encoded. Tokens are random and long, so a fast hash suffices
/// (unlike passwords, they cannot be guessed from a dictionary).
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// API tokens start with a recognisable prefix so secret scanners and people can spot them.
pub const API_TOKEN_PREFIX: &str = "cumbre_";

pub fn new_api_token() -> anyhow::Result<String> {
    Ok(format!("{API_TOKEN_PREFIX}{}", random_token()?))
}
