//! Huawei IAM routes of this group (see ../shared/reference/huawei-iam-api.md).

use crate::http::routes::Route;

/// This group's routes (none yet).
pub fn routes() -> Vec<Route> {
    Vec::new()
}
