//! The two forms of the grants tab: a request (user, role, start, expiry,
//! reason; the department is the caller's) and the extension of a
//! department's grants to a new expiry (department, date, reason). Dates
//! are office days: a grant starts at the start of its first day and holds
//! through the last second of its expiry day. What the service decides
//! (who may, how long, the two-person rule) it decides; here only what is
//! missing or is no date is said.

use crate::api::grant::{ExtendGrants, GrantRequestBody};
use crate::domain::roles::{Department, Role, permissions};
use crate::tui::widgets::fields::{Field, Fields};
use crate::tui::widgets::time::{day_end, day_start, typed_date};

const USER_CHARS: usize = 32;
const DATE_CHARS: usize = 10;
const REASON_CHARS: usize = 200;

const ROLES: [Role; 4] = [
    Role::Clerk,
    Role::Supervisor,
    Role::ItOfficer,
    Role::Auditor,
];
const DEPARTMENTS: [Department; 4] = [
    Department::Assessment,
    Department::Collections,
    Department::InformationSystems,
    Department::Audit,
];

/// The roles that have work in `department`: the only ones a request may name.
fn roles_in(department: Department) -> Vec<Role> {
    ROLES
        .into_iter()
        .filter(|r| !permissions(*r, department).is_empty())
        .collect()
}

/// What is wrong with a form: the locale key that says so and the field.
pub type Problem = (&'static str, usize);

#[derive(Debug)]
pub enum GrantForm {
    /// A request in the caller's department.
    Request {
        department: Department,
        roles: Vec<Role>,
        fields: Fields,
    },
    /// An extension of a department's grants.
    Extend { fields: Fields },
}

impl GrantForm {
    const USER: usize = 0;
    const ROLE: usize = 1;
    const FROM: usize = 2;
    const UNTIL: usize = 3;
    const REASON: usize = 4;

    const DEPARTMENT: usize = 0;
    const NEW_UNTIL: usize = 1;
    const EXTEND_REASON: usize = 2;

    pub fn request(department: Department) -> GrantForm {
        let roles = roles_in(department);
        let options = roles
            .iter()
            .map(|r| format!("role.{}", r.as_str()))
            .collect();
        GrantForm::Request {
            department,
            roles,
            fields: Fields::new(vec![
                Field::text("grants.field_user", USER_CHARS, ""),
                Field::choice("grants.field_role", options),
                Field::text("grants.field_from", DATE_CHARS, ""),
                Field::text("grants.field_until", DATE_CHARS, ""),
                Field::text("grants.field_reason", REASON_CHARS, ""),
            ]),
        }
    }

    /// The extension form, the caller's own department chosen first.
    pub fn extend(department: Department) -> GrantForm {
        let options = DEPARTMENTS
            .iter()
            .map(|d| format!("department.{}", d.as_str()))
            .collect();
        let mut fields = Fields::new(vec![
            Field::choice("grants.field_department", options),
            Field::text("grants.field_new_until", DATE_CHARS, ""),
            Field::text("grants.field_reason", REASON_CHARS, ""),
        ]);
        if let Some(at) = DEPARTMENTS.iter().position(|d| *d == department) {
            fields.set_chosen(Self::DEPARTMENT, at);
        }
        GrantForm::Extend { fields }
    }

    pub fn fields(&self) -> &Fields {
        match self {
            GrantForm::Request { fields, .. } | GrantForm::Extend { fields } => fields,
        }
    }

    pub fn fields_mut(&mut self) -> &mut Fields {
        match self {
            GrantForm::Request { fields, .. } | GrantForm::Extend { fields } => fields,
        }
    }

    /// The panel's title and the note under the fields.
    pub fn title_and_note(&self) -> (&'static str, &'static str) {
        match self {
            GrantForm::Request { .. } => ("grants.request_title", "grants.request_note"),
            GrantForm::Extend { .. } => ("grants.extend_title", "grants.extend_note"),
        }
    }

    /// The request typed, or what is wrong with it.
    pub fn request_body(&self) -> Result<GrantRequestBody, Problem> {
        let GrantForm::Request {
            department,
            roles,
            fields,
        } = self
        else {
            return Err(("grants.need_user", 0));
        };
        let user = fields.text(Self::USER);
        if user.is_empty() {
            return Err(("grants.need_user", Self::USER));
        }
        let role = roles
            .get(fields.chosen(Self::ROLE))
            .copied()
            .ok_or(("grants.no_role", Self::ROLE))?;
        let from = match fields.text(Self::FROM) {
            "" => None,
            text => Some(day_start(
                typed_date(text).ok_or(("grants.bad_from", Self::FROM))?,
            )),
        };
        let until = typed_date(fields.text(Self::UNTIL))
            .map(day_end)
            .ok_or(("grants.bad_until", Self::UNTIL))?;
        let reason = fields.text(Self::REASON);
        if reason.is_empty() {
            return Err(("grants.need_reason", Self::REASON));
        }
        Ok(GrantRequestBody {
            user: user.to_string(),
            role,
            department: *department,
            from,
            until,
            reason: reason.to_string(),
        })
    }

    /// The extension typed, or what is wrong with it.
    pub fn extend_body(&self) -> Result<ExtendGrants, Problem> {
        let GrantForm::Extend { fields } = self else {
            return Err(("grants.bad_until", 0));
        };
        let department = DEPARTMENTS
            .get(fields.chosen(Self::DEPARTMENT))
            .copied()
            .unwrap_or(Department::Assessment);
        let until = typed_date(fields.text(Self::NEW_UNTIL))
            .map(day_end)
            .ok_or(("grants.bad_until", Self::NEW_UNTIL))?;
        let reason = fields.text(Self::EXTEND_REASON);
        if reason.is_empty() {
            return Err(("grants.need_reason", Self::EXTEND_REASON));
        }
        Ok(ExtendGrants {
            department,
            until,
            reason: reason.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_names_a_role_with_work_in_the_department_and_office_days() {
        assert_eq!(
            roles_in(Department::Assessment),
            [Role::Clerk, Role::Supervisor]
        );
        assert_eq!(roles_in(Department::InformationSystems), [Role::ItOfficer]);
        let mut form = GrantForm::request(Department::Assessment);
        assert_eq!(form.request_body().unwrap_err(), ("grants.need_user", 0));
        let fields = form.fields_mut();
        fields.paste("kazei02");
        fields.focus = GrantForm::FROM;
        fields.paste("2027-04-01");
        fields.focus = GrantForm::UNTIL;
        fields.paste("2027-13-01");
        assert_eq!(
            form.request_body().unwrap_err(),
            ("grants.bad_until", GrantForm::UNTIL)
        );
        let fields = form.fields_mut();
        fields.set_text(GrantForm::UNTIL, "2028-03-31");
        assert_eq!(
            form.request_body().unwrap_err(),
            ("grants.need_reason", GrantForm::REASON)
        );
        form.fields_mut()
            .set_text(GrantForm::REASON, "filing season");
        let body = form.request_body().expect("complete");
        assert_eq!(body.role, Role::Clerk);
        assert_eq!(body.department, Department::Assessment);
        assert_eq!(body.from.as_deref(), Some("2027-04-01T00:00:00+09:00"));
        assert_eq!(body.until, "2028-03-31T23:59:59+09:00");
    }
}
