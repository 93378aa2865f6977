//! The rule for new passwords. Length is what matters (NIST SP 800-63B); no composition rules.

use crate::{Field, InvalidInput};

/// A password acceptable for a new or changed account.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub const MIN: usize = 10;
    pub const MAX: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let n = raw.chars().count();
        if n == 0 {
            return Err(InvalidInput::Required(Field::Password));
        }
        if n < Self::MIN {
            return Err(InvalidInput::TooShort {
                field: Field::Password,
                min: Self::MIN,
            });
        }
        if n > Self::MAX {
            return Err(InvalidInput::TooLong {
                field: Field::Password,
                max: Self::MAX,
            });
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_ten_characters_and_never_print() {
        assert!(NewPassword::parse("cumbre-demo").is_ok());
        assert_eq!(
            NewPassword::parse("short"),
            Err(InvalidInput::TooShort {
                field: Field::Password,
                min: 10
            })
        );
        assert_eq!(
            format!("{:?}", NewPassword::parse("secret-secret").unwrap()),
            "NewPassword(***)"
        );
    }
}
