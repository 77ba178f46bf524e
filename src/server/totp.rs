//! RFC 6238 one-time codes: SHA-1, 30-second steps, 6 digits. A code is
//! accepted for the current step and one step back (network delay), and the
//! caller must then claim the step so the same code never works twice.

use rand::RngCore;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: usize = 6;
/// 160-bit secrets, as RFC 4226 recommends (at least 128 are required).
pub const SECRET_BYTES: usize = 20;

fn totp(secret: &[u8], digits: usize) -> TOTP {
    TOTP::new_unchecked(Algorithm::SHA1, digits, 0, STEP_SECONDS, secret.to_vec())
}

/// The time step containing `unix_seconds`.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS as i64)
}

/// The code for the step containing `unix_seconds`.
pub fn code_at(secret: &[u8], digits: usize, unix_seconds: u64) -> String {
    totp(secret, digits).generate(unix_seconds)
}

/// The step the code belongs to, if it is the current one or the one before.
/// Compares in constant time.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: i64) -> Option<i64> {
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let generator = totp(secret, DIGITS);
    let current = step_of(unix_seconds);
    let mut found = None;
    for step in [current, current - 1] {
        if step < 0 {
            continue;
        }
        let expected = Zeroizing::new(generator.generate(step as u64 * STEP_SECONDS));
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// A new secret from the operating system's CSPRNG.
pub fn new_secret() -> Zeroizing<Vec<u8>> {
    let mut secret = Zeroizing::new(vec![0u8; SECRET_BYTES]);
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// Base32 (no padding) as authenticator apps take it.
pub fn to_base32(secret: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(base32::encode(
        base32::Alphabet::Rfc4648 { padding: false },
        secret,
    ))
}

pub fn from_base32(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    base32::decode(base32::Alphabet::Rfc4648 { padding: false }, text.trim()).map(Zeroizing::new)
}

/// `otpauth://` URI for enrolling an authenticator app.
pub fn otpauth_uri(issuer: &str, user_id: &str, secret: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "otpauth://totp/{issuer}:{user_id}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        to_base32(secret).as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SEED: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_appendix_b_vectors_sha1() {
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(RFC_SEED, 8, time), code, "t={time}");
        }
    }

    #[test]
    fn window_is_current_step_and_one_back() {
        // Steps: [0,30) is step 0, [30,60) step 1, [60,90) step 2.
        let code_step0 = code_at(RFC_SEED, 6, 0);
        assert_eq!(matching_step(RFC_SEED, &code_step0, 29), Some(0));
        assert_eq!(matching_step(RFC_SEED, &code_step0, 30), Some(0));
        assert_eq!(matching_step(RFC_SEED, &code_step0, 59), Some(0));
        assert_eq!(matching_step(RFC_SEED, &code_step0, 60), None);
        let code_step2 = code_at(RFC_SEED, 6, 60);
        assert_eq!(
            matching_step(RFC_SEED, &code_step2, 59),
            None,
            "no future codes"
        );
        assert_eq!(matching_step(RFC_SEED, &code_step2, 60), Some(2));
    }

    #[test]
    fn malformed_codes_never_match() {
        for code in ["", "12345", "1234567", "abcdef", "12 456"] {
            assert_eq!(matching_step(RFC_SEED, code, 100), None);
        }
    }

    #[test]
    fn secrets_are_160_bits_and_round_trip_base32() {
        let s = new_secret();
        assert_eq!(s.len(), 20);
        assert_ne!(s.as_slice(), new_secret().as_slice());
        assert_eq!(
            from_base32(&to_base32(&s)).unwrap().as_slice(),
            s.as_slice()
        );
    }
}
