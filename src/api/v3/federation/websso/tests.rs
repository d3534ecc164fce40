use super::*;
use crate::app::testing;
use crate::config::Config;

const NOW: f64 = 1_800_000_000.0;
const SEED: &str = "roles:\n  - name: member\n";

fn state() -> SsoState {
    SsoState {
        idp: "idp".into(),
        protocol: "openid".into(),
        origin: "https://dash.example/auth/websso/".into(),
        nonce: "n".into(),
        exp: NOW + STATE_TTL_SECONDS,
        idp_url: true,
        binding: "b".into(),
    }
}

#[test]
fn state_round_trips_and_expires() {
    let app = testing::app(Config::default(), SEED, NOW);
    let sealed = seal_state(&app, &state()).unwrap();
    assert_eq!(open_state(&app, &sealed, NOW + 10.0).unwrap(), state());
    assert!(open_state(&app, &sealed, NOW + STATE_TTL_SECONDS).is_err());
    // Tampered, or not a state at all (a token of the same keys).
    let mut bytes = sealed.clone().into_bytes();
    bytes[30] ^= 1;
    assert!(open_state(&app, &String::from_utf8(bytes).unwrap(), NOW).is_err());
    assert!(open_state(&app, "garbage", NOW).is_err());
    let other = app.tokens.seal(b"{\"idp\": \"x\"}").unwrap();
    assert!(open_state(&app, &other, NOW).is_err());
}

#[test]
fn redirect_uri_is_the_start_url_without_query() {
    let app = testing::app(Config::default(), SEED, NOW);
    let mut s = state();
    assert_eq!(
        redirect_uri(&app, &s),
        format!(
            "{}/v3/auth/OS-FEDERATION/identity_providers/idp/protocols/openid/websso",
            app.public_url
        )
    );
    s.idp_url = false;
    s.protocol = "a b".into();
    assert_eq!(
        redirect_uri(&app, &s),
        format!("{}/v3/auth/OS-FEDERATION/websso/a%20b", app.public_url)
    );
}

#[test]
fn hostnames_are_lower_cased_as_upstream() {
    assert_eq!(
        lower_case_hostname("HTTPS://Dash.EXAMPLE:8443/Auth/WebSSO/?X=Y"),
        "HTTPS://dash.example:8443/Auth/WebSSO/?X=Y"
    );
    assert_eq!(lower_case_hostname("Not/A//URL"), "Not/A//URL");
    assert_eq!(lower_case_hostname("//HOST"), "//host");
}

#[test]
fn template_substitutes_as_python() {
    let v = [("host", "H"), ("token", "T")];
    assert_eq!(
        substitute("a=$host b=${token} $$c", &v).as_deref(),
        Some("a=H b=T $c")
    );
    assert_eq!(substitute("$unknown", &v), None);
    assert_eq!(substitute("$ x", &v), None);
    assert_eq!(substitute("${host", &v), None);
    let page = substitute(DEFAULT_TEMPLATE, &v).unwrap();
    assert!(page.contains(r#"action="H" method="post""#));
    assert!(page.contains(r#"id="token" value="T""#));
}

#[test]
fn escaping_keeps_attributes_closed() {
    assert_eq!(html_escape(r#"a"b<c>&'"#), "a&quot;b&lt;c&gt;&amp;&#x27;");
}
