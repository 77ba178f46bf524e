//! PIN rules at enrolment and change (NIST SP 800-63B §3.1.1.2; ASVS 6.2.1,
//! 6.2.4): at least 8 characters, at most 64, no control characters, and not
//! a common or easily guessed value. Messages never repeat the PIN.

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

pub const MIN_PIN_CHARS: usize = 8;
pub const MAX_PIN_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PinPolicyError {
    #[error("the PIN is too short: use at least {MIN_PIN_CHARS} characters")]
    TooShort,
    #[error("the PIN is too long: use at most {MAX_PIN_CHARS} characters")]
    TooLong,
    #[error("the PIN contains a control character (such as a tab or a newline)")]
    ControlCharacter,
    #[error("this PIN is on the list of commonly used PINs: choose another")]
    Common,
    #[error("the PIN repeats one character: choose one that is harder to guess")]
    SameCharacter,
    #[error("the PIN repeats a short pattern: choose one that is harder to guess")]
    RepeatedPattern,
    #[error("the PIN is a run of consecutive digits: choose one that is harder to guess")]
    DigitSequence,
}

impl PinPolicyError {
    /// A stable code for the rule, for the access log and the terminal's
    /// own wording.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::ControlCharacter => "control_character",
            Self::Common => "common",
            Self::SameCharacter => "same_character",
            Self::RepeatedPattern => "repeated_pattern",
            Self::DigitSequence => "digit_sequence",
        }
    }

    pub const ALL: [PinPolicyError; 7] = [
        Self::TooShort,
        Self::TooLong,
        Self::ControlCharacter,
        Self::Common,
        Self::SameCharacter,
        Self::RepeatedPattern,
        Self::DigitSequence,
    ];
}

/// Common PINs and passwords of 8 characters or more, compared in lower
/// case after NFKC.
const BLOCKLIST: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "0123456789",
    "01234567",
    "87654321",
    "987654321",
    "9876543210",
    "12341234",
    "11223344",
    "12121212",
    "11112222",
    "12344321",
    "11111111",
    "00000000",
    "22222222",
    "33333333",
    "44444444",
    "55555555",
    "66666666",
    "77777777",
    "88888888",
    "99999999",
    "12312312",
    "123123123",
    "1234512345",
    "19841984",
    "20002000",
    "13579135",
    "13572468",
    "24682468",
    "11235813",
    "31415926",
    "1qaz2wsx",
    "1q2w3e4r",
    "q1w2e3r4",
    "zaq12wsx",
    "password",
    "password1",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "qwertyui",
    "qwertyuiop",
    "qwerty123",
    "asdfghjk",
    "asdfasdf",
    "zxcvbnm1",
    "abcdefgh",
    "abcd1234",
    "abc12345",
    "a1b2c3d4",
    "aaaaaaaa",
    "iloveyou",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "whatever",
    "trustno1",
    "letmein1",
    "superman",
    "starwars",
    "michael1",
    "master12",
    "changeme",
    "default1",
    "administrator",
    "admin123",
    "adminadmin",
    "computer",
    "internet",
    "12qwaszx",
    "qazwsxedc",
    "monkey12",
    "dragon12",
    "shadow12",
    "00001111",
    "12348765",
    "20242024",
    "20252025",
    "20262026",
];

fn is_run(digits: &[u8], step: i8) -> bool {
    digits.windows(2).all(|w| {
        let next = (i16::from(w[0]) + i16::from(step)).rem_euclid(10);
        i16::from(w[1]) == next
    })
}

/// True if the whole text repeats its first `k` characters (k ≤ 4).
fn repeats_short_block(chars: &[char]) -> bool {
    (2..=4)
        .any(|k| chars.len() >= 2 * k && chars.iter().enumerate().all(|(i, c)| *c == chars[i % k]))
}

/// Checks a new PIN against the policy.
pub fn check_pin(pin: &str) -> Result<(), PinPolicyError> {
    if pin.chars().any(char::is_control) {
        return Err(PinPolicyError::ControlCharacter);
    }
    let count = pin.chars().count();
    if count < MIN_PIN_CHARS {
        return Err(PinPolicyError::TooShort);
    }
    if count > MAX_PIN_CHARS {
        return Err(PinPolicyError::TooLong);
    }
    let normal: String = pin.nfkc().flat_map(char::to_lowercase).collect();
    if BLOCKLIST.contains(&normal.as_str()) {
        return Err(PinPolicyError::Common);
    }
    let chars: Vec<char> = normal.chars().collect();
    if chars.iter().all(|c| *c == chars[0]) {
        return Err(PinPolicyError::SameCharacter);
    }
    if chars.iter().all(char::is_ascii_digit) {
        let digits: Vec<u8> = normal.bytes().map(|b| b - b'0').collect();
        if is_run(&digits, 1) || is_run(&digits, -1) {
            return Err(PinPolicyError::DigitSequence);
        }
    }
    if repeats_short_block(&chars) {
        return Err(PinPolicyError::RepeatedPattern);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_pins_pass() {
        for pin in [
            "48215937",
            "k7#Rq2!x",
            "窓口の朝は早い8時",
            "90210417",
            "correct horse battery staple",
        ] {
            assert_eq!(check_pin(pin), Ok(()), "{pin}");
        }
    }

    #[test]
    fn length_limits_count_characters() {
        assert_eq!(check_pin("4821593"), Err(PinPolicyError::TooShort));
        assert_eq!(check_pin(""), Err(PinPolicyError::TooShort));
        // 4 characters, 12 bytes: still too short.
        assert_eq!(check_pin("番所市役"), Err(PinPolicyError::TooShort));
        assert_eq!(check_pin("番所市役所税務課"), Ok(()));
        let long: String = "48215937".repeat(8);
        assert_eq!(long.chars().count(), 64);
        assert_eq!(check_pin(&long), Ok(()));
        assert_eq!(
            check_pin(&format!("{}x", "4821593a".repeat(8))),
            Err(PinPolicyError::TooLong)
        );
    }

    #[test]
    fn controls_are_refused() {
        assert_eq!(
            check_pin("48215937\n"),
            Err(PinPolicyError::ControlCharacter)
        );
        assert_eq!(
            check_pin("4821\t5937"),
            Err(PinPolicyError::ControlCharacter)
        );
        assert_eq!(
            check_pin("4821\u{1b}5937"),
            Err(PinPolicyError::ControlCharacter)
        );
    }

    #[test]
    fn common_pins_are_refused() {
        for pin in [
            "12345678",
            "87654321",
            "12341234",
            "11223344",
            "12121212",
            "password",
            "PassW0rd",
            "qwertyui",
            "abcdefgh",
            "iloveyou",
            "123456789",
            "1234567890",
            "01234567",
            "１２３４５６７８",
        ] {
            assert_eq!(check_pin(pin), Err(PinPolicyError::Common), "{pin}");
        }
    }

    #[test]
    fn guessable_shapes_are_refused() {
        for d in 0..10 {
            let pin = d.to_string().repeat(9);
            assert_eq!(check_pin(&pin), Err(PinPolicyError::SameCharacter), "{pin}");
        }
        assert_eq!(check_pin("zzzzzzzz"), Err(PinPolicyError::SameCharacter));
        for pin in [
            "23456789",
            "34567890",
            "98765432",
            "7890123456",
            "3210987654",
        ] {
            assert_eq!(check_pin(pin), Err(PinPolicyError::DigitSequence), "{pin}");
        }
        for pin in ["13131313", "abcabcab", "90219021", "xyxyxyxy"] {
            assert_eq!(
                check_pin(pin),
                Err(PinPolicyError::RepeatedPattern),
                "{pin}"
            );
        }
    }

    #[test]
    fn messages_do_not_echo_the_pin() {
        for pin in ["4821593", "12345678", "23456789", "13131313", "48215937\n"] {
            let msg = check_pin(pin).expect_err("refused").to_string();
            assert!(!msg.contains(pin.trim()), "{msg}");
        }
    }
}
