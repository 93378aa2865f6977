//! Random secrets (session, CSRF and API tokens) and the hashes we store instead of them.

use sha2::{Digest, Sha256};

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

/// Lower-case hex; by table, since every API request hashes its token.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// API tokens start with a recognisable prefix so secret scanners and people can spot them.
pub const API_TOKEN_PREFIX: &str = "cumbre_";

pub fn new_api_token() -> anyhow::Result<String> {
    Ok(format!("{API_TOKEN_PREFIX}{}", random_token()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_lower_case_hex_sha256() {
        // FIPS 180-2's example: stored hashes must keep matching the tokens already issued.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let token = random_token().unwrap();
        assert_eq!(token.len(), 64);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }
}
