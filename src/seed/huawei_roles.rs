//! A seed role's optional Huawei fields (huawei-iam-api.md §1.8 RoleResult) as the record
//! kept beside the role (store::iam::role_details).

use crate::store::iam::role_details::RoleDetails;

use super::SeedRole;

/// The role's Huawei details (None: a plain Keystone role), or why they are invalid.
pub(super) fn details_of(r: &SeedRole) -> Result<Option<RoleDetails>, String> {
    let any = r.display_name.is_some()
        || r.kind.is_some()
        || r.catalog.is_some()
        || r.flag.is_some()
        || r.description_cn.is_some()
        || r.policy.is_some();
    if !any {
        return Ok(None);
    }
    let kind = r
        .kind
        .clone()
        .filter(|k| ["AX", "XA", "AA", "XX"].contains(&k.as_str()))
        .ok_or_else(|| "a Huawei role needs type AX, XA, AA or XX".to_string())?;
    Ok(Some(RoleDetails {
        display_name: r.display_name.clone(),
        kind,
        catalog: r.catalog.clone(),
        flag: r.flag.clone(),
        description_cn: r.description_cn.clone(),
        // A role without a document allows nothing of its own (its name still goes into tokens).
        policy: r
            .policy
            .clone()
            .unwrap_or_else(|| serde_json::json!({"Version": "1.0", "Statement": []})),
        created_time: None,
        updated_time: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(yaml: &str) -> SeedRole {
        serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"))
    }

    #[test]
    fn plain_roles_have_no_details_and_huawei_ones_need_a_type() {
        assert_eq!(details_of(&role("name: member")), Ok(None));
        let full = role("name: x\ndisplay_name: FullAccess\ntype: AA\nflag: fine_grained\npolicy: {Version: \"1.1\", Statement: []}");
        let details = details_of(&full).ok().flatten().unwrap_or_default();
        assert_eq!(
            (details.kind.as_str(), details.flag.as_deref()),
            ("AA", Some("fine_grained"))
        );
        assert!(details.is_policy());
        assert!(details_of(&role("name: x\ndisplay_name: y")).is_err());
        assert!(details_of(&role("name: x\ntype: ZZ")).is_err());
    }
}
