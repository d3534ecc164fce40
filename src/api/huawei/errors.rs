//! Huawei IAM's error body, `{"error_code": "IAM.0004", "error_msg": "..."}`, which
//! huaweicloudsdkcore's exception handler reads (it also accepts Keystone's body, which the
//! `/v3` routes keep). Codes as the IAM error-code appendix gives them; an `Error::Iam` keeps
//! its own.

use serde_json::json;

use crate::error::Error;
use crate::http::response::Response;

/// The IAM code of an error without one of its own, by status.
fn code_of_status(status: u16) -> &'static str {
    match status {
        400 => "IAM.0007",
        401 => "IAM.0001",
        403 => "IAM.0003",
        404 => "IAM.0004",
        409 => "IAM.0005",
        413 => "IAM.0011",
        // Not in the appendix: the nearest neighbours of the codes it gives.
        405 => "IAM.0002",
        429 => "IAM.0010",
        _ => "IAM.0006",
    }
}

/// The error code and message a Huawei client sees for `err`.
pub fn code_and_message(err: &Error) -> (&'static str, String) {
    match err {
        Error::Iam { code, message, .. } => (code, message.clone()),
        other => (code_of_status(other.code()), other.message()),
    }
}

/// `err` as Huawei's error body, with its status.
pub fn response(err: &Error) -> Response {
    let (code, message) = code_and_message(err);
    let mut response = Response::json(
        err.code(),
        &json!({"error_code": code, "error_msg": message}),
    );
    if let Error::TooManyRequests { retry_after } = err {
        response = response.with_header("Retry-After", retry_after.to_string());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_iam_codes_and_own_codes_stay() {
        let (code, msg) = code_and_message(&Error::not_found("user", "u1"));
        assert_eq!(code, "IAM.0004");
        assert!(msg.contains("u1"));
        let own = Error::Iam {
            status: 400,
            code: "1109",
            message: "The user name already exists.".into(),
        };
        assert_eq!(code_and_message(&own).0, "1109");
        assert_eq!(response(&own).status, 400);
    }
}
