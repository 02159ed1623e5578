//! What every subcommand shares: the `--server` and `--token` flags, JSON
//! calls to the Vidrop API (with the credential, a timeout, and a few
//! patient retries when the server says it is busy), requests to the store
//! with the headers a presigned URL was signed with (never the credential),
//! and [`CliError`], every failure as the one line the user reads.

use clap::Args;
use reqwest::header::RETRY_AFTER;
use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::error::Error as StdError;
use std::time::Duration;
use vidrop_shared::api::{ErrorBody, PresignResponse};
use vidrop_shared::keys::check_object_key;

/// The server the subcommands talk to when neither `--server` nor
/// `VIDROP_SERVER` names one: `vidrop serve`'s default address.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:3000";

/// How long an API call may take, its answer included.
const API_TIMEOUT: Duration = Duration::from_secs(60);

/// How long connecting to the server or the store may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How many more times a call answered `429` or `503` is made.
const API_RETRIES: u32 = 3;

/// The longest wait a `Retry-After` may impose before a call is made again.
const LONGEST_RETRY_WAIT: Duration = Duration::from_secs(30);

/// Where the server is and who is calling: flags of every subcommand.
#[derive(Args, Clone, Debug)]
pub struct ConnectArgs {
    /// Address of the Vidrop server (its API and /presign), e.g.
    /// https://videos.example.com.
    #[arg(
        short,
        long,
        env = "VIDROP_SERVER",
        default_value = DEFAULT_SERVER,
        value_name = "URL"
    )]
    pub server: String,

    /// An upload token or an API key, sent as "Authorization: Bearer
    /// <TOKEN>". Needed unless the server is open for local development
    /// (the embedded store on loopback, no API key). Prefer the environment:
    /// a flag shows in the process list.
    #[arg(
        long,
        env = "VIDROP_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
}

/// Why a subcommand failed; `Display` is the line printed after `error: `.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Nothing answers at the server's address (or not in time).
    #[error("cannot reach the Vidrop server at {server}: {cause}")]
    Unreachable { server: String, cause: String },

    /// The server refused the request, and said why.
    #[error("{message} ({status}, {code})")]
    Api {
        status: StatusCode,
        code: String,
        message: String,
    },

    /// The server answered an error that is not Vidrop's JSON.
    #[error("the server at {server} answered {status}, not as a Vidrop server does")]
    NotVidrop { server: String, status: StatusCode },

    /// The store could not be reached with a presigned URL.
    #[error("cannot reach the store at {origin}: {cause}")]
    StoreUnreachable { origin: String, cause: String },

    /// A transfer to or from the store broke off.
    #[error("the transfer with the store at {origin} broke off: {cause}")]
    StoreBrokeOff { origin: String, cause: String },

    /// The store refused a presigned request: S3's error `Code` and
    /// `Message`, or its status alone.
    #[error("the store refused {what}: {reason} ({status})")]
    Store {
        what: String,
        status: StatusCode,
        /// S3's `Code` (empty when the answer had none).
        code: String,
        /// `Code: Message`, or the status's own words.
        reason: String,
    },

    /// An answer that does not say what it should.
    #[error("{0}")]
    BadAnswer(String),

    /// A local file or stream failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },

    /// Something the user gave cannot be used.
    #[error("{0}")]
    Invalid(String),

    /// A multipart upload stopped part-way; it can be resumed.
    #[error(
        "{error}; the parts already sent are kept: `vidrop upload --resume {file}` sends only the missing ones"
    )]
    Interrupted { file: String, error: Box<CliError> },

    /// Several files were uploaded and some failed (each was reported).
    #[error("{failed} of {total} uploads failed")]
    SomeFailed { failed: usize, total: usize },
}

impl CliError {
    /// Whether trying the same transfer again (with a fresh signature) may
    /// succeed: the connection broke, the store is busy or failing, or the
    /// presigned URL expired.
    pub fn is_retryable(&self) -> bool {
        match self {
            CliError::StoreUnreachable { .. } | CliError::StoreBrokeOff { .. } => true,
            CliError::Store { status, reason, .. } => {
                status.is_server_error()
                    || *status == StatusCode::REQUEST_TIMEOUT
                    || *status == StatusCode::TOO_MANY_REQUESTS
                    || (*status == StatusCode::FORBIDDEN && reason.contains("expired"))
            }
            _ => false,
        }
    }

    /// A local file error: `what` names the file and the action.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> CliError {
        CliError::Io {
            what: what.into(),
            source,
        }
    }
}

/// The Vidrop server, and the HTTP client that reaches it and the store.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The server's URL, ending in `/`.
    base: Url,
    token: Option<String>,
}

impl Client {
    /// A client of the server `args` names.
    pub fn new(args: &ConnectArgs) -> Result<Client, CliError> {
        let base = server_url(&args.server)?;
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("vidrop-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| {
                CliError::Invalid(format!("cannot set up HTTP: {}", root_cause(&err)))
            })?;
        let token = args
            .token
            .as_deref()
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .map(str::to_owned);
        Ok(Client { http, base, token })
    }

    /// The server's address as the user reads it.
    pub fn server(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// The URL of an API path such as `api/uploads` (relative to the server's
    /// address, which may have a path of its own).
    pub fn api_url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path(), path.trim_start_matches('/'));
        url.set_path(&joined);
        url
    }

    /// `GET /presign/{key}?method=…[&contentLength=…]`: the key is checked
    /// first, so the URL names exactly the key written (every segment
    /// percent-encoded).
    pub fn presign_url(
        &self,
        key: &str,
        method: &str,
        content_length: Option<u64>,
    ) -> Result<Url, CliError> {
        check_key(key)?;
        let mut url = self.api_url("presign/");
        url.path_segments_mut()
            .map_err(|()| {
                CliError::Invalid(format!("--server {} is not an http URL", self.server()))
            })?
            .pop_if_empty()
            .extend(key.split('/'));
        url.query_pairs_mut().append_pair("method", method);
        if let Some(length) = content_length {
            url.query_pairs_mut()
                .append_pair("contentLength", &length.to_string());
        }
        Ok(url)
    }

    /// `GET url`, answering its JSON.
    pub async fn get_json<T: DeserializeOwned>(&self, url: Url) -> Result<T, CliError> {
        let response = self.call(|http| http.get(url.clone())).await?;
        read_json(response).await
    }

    /// `POST url` with a JSON body, answering its JSON.
    pub async fn post_json<T: DeserializeOwned>(
        &self,
        url: Url,
        body: &impl Serialize,
    ) -> Result<T, CliError> {
        let response = self.call(|http| http.post(url.clone()).json(body)).await?;
        read_json(response).await
    }

    /// `DELETE url`.
    pub async fn delete(&self, url: Url) -> Result<(), CliError> {
        self.call(|http| http.delete(url.clone())).await.map(drop)
    }

    /// Sends an API request with the credential; a success answers as it
    /// is, a refusal becomes [`CliError::Api`]. Calls answered `429` or
    /// `503` are made again after the wait the server asks for.
    async fn call(
        &self,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Response, CliError> {
        let mut retries = 0;
        loop {
            let mut request = build(&self.http).timeout(API_TIMEOUT);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.map_err(|err| CliError::Unreachable {
                server: self.server().to_owned(),
                cause: send_cause(&err),
            })?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            let busy = matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            );
            if busy && retries < API_RETRIES {
                let wait = retry_after(&response).unwrap_or(Duration::from_secs(1 << retries));
                tokio::time::sleep(wait.min(LONGEST_RETRY_WAIT)).await;
                retries += 1;
                continue;
            }
            return Err(match response.json::<ErrorBody>().await {
                Ok(body) => CliError::Api {
                    status,
                    code: body.error.code,
                    message: body.error.message,
                },
                Err(_) => CliError::NotVidrop {
                    server: self.server().to_owned(),
                    status,
                },
            });
        }
    }

    /// A request to the store: `method url` with each signed header (all
    /// of them, `Content-Length` included: the body is a stream whose
    /// length the client cannot see). No credential goes to the store.
    pub fn store_request<'a>(
        &self,
        method: &str,
        url: &str,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<RequestBuilder, CliError> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| {
            CliError::BadAnswer(format!("the server signed an unknown method {method:?}"))
        })?;
        let url = Url::parse(url).map_err(|err| {
            CliError::BadAnswer(format!(
                "the server signed a URL that does not parse ({err}): {url}"
            ))
        })?;
        let mut request = self.http.request(method, url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        Ok(request)
    }

    /// The request a `/presign` answer describes, with every header it
    /// names (as the Go example's client sends them back).
    pub fn presigned_request(
        &self,
        presigned: &PresignResponse,
    ) -> Result<RequestBuilder, CliError> {
        let headers = presigned
            .header
            .iter()
            .flat_map(|(name, values)| values.iter().map(move |v| (name.as_str(), v.as_str())));
        self.store_request(&presigned.method, &presigned.url, headers)
    }

    /// Sends a request to the store; anything but a success becomes
    /// [`CliError::Store`] with S3's `Code` and `Message` (`what` names
    /// what was refused, e.g. "the upload of clip.webm").
    pub async fn send_to_store(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<Response, CliError> {
        let response = request.send().await.map_err(|err| store_failure(&err))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        let (code, reason) = match xml_element(&body, "Code") {
            Some(code) => {
                let reason = match xml_element(&body, "Message").filter(|m| !m.is_empty()) {
                    Some(message) => format!("{code}: {message}"),
                    None => code.clone(),
                };
                (code, reason)
            }
            None => (
                String::new(),
                format!(
                    "it answered {}",
                    status.canonical_reason().unwrap_or("an error")
                ),
            ),
        };
        Err(CliError::Store {
            what: what.to_owned(),
            status,
            code,
            reason,
        })
    }
}

/// Checks a key before anything is sent: one the server would refuse for
/// its syntax, or that a URL would not carry as written (`a/../b`).
pub fn check_key(key: &str) -> Result<(), CliError> {
    check_object_key(key).map_err(|err| CliError::Invalid(format!("key {key:?}: {err}")))
}

/// The server's URL from `--server`: `http://` is assumed when no scheme is
/// given; the path ends in `/`, so API paths join under it.
fn server_url(text: &str) -> Result<Url, CliError> {
    let text = text.trim();
    let invalid = |why: String| CliError::Invalid(format!("--server {text:?} {why}"));
    let full = if text.contains("://") {
        text.to_owned()
    } else {
        format!("http://{text}")
    };
    let mut url = Url::parse(&full).map_err(|err| invalid(format!("is not a URL ({err})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(
            "is not an http:// or https:// address such as http://127.0.0.1:3000".to_owned(),
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// The JSON of a successful answer.
async fn read_json<T: DeserializeOwned>(response: Response) -> Result<T, CliError> {
    let url = response.url().clone();
    response.json().await.map_err(|err| {
        CliError::BadAnswer(format!(
            "the answer of {} is not what a Vidrop server sends: {}",
            url.path(),
            root_cause(&err)
        ))
    })
}

/// The wait a `Retry-After: <seconds>` asks for.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse().ok().map(Duration::from_secs)
}

/// Why a request could not be sent, in a few words.
fn send_cause(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "no answer in time".to_owned()
    } else {
        root_cause(err)
    }
}

/// A request to the store that got no answer.
fn store_failure(err: &reqwest::Error) -> CliError {
    let origin = err
        .url()
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_else(|| "its address".to_owned());
    let cause = send_cause(err);
    if err.is_connect() {
        CliError::StoreUnreachable { origin, cause }
    } else {
        CliError::StoreBrokeOff { origin, cause }
    }
}

/// The innermost error of a chain: the one that says what happened
/// ("Connection refused (os error 111)").
pub fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// The text of the first `<name>…</name>` of a small XML document such as
/// S3's `<Error>`, with the five predefined entities decoded.
fn xml_element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    let text = xml[start..end]
        .trim()
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_normalised() {
        let url = server_url("127.0.0.1:3000").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:3000/");
        let url = server_url("https://example.com/vidrop?x=1").unwrap();
        assert_eq!(url.as_str(), "https://example.com/vidrop/");
        assert!(server_url("ftp://example.com").is_err());
        assert!(server_url("http://").is_err());
    }

    #[test]
    fn api_and_presign_urls_join_under_the_server() {
        let args = ConnectArgs {
            server: "http://h:1/base".into(),
            token: None,
        };
        let client = Client::new(&args).unwrap();
        assert_eq!(client.server(), "http://h:1/base");
        assert_eq!(
            client.api_url("api/uploads").as_str(),
            "http://h:1/base/api/uploads"
        );
        let url = client
            .presign_url("dir/a b%?.webm", "PUT", Some(5))
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://h:1/base/presign/dir/a%20b%25%3F.webm?method=PUT&contentLength=5"
        );
        assert!(client.presign_url("a/../b", "GET", None).is_err());
        assert!(client.presign_url("", "GET", None).is_err());
    }

    #[test]
    fn s3_errors_are_read() {
        let body = "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>\
                    <Message>Request has expired &amp; gone</Message></Error>";
        assert_eq!(xml_element(body, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(
            xml_element(body, "Message").as_deref(),
            Some("Request has expired & gone")
        );
        assert_eq!(xml_element("<html>", "Code"), None);
    }
}
