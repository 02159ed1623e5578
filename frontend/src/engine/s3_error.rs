//! S3's error answers, read so that a refusal can be explained.
//!
//! S3 (and every compatible store) answers a refused request with a small XML
//! document: `<Error><Code>SignatureDoesNotMatch</Code><Message>…</Message>…</Error>`.
//! The browser's own XML parser (`DOMParser`) reads it: nothing of an XML
//! parser goes into the wasm.

use web_sys::{DomParser, Element, SupportedType};

/// The code and message of an S3 error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Error {
    /// `AccessDenied`, `SignatureDoesNotMatch`, `RequestTimeTooSkewed`, …
    pub code: String,
    /// S3's sentence; may be empty.
    pub message: String,
}

/// Reads an S3 error body; `None` when it is not one (an empty body, HTML
/// from a proxy, XML that is not well-formed, …).
pub fn parse_s3_error(body: &str) -> Option<S3Error> {
    let document = DomParser::new()
        .ok()?
        .parse_from_string(body, SupportedType::TextXml)
        .ok()?;
    // A body that is not well-formed XML still gives a document, with a
    // `<parsererror>` element in it.
    if document.get_elements_by_tag_name("parsererror").length() > 0 {
        return None;
    }
    let error = document
        .document_element()
        .filter(|e| e.tag_name() == "Error")?;
    let code = text_of(&error, "Code").filter(|code| !code.is_empty())?;
    let message = text_of(&error, "Message").unwrap_or_default();
    Some(S3Error { code, message })
}

/// The trimmed text of the first `<name>` inside `parent`.
fn text_of(parent: &Element, name: &str) -> Option<String> {
    let element = parent.get_elements_by_tag_name(name).item(0)?;
    Some(element.text_content()?.trim().to_owned())
}

// They need the browser's `DOMParser`: `cargo test --target wasm32-unknown-unknown`.
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn reads_an_aws_error() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>AKIA</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256&#10;20261123T150000Z</StringToSign><RequestId>4442587FB7D0A2F9</RequestId></Error>"#;
        let error = parse_s3_error(body).unwrap();
        assert_eq!(error.code, "SignatureDoesNotMatch");
        assert!(
            error
                .message
                .starts_with("The request signature we calculated")
        );
    }

    #[wasm_bindgen_test]
    fn decodes_entities_and_tolerates_attributes() {
        let body = "<Error xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n  <Code>AccessDenied</Code>\n  <Message>Request has expired &amp; can&apos;t be used &#x2014; &lt;sorry&gt;</Message>\n</Error>";
        let error = parse_s3_error(body).unwrap();
        assert_eq!(error.code, "AccessDenied");
        assert_eq!(
            error.message,
            "Request has expired & can't be used \u{2014} <sorry>"
        );
        // An entity XML does not define makes the body malformed XML: the
        // browser's parser refuses it whole, like any other broken body.
        assert_eq!(
            parse_s3_error(&body.replace("</Message>", " &bogus;</Message>")),
            None
        );
    }

    #[wasm_bindgen_test]
    fn a_missing_message_is_empty() {
        let error = parse_s3_error("<Error><CodeX>no</CodeX><Code>SlowDown</Code></Error>");
        assert_eq!(
            error,
            Some(S3Error {
                code: "SlowDown".into(),
                message: String::new()
            })
        );
    }

    #[wasm_bindgen_test]
    fn other_bodies_are_not_s3_errors() {
        assert_eq!(parse_s3_error(""), None);
        assert_eq!(
            parse_s3_error("<html><body>502 Bad Gateway</body></html>"),
            None
        );
        assert_eq!(parse_s3_error("<Error><Code></Code></Error>"), None);
        assert_eq!(parse_s3_error("<Error><Code>Unclosed"), None);
    }
}
