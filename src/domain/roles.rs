//! Roles, departments and what each may do. Deny by default: a permission
//! not listed for a role is refused by the service.

use serde::{Deserialize, Serialize};

/// Staff roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 入力担当: searches, views, keys.
    Clerk,
    /// 所属長 / 審査担当.
    Supervisor,
    /// 情報システム部門.
    ItOfficer,
    /// 個人番号利用事務監査: read-only, never sees My Numbers.
    Auditor,
}

/// Departments (課). The assessment department's work needs the My Number;
/// the collections department's does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Department {
    /// 課税課
    Assessment,
    /// 納税課
    Collections,
    /// 情報システム課
    InformationSystems,
    /// 監査
    Audit,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
            Role::ItOfficer => "it_officer",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Clerk,
            Role::Supervisor,
            Role::ItOfficer,
            Role::Auditor,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

impl Department {
    pub fn as_str(self) -> &'static str {
        match self {
            Department::Assessment => "assessment",
            Department::Collections => "collections",
            Department::InformationSystems => "information_systems",
            Department::Audit => "audit",
        }
    }

    pub fn parse(s: &str) -> Option<Department> {
        [
            Department::Assessment,
            Department::Collections,
            Department::InformationSystems,
            Department::Audit,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// What a request may need. Every route of the service names exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Search residents from the search box (by name, reading, date of
    /// birth, person number or address).
    SearchResidents,
    /// Use a My Number as a search key: only where the work needs the
    /// number, since finding its person tells whose number it is.
    SearchByMyNumber,
    /// Open a resident's record (基本4情報, address, status).
    ViewResident,
    /// See the masked My Number (last four digits) on a record.
    ViewMaskedMyNumber,
    /// Ask for the full My Number (explicit, logged).
    RevealMyNumber,
    /// See the address of a 支援措置 person.
    ViewProtectedAddress,
    /// Read the access log.
    ReadAuditLog,
    /// List and manage staff accounts.
    ManageStaff,
    /// Key declarations: the first keying, the blind second keying of
    /// another clerk's form, and re-keying fields asked for.
    KeyEntries,
    /// Decide fields the two keyings could not settle, and discard entries.
    DecideEntries,
    /// Read the versions of a person's tax records (who keyed, verified,
    /// approved each).
    ViewTaxRecords,
    /// Propose a correction of a committed record.
    ProposeCorrections,
    /// Approve or reject others' corrections.
    ReviewCorrections,
    /// Work the next-day re-verification list: check items against the
    /// paper, mark them verified or for correction.
    Reverify,
    /// Register and change transfer destinations and formats.
    ManageTransferRegistry,
    /// Prepare manual transfers (and see one's own).
    PrepareTransfers,
    /// Approve or reject the department's transfer requests.
    ApproveTransfers,
    /// Read transfers: one's own for a clerk, every one for the others
    /// who have this.
    ViewTransfers,
    /// Read the erasure plan and approve it (an IT officer and a
    /// supervisor, two people, both approve one before it is carried out).
    ApproveRetention,
    /// Request grants of roles in one's department (a supervisor; an IT
    /// officer for information systems) and read the department's grants.
    RequestGrants,
}

impl Permission {
    pub const ALL: [Permission; 20] = [
        Permission::SearchResidents,
        Permission::SearchByMyNumber,
        Permission::ViewResident,
        Permission::ViewMaskedMyNumber,
        Permission::RevealMyNumber,
        Permission::ViewProtectedAddress,
        Permission::ReadAuditLog,
        Permission::ManageStaff,
        Permission::KeyEntries,
        Permission::DecideEntries,
        Permission::ViewTaxRecords,
        Permission::ProposeCorrections,
        Permission::ReviewCorrections,
        Permission::Reverify,
        Permission::ManageTransferRegistry,
        Permission::PrepareTransfers,
        Permission::ApproveTransfers,
        Permission::ViewTransfers,
        Permission::ApproveRetention,
        Permission::RequestGrants,
    ];
}

/// The permissions of a role in a department: least privilege, nothing by
/// default. Only the assessment department's work needs the My Number, and
/// the IT officer's work (terminals, grants, sign-off) needs no resident data.
pub fn permissions(role: Role, department: Department) -> &'static [Permission] {
    use Permission::*;
    match (role, department) {
        (Role::Clerk, Department::Assessment) => &[
            SearchResidents,
            SearchByMyNumber,
            ViewResident,
            ViewMaskedMyNumber,
            RevealMyNumber,
            KeyEntries,
            ViewTaxRecords,
            ProposeCorrections,
            Reverify,
            PrepareTransfers,
            ViewTransfers,
        ],
        (Role::Clerk, Department::Collections) => &[SearchResidents, ViewResident],
        (Role::Supervisor, Department::Assessment) => &[
            SearchResidents,
            SearchByMyNumber,
            ViewResident,
            ViewMaskedMyNumber,
            RevealMyNumber,
            ViewProtectedAddress,
            ReadAuditLog,
            DecideEntries,
            ViewTaxRecords,
            ReviewCorrections,
            ApproveTransfers,
            ViewTransfers,
            ApproveRetention,
            RequestGrants,
        ],
        (Role::Supervisor, Department::Collections) => &[
            SearchResidents,
            ViewResident,
            ViewProtectedAddress,
            ReadAuditLog,
            RequestGrants,
        ],
        (Role::ItOfficer, Department::InformationSystems) => &[
            ReadAuditLog,
            ManageStaff,
            ManageTransferRegistry,
            ViewTransfers,
            ApproveRetention,
            RequestGrants,
        ],
        (Role::Auditor, Department::Audit) => {
            &[SearchResidents, ViewResident, ReadAuditLog, ViewTransfers]
        }
        // Any other pairing is a misconfiguration: it may do nothing.
        _ => &[],
    }
}

pub fn has_permission(role: Role, department: Department, permission: Permission) -> bool {
    permissions(role, department).contains(&permission)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_assessment_work_sees_the_my_number() {
        for (role, dept) in [
            (Role::Clerk, Department::Collections),
            (Role::ItOfficer, Department::InformationSystems),
            (Role::Auditor, Department::Audit),
            (Role::Supervisor, Department::Collections),
        ] {
            assert!(!has_permission(role, dept, Permission::ViewMaskedMyNumber));
            assert!(!has_permission(role, dept, Permission::RevealMyNumber));
        }
        assert!(has_permission(
            Role::Clerk,
            Department::Assessment,
            Permission::RevealMyNumber
        ));
    }

    #[test]
    fn only_assessment_work_searches_by_my_number() {
        let mut holders: Vec<(Role, Department)> = Vec::new();
        for role in [
            Role::Clerk,
            Role::Supervisor,
            Role::ItOfficer,
            Role::Auditor,
        ] {
            for dept in [
                Department::Assessment,
                Department::Collections,
                Department::InformationSystems,
                Department::Audit,
            ] {
                if has_permission(role, dept, Permission::SearchByMyNumber) {
                    holders.push((role, dept));
                }
            }
        }
        assert_eq!(
            holders,
            [
                (Role::Clerk, Department::Assessment),
                (Role::Supervisor, Department::Assessment)
            ]
        );
        // Searching by number is a narrowing of searching at all.
        for (role, dept) in holders {
            assert!(has_permission(role, dept, Permission::SearchResidents));
        }
    }

    #[test]
    fn the_it_officer_gets_no_resident_data() {
        let (role, dept) = (Role::ItOfficer, Department::InformationSystems);
        for permission in [
            Permission::SearchResidents,
            Permission::SearchByMyNumber,
            Permission::ViewResident,
            Permission::ViewMaskedMyNumber,
            Permission::RevealMyNumber,
            Permission::ViewProtectedAddress,
        ] {
            assert!(!has_permission(role, dept, permission), "{permission:?}");
        }
        assert!(has_permission(role, dept, Permission::ManageStaff));
        assert!(has_permission(role, dept, Permission::ReadAuditLog));
    }

    #[test]
    fn unknown_pairings_get_nothing() {
        assert!(permissions(Role::Auditor, Department::Assessment).is_empty());
        assert!(permissions(Role::Clerk, Department::Audit).is_empty());
    }

    #[test]
    fn names_round_trip() {
        for role in [
            Role::Clerk,
            Role::Supervisor,
            Role::ItOfficer,
            Role::Auditor,
        ] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for dept in [
            Department::Assessment,
            Department::Collections,
            Department::InformationSystems,
            Department::Audit,
        ] {
            assert_eq!(Department::parse(dept.as_str()), Some(dept));
        }
    }
}
