//! One's own account: signing in, registering as a worker, changing one's password, linking the
//! receipts kept on a phone, and where a form asks to go afterwards. Passwords travel as
//! [`Secret`]s, which never show in a log line or a debug print.

use super::text;
use crate::{
    domain::{
        phone::PhoneNumber,
        policy::{Grants, Role},
        report::FieldError,
    },
    i18n::{fill, Lang},
};
use serde::Deserialize;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest name a worker gives when registering.
pub const MAX_WORKER_NAME_CHARS: usize = 20;

/// A password as typed: compared and hashed, never printed.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The password itself (to hash or check it).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Long enough to be accepted as a new password.
    pub fn long_enough(&self) -> bool {
        self.0.chars().count() >= MIN_PASSWORD_CHARS
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// "At least 8 characters", in the reader's language.
pub fn too_short(lang: Lang) -> String {
    fill(
        lang.tr().account_password_short(),
        &[("min", &MIN_PASSWORD_CHARS)],
    )
}

/// A new account, valid: what the admin's user form and a worker's registration parse into, and
/// what the demo data and the command line build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewUser {
    pub username: Option<String>,
    pub phone: Option<PhoneNumber>,
    pub display_name: String,
    pub password: Secret,
    pub grants: Grants,
}

/// Where a form asks to go once done (`next`): a page of this site, which the route checks.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NextForm {
    pub next: Option<String>,
}

/// `POST /login`: a phone number or a username, and the password.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LoginForm {
    pub login: Option<String>,
    pub password: Option<Secret>,
}

/// What someone typed to sign in. Nothing is refused here: a blank login is a wrong one, and the
/// answer never says which of the two was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub login: String,
    pub password: Secret,
}

impl LoginForm {
    pub fn parse(&self) -> Credentials {
        Credentials {
            login: self.login.clone().unwrap_or_default(),
            password: self.password.clone().unwrap_or_default(),
        }
    }
}

/// What a one-time code sent by text message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    /// Registering the number as a worker's account.
    Register,
    /// Resetting the password of the number's account.
    Reset,
}

impl CodePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            CodePurpose::Register => "register",
            CodePurpose::Reset => "reset",
        }
    }

    pub fn parse(s: &str) -> Option<CodePurpose> {
        match s {
            "register" => Some(CodePurpose::Register),
            "reset" => Some(CodePurpose::Reset),
            _ => None,
        }
    }

    /// The page its forms are on.
    pub fn page(self) -> &'static str {
        match self {
            CodePurpose::Register => "/register",
            CodePurpose::Reset => "/reset",
        }
    }
}

/// `POST /codes`: send a one-time code to a phone number, for registering it or resetting its
/// password. The answer is the same whether or not the number has an account.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CodeForm {
    pub phone: Option<String>,
    pub purpose: Option<String>,
}

/// A code request, valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRequest {
    pub phone: PhoneNumber,
    pub purpose: CodePurpose,
}

impl CodeForm {
    pub fn parse(&self, lang: Lang) -> Result<CodeRequest, Vec<FieldError>> {
        let purpose = CodePurpose::parse(self.purpose.as_deref().unwrap_or("register"))
            .unwrap_or(CodePurpose::Register);
        match PhoneNumber::parse(self.phone.as_deref().unwrap_or("")) {
            Ok(phone) => Ok(CodeRequest { phone, purpose }),
            Err(_) => Err(vec![FieldError::new("phone", lang.tr().field_phone())]),
        }
    }
}

/// The one-time code as typed: six digits (spaces ignored), or a message for the field.
fn typed_code(code: &Option<String>, lang: Lang) -> Result<String, FieldError> {
    let code: String = code
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if code.len() == CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(FieldError::new("code", lang.tr().account_code_format()))
    }
}

/// Digits of a one-time code.
pub const CODE_DIGITS: usize = 6;

/// `POST /register`: a worker's phone number, the code sent to it, an optional name, and the
/// password twice.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegisterForm {
    pub phone: Option<String>,
    pub code: Option<String>,
    pub name: Option<String>,
    pub password: Option<Secret>,
    pub password2: Option<Secret>,
}

/// A registration, valid: the account, and the code to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub user: NewUser,
    pub code: String,
}

/// `POST /reset`: the phone number, the code sent to it, and the new password twice.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResetForm {
    pub phone: Option<String>,
    pub code: Option<String>,
    pub password: Option<Secret>,
    pub password2: Option<Secret>,
}

/// A password reset, valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reset {
    pub phone: PhoneNumber,
    pub code: String,
    pub password: Secret,
}

/// The new password twice: the first's message, or the second's.
fn new_password(
    password: &Option<Secret>,
    again: &Option<Secret>,
    lang: Lang,
    errors: &mut Vec<FieldError>,
) -> Secret {
    let password = password.clone().unwrap_or_default();
    if !password.long_enough() {
        errors.push(FieldError::new("password", too_short(lang)));
    } else if again.as_ref() != Some(&password) {
        errors.push(FieldError::new(
            "password2",
            lang.tr().account_password_mismatch(),
        ));
    }
    password
}

impl ResetForm {
    pub fn parse(&self, lang: Lang) -> Result<Reset, Vec<FieldError>> {
        let mut errors = Vec::new();
        let phone = PhoneNumber::parse(self.phone.as_deref().unwrap_or(""));
        if phone.is_err() {
            errors.push(FieldError::new("phone", lang.tr().field_phone()));
        }
        let code = typed_code(&self.code, lang)
            .map_err(|e| errors.push(e))
            .ok();
        let password = new_password(&self.password, &self.password2, lang, &mut errors);
        match (phone, code) {
            (Ok(phone), Some(code)) if errors.is_empty() => Ok(Reset {
                phone,
                code,
                password,
            }),
            _ => Err(errors),
        }
    }
}

impl RegisterForm {
    /// A worker's account (role 职工, no scope); without a name it is shown by the masked phone
    /// number.
    pub fn parse(&self, lang: Lang) -> Result<Registration, Vec<FieldError>> {
        let t = lang.tr();
        let mut errors = Vec::new();
        let phone = PhoneNumber::parse(self.phone.as_deref().unwrap_or(""));
        if phone.is_err() {
            errors.push(FieldError::new("phone", t.field_phone()));
        }
        let code = typed_code(&self.code, lang)
            .map_err(|e| errors.push(e))
            .ok();
        let name = text(&self.name).unwrap_or_default();
        if name.chars().count() > MAX_WORKER_NAME_CHARS {
            errors.push(FieldError::new(
                "name",
                fill(t.field_name(), &[("max", &MAX_WORKER_NAME_CHARS)]),
            ));
        }
        let password = new_password(&self.password, &self.password2, lang, &mut errors);
        match (phone, code) {
            (Ok(phone), Some(code)) if errors.is_empty() => Ok(Registration {
                user: NewUser {
                    username: None,
                    display_name: if name.is_empty() {
                        phone.masked()
                    } else {
                        name
                    },
                    phone: Some(phone),
                    password,
                    grants: Grants {
                        roles: [Role::Worker].into(),
                        ..Grants::default()
                    },
                },
                code,
            }),
            _ => Err(errors),
        }
    }
}

/// `POST /me/password`: the current password, and the new one twice.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PasswordForm {
    pub current: Option<Secret>,
    pub new: Option<Secret>,
    pub new2: Option<Secret>,
}

/// A password change as asked (the current password is checked against the stored one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordChange {
    pub current: Secret,
    pub new: Secret,
}

impl PasswordForm {
    pub fn parse(&self, lang: Lang) -> Result<PasswordChange, Vec<FieldError>> {
        let new = self.new.clone().unwrap_or_default();
        if self.new2.as_ref() != Some(&new) {
            return Err(vec![FieldError::new(
                "new2",
                lang.tr().account_password_mismatch(),
            )]);
        }
        if !new.long_enough() {
            return Err(vec![FieldError::new("new", too_short(lang))]);
        }
        Ok(PasswordChange {
            current: self.current.clone().unwrap_or_default(),
            new,
        })
    }
}

/// `POST /me/receipts`: the receipt codes kept on the phone, comma separated (the page's script
/// fills them in).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LinkForm {
    pub codes: Option<String>,
}

impl LinkForm {
    /// The codes as typed, blanks left out (each is parsed when it is linked).
    pub fn parse(&self) -> Vec<String> {
        self.codes
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> Option<Secret> {
        Some(Secret::new(s))
    }

    #[test]
    fn a_password_never_shows_in_a_debug_print() {
        let form = LoginForm {
            login: Some("inspector".into()),
            password: secret("hunter2-hunter2"),
        };
        let shown = format!("{form:?} {:?}", form.parse());
        assert!(shown.contains("inspector"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn a_worker_registers_with_a_phone_number_and_a_long_enough_password_twice() {
        let form = RegisterForm {
            phone: Some("139 0000 1111".into()),
            code: Some(" 123 456 ".into()),
            name: Some(" 小李 ".into()),
            password: secret("worker-pass-1"),
            password2: secret("worker-pass-1"),
        };
        let parsed = form.parse(Lang::ZhCn).unwrap();
        assert_eq!(parsed.code, "123456");
        let new = parsed.user;
        assert_eq!(new.phone.as_ref().map(|p| p.as_str()), Some("13900001111"));
        assert_eq!(new.display_name, "小李");
        assert_eq!(new.username, None);
        assert_eq!(new.grants.roles, [Role::Worker].into());
        assert!(new.grants.problems().is_empty());
        let unnamed = RegisterForm { name: None, ..form };
        assert_eq!(
            unnamed.parse(Lang::ZhCn).unwrap().user.display_name,
            "139****1111"
        );
    }

    #[test]
    fn a_registration_names_each_wrong_field() {
        let form = RegisterForm {
            phone: Some("12345".into()),
            code: Some("12a456".into()),
            name: Some("名".repeat(21)),
            password: secret("short"),
            password2: secret("short"),
        };
        let fields: Vec<String> = form
            .parse(Lang::ZhCn)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["phone", "code", "name", "password"]);
        let mismatch = RegisterForm {
            phone: Some("13900001111".into()),
            code: Some("123456".into()),
            name: None,
            password: secret("long-enough-1"),
            password2: secret("long-enough-2"),
        };
        assert_eq!(mismatch.parse(Lang::En).unwrap_err()[0].field, "password2");
    }

    #[test]
    fn a_reset_needs_the_number_the_code_and_the_new_password_twice() {
        let form = ResetForm {
            phone: Some("13900001111".into()),
            code: Some("654321".into()),
            password: secret("new-password-1"),
            password2: secret("new-password-1"),
        };
        let reset = form.parse(Lang::ZhCn).unwrap();
        assert_eq!(
            (reset.phone.as_str(), reset.code.as_str()),
            ("13900001111", "654321")
        );
        let wrong = ResetForm {
            phone: Some("1390000".into()),
            code: None,
            password2: secret("new-password-2"),
            ..form
        };
        let fields: Vec<String> = wrong
            .parse(Lang::ZhCn)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["phone", "code", "password2"]);
        let asked = CodeForm {
            phone: Some("139 0000 1111".into()),
            purpose: Some("reset".into()),
        };
        assert_eq!(asked.parse(Lang::ZhCn).unwrap().purpose, CodePurpose::Reset);
        assert_eq!(
            CodeForm {
                phone: Some("1".into()),
                purpose: None
            }
            .parse(Lang::En)
            .unwrap_err()[0]
                .field,
            "phone"
        );
    }

    #[test]
    fn a_new_password_is_typed_twice_and_long_enough() {
        let form = PasswordForm {
            current: secret("old-password"),
            new: secret("new-password-1"),
            new2: secret("new-password-2"),
        };
        assert_eq!(form.parse(Lang::ZhCn).unwrap_err()[0].field, "new2");
        let short = PasswordForm {
            new: secret("short"),
            new2: secret("short"),
            ..form.clone()
        };
        let errors = short.parse(Lang::ZhCn).unwrap_err();
        assert_eq!(errors[0].field, "new");
        assert!(errors[0].message.contains('8'), "{}", errors[0].message);
        let ok = PasswordForm {
            new2: secret("new-password-1"),
            ..form
        };
        assert_eq!(
            ok.parse(Lang::ZhCn).unwrap(),
            PasswordChange {
                current: Secret::new("old-password"),
                new: Secret::new("new-password-1"),
            }
        );
    }

    #[test]
    fn receipt_codes_are_comma_separated_and_blanks_are_dropped() {
        let form = LinkForm {
            codes: Some(" ABCD-EFGH-JKM, ,WXYZ-2345-678,".into()),
        };
        assert_eq!(form.parse(), ["ABCD-EFGH-JKM", "WXYZ-2345-678"]);
        assert!(LinkForm::default().parse().is_empty());
    }
}
