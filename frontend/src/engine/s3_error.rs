//! S3's error answers, read so that a refusal can be explained.
//!
//! S3 (and every compatible store) answers a refused request with a small XML
//! document: `<Error><Code>SignatureDoesNotMatch</Code><Message>…</Message>…</Error>`.
//! Only `Code` and `Message` matter here, so a full XML parser would be dead
//! weight in the wasm: this reads the two elements and their entities.

/// The code and message of an S3 error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Error {
    /// `AccessDenied`, `SignatureDoesNotMatch`, `RequestTimeTooSkewed`, …
    pub code: String,
    /// S3's sentence; may be empty.
    pub message: String,
}

/// Reads an S3 error body; `None` when it is not one (an empty body, HTML
/// from a proxy, …).
pub fn parse_s3_error(body: &str) -> Option<S3Error> {
    let error = element_text(body, "Error")?;
    let code = unescape(element_text(error, "Code")?.trim());
    if code.is_empty() {
        return None;
    }
    let message = element_text(error, "Message")
        .map(|m| unescape(m.trim()))
        .unwrap_or_default();
    Some(S3Error { code, message })
}

/// The text between `<name>` (or `<name attr…>`) and `</name>`.
fn element_text<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}");
    let mut from = 0;
    let content_start = loop {
        let at = from + xml[from..].find(&open)?;
        let after = &xml[at + open.len()..];
        // `<Code>` must not match `<CodeX>`.
        match after.chars().next()? {
            '>' => break at + open.len() + 1,
            c if c.is_whitespace() => break at + open.len() + after.find('>')? + 1,
            _ => from = at + open.len(),
        }
    };
    let close = format!("</{name}>");
    let len = xml[content_start..].find(&close)?;
    Some(&xml[content_start..content_start + len])
}

/// Replaces XML's predefined and numeric entities; an unknown one is kept.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').and_then(|semi| {
            let entity = &rest[1..semi];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#')?.parse().ok())
                    .and_then(char::from_u32),
            }?;
            Some((c, semi + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
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

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn decodes_entities_and_tolerates_attributes() {
        let body = "<Error xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n  <Code>AccessDenied</Code>\n  <Message>Request has expired &amp; can&apos;t be used &#x2014; &lt;sorry&gt; &bogus;</Message>\n</Error>";
        let error = parse_s3_error(body).unwrap();
        assert_eq!(error.code, "AccessDenied");
        assert_eq!(
            error.message,
            "Request has expired & can't be used \u{2014} <sorry> &bogus;"
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
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

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
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
