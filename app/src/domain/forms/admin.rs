//! The union admin's forms: a new user (login, name, initial password and grants), a user's
//! roles and scopes, and an enterprise of the directory (the columns of the CSV import, and its
//! designated inspector). Enterprises named by credit code are resolved by the action, which
//! hands the parser what it found.

use super::{
    account::{too_short, NewUser, Secret},
    text,
};
use crate::{
    domain::{
        enterprise_import::{check, EnterpriseInput, COLUMNS},
        phone::PhoneNumber,
        policy::{GrantProblem, Grants, Role},
        report::FieldError,
        DistrictCode, IndustryCode,
    },
    i18n::{fill, Lang},
};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Longest username and display name.
pub const MAX_USER_NAME_CHARS: usize = 40;

/// The grants as the user form sends them: `role` (repeated), `coverage` (`district:industry`,
/// repeated), `mines` and `enterprises` (credit codes, one per line), `admin_of` (`city` or a
/// district code; read only with the union admin's role).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GrantsForm {
    #[serde(default)]
    pub role: Vec<String>,
    #[serde(default)]
    pub coverage: Vec<String>,
    pub mines: Option<String>,
    pub enterprises: Option<String>,
    pub admin_of: Option<String>,
}

/// The credit codes typed one per line.
fn lines(value: &Option<String>) -> Vec<String> {
    value
        .as_deref()
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl GrantsForm {
    /// Every credit code typed (mines and enterprises), for the action to look up.
    pub fn scope_codes(&self) -> Vec<String> {
        let mut codes = lines(&self.mines);
        codes.extend(lines(&self.enterprises));
        codes
    }

    /// `known`: the enterprise of each code the directory holds. Unknown roles and malformed
    /// coverage are ignored (the form cannot send them); an unknown code, or a role without its
    /// scope, is a field error.
    pub fn parse(
        &self,
        lang: Lang,
        known: &BTreeMap<String, Uuid>,
    ) -> Result<Grants, Vec<FieldError>> {
        let mut errors = Vec::new();
        let grants = self.grants(lang, known, &mut errors);
        super::done(grants, errors)
    }

    fn grants(
        &self,
        lang: Lang,
        known: &BTreeMap<String, Uuid>,
        errors: &mut Vec<FieldError>,
    ) -> Grants {
        let t = lang.tr();
        let mut g = Grants::default();
        g.roles
            .extend(self.role.iter().filter_map(|r| Role::parse(r)));
        for c in &self.coverage {
            if let Some((d, i)) = c.split_once(':') {
                if DistrictCode::parse(d).is_ok() && IndustryCode::parse(i).is_ok() {
                    g.coverage.insert((d.to_string(), i.to_string()));
                }
            }
        }
        for (field, typed, set) in [
            ("mines", &self.mines, &mut g.mines),
            ("enterprises", &self.enterprises, &mut g.enterprises),
        ] {
            for code in lines(typed) {
                match known.get(&code) {
                    Some(id) => {
                        set.insert(*id);
                    }
                    None => errors.push(FieldError::new(
                        field,
                        fill(t.admin_unknown_enterprise(), &[("code", &code)]),
                    )),
                }
            }
        }
        if g.roles.contains(&Role::UnionAdmin) {
            g.admin_of = match self.admin_of.as_deref().map(str::trim) {
                Some("city") => Some(None),
                Some(d) if DistrictCode::parse(d).is_ok() => Some(Some(d.to_string())),
                _ => None,
            };
        }
        for p in g.problems() {
            let (field, message) = match p {
                GrantProblem::NoRole => ("role", t.admin_no_role()),
                GrantProblem::Coverage => ("coverage", t.admin_coverage_needed()),
                GrantProblem::Mines => ("mines", t.admin_mines_needed()),
                GrantProblem::Enterprises => ("enterprises", t.admin_enterprises_needed()),
                GrantProblem::AdminScope => ("admin_of", t.admin_scope_needed()),
            };
            errors.push(FieldError::new(field, message));
        }
        g
    }
}

/// `POST /admin/users`: a new user with a username or a phone number (or both), a name, an
/// initial password, and their grants. The two parts are each read from the same posted fields.
#[derive(Debug, Clone, Default)]
pub struct UserForm {
    pub user: UserFields,
    pub grants: GrantsForm,
}

/// The new user's own fields of a [`UserForm`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserFields {
    pub username: Option<String>,
    pub phone: Option<String>,
    pub display_name: Option<String>,
    pub password: Option<Secret>,
}

impl UserForm {
    /// `known` as for [`GrantsForm::parse`]. A username must not look like a phone number (people
    /// sign in with either, and one must not shadow the other).
    pub fn parse(
        &self,
        lang: Lang,
        known: &BTreeMap<String, Uuid>,
    ) -> Result<NewUser, Vec<FieldError>> {
        let t = lang.tr();
        let mut errors = Vec::new();
        let grants = self.grants.grants(lang, known, &mut errors);
        let user = &self.user;
        let username = text(&user.username);
        let phone = match text(&user.phone) {
            Some(p) => match PhoneNumber::parse(&p) {
                Ok(p) => Some(p),
                Err(_) => {
                    errors.push(FieldError::new("phone", t.field_phone()));
                    None
                }
            },
            None => None,
        };
        if username.is_none() && phone.is_none() {
            errors.push(FieldError::new("username", t.admin_login_needed()));
        }
        if username.as_ref().is_some_and(|u| {
            PhoneNumber::parse(u).is_ok() || u.chars().count() > MAX_USER_NAME_CHARS
        }) {
            errors.push(FieldError::new("username", t.admin_username_bad()));
        }
        let display_name = text(&user.display_name).unwrap_or_default();
        if display_name.is_empty() || display_name.chars().count() > MAX_USER_NAME_CHARS {
            errors.push(FieldError::new("display_name", t.action_required()));
        }
        let password = user.password.clone().unwrap_or_default();
        if !password.long_enough() {
            errors.push(FieldError::new("password", too_short(lang)));
        }
        super::done(
            NewUser {
                username,
                phone,
                display_name,
                password,
                grants,
            },
            errors,
        )
    }
}

/// `POST /admin/enterprises` and `/admin/enterprises/{id}`: the import's columns
/// ([`COLUMNS`]) and, when editing, the designated inspector. Each checkbox follows a hidden
/// `0` of the same name, so a flag is the last value sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EnterpriseForm {
    pub name: Option<String>,
    pub uscc: Option<String>,
    pub district: Option<String>,
    pub industry: Option<String>,
    pub address: Option<String>,
    #[serde(default)]
    pub is_coal_mine: Vec<String>,
    #[serde(default)]
    pub has_outdoor_work: Vec<String>,
    pub designated_inspector_id: Option<String>,
}

/// An enterprise as the admin saves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEnterprise {
    pub input: EnterpriseInput,
    /// The inspector who gets its reports first (the action checks that they may).
    pub designated: Option<Uuid>,
}

impl EnterpriseForm {
    /// The value sent for one of the import's columns.
    fn column(&self, name: &str) -> String {
        let last = |v: &[String]| v.last().cloned();
        match name {
            "name" => self.name.clone(),
            "uscc" => self.uscc.clone(),
            "district" => self.district.clone(),
            "industry" => self.industry.clone(),
            "address" => self.address.clone(),
            "is_coal_mine" => last(&self.is_coal_mine),
            "has_outdoor_work" => last(&self.has_outdoor_work),
            _ => None,
        }
        .unwrap_or_default()
    }

    /// Checked as an import row is ([`check`]): the first problem, in the admin's language.
    pub fn parse(&self, lang: Lang) -> Result<ValidEnterprise, String> {
        let fields: Vec<String> = COLUMNS.iter().map(|c| self.column(c)).collect();
        let input = check(&fields, lang)?;
        let designated = text(&self.designated_inspector_id).and_then(|v| Uuid::parse_str(&v).ok());
        Ok(ValidEnterprise { input, designated })
    }
}

/// What is wrong with an import file, one line per problem (`line 3: …`).
pub fn import_problems(errors: &[(usize, String)], lang: Lang) -> String {
    let t = lang.tr();
    errors
        .iter()
        .map(|(line, reason)| {
            if *line == 0 {
                reason.clone()
            } else {
                fill(t.directory_line(), &[("line", line), ("reason", reason)])
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const USCC: &str = "91350100M000100Y43";

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    fn inspector_form() -> UserForm {
        UserForm {
            user: UserFields {
                username: some(" new-inspector "),
                display_name: some("新检查员"),
                password: Some(Secret::new("long-enough-1")),
                ..Default::default()
            },
            grants: GrantsForm {
                role: vec!["inspector".into()],
                coverage: vec!["410105:construction".into()],
                ..Default::default()
            },
        }
    }

    #[test]
    fn a_new_user_has_a_login_a_name_a_long_enough_password_and_scoped_roles() {
        let new = inspector_form()
            .parse(Lang::ZhCn, &BTreeMap::new())
            .unwrap();
        assert_eq!(new.username.as_deref(), Some("new-inspector"));
        assert_eq!(new.display_name, "新检查员");
        assert_eq!(new.grants.roles, [Role::Inspector].into());
        assert!(new
            .grants
            .coverage
            .contains(&("410105".to_string(), "construction".to_string())));
    }

    #[test]
    fn a_user_without_login_name_password_or_scope_is_refused_field_by_field() {
        let form = UserForm {
            user: UserFields {
                password: Some(Secret::new("short")),
                ..Default::default()
            },
            grants: GrantsForm {
                role: vec!["inspector".into()],
                ..Default::default()
            },
        };
        let fields: Vec<String> = form
            .parse(Lang::ZhCn, &BTreeMap::new())
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["coverage", "username", "display_name", "password"]);
    }

    #[test]
    fn a_username_that_is_a_phone_number_is_refused() {
        let mut form = inspector_form();
        form.user.username = some("13812345678");
        let errors = form.parse(Lang::En, &BTreeMap::new()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "username");
    }

    #[test]
    fn scope_codes_resolve_through_what_the_directory_knows() {
        let mine = Uuid::new_v4();
        let form = GrantsForm {
            role: vec!["mine_supervisor".into()],
            mines: Some(format!(" {USCC} \n\n91410183UNKNOWN000\n")),
            ..Default::default()
        };
        assert_eq!(form.scope_codes(), [USCC, "91410183UNKNOWN000"]);
        let known = BTreeMap::from([(USCC.to_string(), mine)]);
        let errors = form.parse(Lang::ZhCn, &known).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "mines");
        assert!(errors[0].message.contains("91410183UNKNOWN000"));
        let form = GrantsForm {
            mines: some(USCC),
            ..form
        };
        assert_eq!(form.parse(Lang::ZhCn, &known).unwrap().mines, [mine].into());
    }

    #[test]
    fn an_admin_scope_is_read_only_with_the_admin_role() {
        let city = GrantsForm {
            role: vec!["union_admin".into()],
            admin_of: some("city"),
            ..Default::default()
        };
        assert_eq!(
            city.parse(Lang::ZhCn, &BTreeMap::new()).unwrap().admin_of,
            Some(None)
        );
        let district = GrantsForm {
            admin_of: some("410105"),
            ..city.clone()
        };
        assert_eq!(
            district
                .parse(Lang::ZhCn, &BTreeMap::new())
                .unwrap()
                .admin_of,
            Some(Some("410105".into()))
        );
        let nowhere = GrantsForm {
            admin_of: some("nowhere"),
            ..city
        };
        assert_eq!(
            nowhere.parse(Lang::ZhCn, &BTreeMap::new()).unwrap_err()[0].field,
            "admin_of"
        );
    }

    #[test]
    fn an_enterprise_is_checked_as_an_import_row_with_the_last_checkbox_value() {
        let form = EnterpriseForm {
            name: some("郑州示范建筑有限公司"),
            uscc: some(USCC),
            district: some("410105"),
            industry: some("construction"),
            address: some("金水区"),
            is_coal_mine: vec!["0".into()],
            has_outdoor_work: vec!["0".into(), "1".into()],
            designated_inspector_id: some(" not-a-uuid "),
        };
        let valid = form.parse(Lang::ZhCn).unwrap();
        assert!(!valid.input.is_coal_mine);
        assert!(valid.input.has_outdoor_work);
        assert_eq!(valid.designated, None);
        let id = Uuid::new_v4();
        let form = EnterpriseForm {
            designated_inspector_id: Some(id.to_string()),
            ..form
        };
        assert_eq!(form.parse(Lang::ZhCn).unwrap().designated, Some(id));
        let bad = EnterpriseForm {
            uscc: some("nope"),
            ..form
        };
        assert!(!bad.parse(Lang::ZhCn).unwrap_err().is_empty());
    }

    #[test]
    fn every_import_column_is_read_from_the_form() {
        let form = EnterpriseForm {
            name: some("a"),
            uscc: some("b"),
            district: some("c"),
            industry: some("d"),
            address: some("e"),
            is_coal_mine: vec!["f".into()],
            has_outdoor_work: vec!["g".into()],
            designated_inspector_id: None,
        };
        for c in COLUMNS {
            assert!(!form.column(c).is_empty(), "{c} is not read");
        }
    }

    #[test]
    fn import_problems_are_told_by_line() {
        let text = import_problems(&[(0, "空文件".into()), (3, "代码不对".into())], Lang::ZhCn);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "空文件");
        assert!(
            lines[1].contains('3') && lines[1].contains("代码不对"),
            "{text}"
        );
    }
}
